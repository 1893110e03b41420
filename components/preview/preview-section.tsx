import { can, type Actor } from '@/lib/auth/permissions';
import { getDb } from '@/lib/db';
import { ortBasePath } from '@/lib/preview/ort-assets';
import { getPreviewSources } from '@/lib/registry/reconstruction';
import { ReconstructionPreview } from './reconstruction-preview';

/**
 * Server half of the reconstruction preview: reads what to run (content addresses, checksums,
 * thresholds — never bytes) and hands it to the client runner.
 */
export async function PreviewSection({ actor, modelId }: { actor: Actor; modelId: string }) {
  const s = await getPreviewSources(await getDb(), actor, modelId);
  return (
    <ReconstructionPreview
      ortBase={ortBasePath()}
      candidate={s.candidate}
      validationSet={s.validationSet}
      deploymentThreshold={s.deploymentThreshold}
      production={s.production}
      canAttach={can(actor, 'reviews.write')}
    />
  );
}
