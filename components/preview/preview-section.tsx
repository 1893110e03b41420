import type { FormAction } from '@/lib/auth/action-state';
import { ortBasePath } from '@/lib/preview/ort-assets';
import type { PreviewSources } from '@/lib/registry/reconstruction';
import { ReconstructionPreview, type PreviewProps } from './reconstruction-preview';

/** What the client runner needs of the sources (serialisable: a server page can hand it to a client form). */
export type PreviewRun = Pick<
  PreviewProps,
  'ortBase' | 'candidate' | 'validationSet' | 'deploymentThreshold' | 'production'
>;

export function previewRunOf(sources: PreviewSources): PreviewRun {
  return {
    ortBase: ortBasePath(),
    candidate: sources.candidate,
    validationSet: sources.validationSet,
    deploymentThreshold: sources.deploymentThreshold,
    production: sources.production,
  };
}

/**
 * Server half of the reconstruction preview: hands what to run (content addresses, checksums,
 * thresholds — never bytes), fetched by the page, to the client runner, with where the runtime's
 * files are served.
 */
export function PreviewSection({ sources, attachAction }: { sources: PreviewSources; attachAction?: FormAction }) {
  return <ReconstructionPreview {...previewRunOf(sources)} attachAction={attachAction} />;
}
