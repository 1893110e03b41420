import type { FormAction } from '@/lib/auth/action-state';
import { ortBasePath } from '@/lib/preview/ort-assets';
import type { PreviewSources } from '@/lib/registry/reconstruction';
import { ReconstructionPreview } from './reconstruction-preview';

/**
 * Server half of the reconstruction preview: hands what to run (content addresses, checksums,
 * thresholds — never bytes), fetched by the page, to the client runner, with where the runtime's
 * files are served.
 */
export function PreviewSection({ sources, attachAction }: { sources: PreviewSources; attachAction?: FormAction }) {
  return (
    <ReconstructionPreview
      ortBase={ortBasePath()}
      candidate={sources.candidate}
      validationSet={sources.validationSet}
      deploymentThreshold={sources.deploymentThreshold}
      production={sources.production}
      attachAction={attachAction}
    />
  );
}
