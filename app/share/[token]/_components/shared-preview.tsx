import { ReconstructionPreview } from '@/components/preview/reconstruction-preview';
import type { PreviewRun } from '@/components/preview/preview-section';
import type { ExportFormat } from '@/lib/formats/export';
import { ortVersion } from '@/lib/preview/ort-assets';
import type { resolveShareToken } from '@/lib/registry/share-links';

type SharedExport = NonNullable<Awaited<ReturnType<typeof resolveShareToken>>>;

/**
 * What the anonymous visitor's browser runs, all under the link (app/share/[token]/artifacts and
 * /ort): the export and its validation set only. No production comparison: another model's bytes
 * are not the link's to give.
 */
export function sharedPreviewRun(token: string, exp: SharedExport): PreviewRun {
  const base = `/share/${encodeURIComponent(token)}`;
  const vs = exp.trainingJob?.validationSet ?? null;
  const dep = exp.deployments.find((d) => d.environment === 'production') ?? exp.deployments[0];
  return {
    ortBase: `${base}/ort/${ortVersion()}/`,
    candidate: {
      modelId: exp.modelId,
      format: exp.exportFormat as ExportFormat,
      sha256: exp.checksum,
      sizeBytes: Number(exp.artifact.sizeBytes),
      url: `${base}/artifacts/${exp.checksum}`,
    },
    validationSet: vs
      ? { sha256: vs.sha256, sizeBytes: Number(vs.sizeBytes), url: `${base}/artifacts/${vs.sha256}` }
      : null,
    deploymentThreshold: dep
      ? { value: dep.threshold, environment: dep.environment, deploymentId: dep.id, active: true }
      : null,
    production: null,
  };
}

export function SharedPreview({ token, exp }: { token: string; exp: SharedExport }) {
  return (
    <section aria-labelledby="preview-h" className="mt-6 rounded-lg border border-slate-200 bg-white p-5">
      <ReconstructionPreview {...sharedPreviewRun(token, exp)} />
    </section>
  );
}
