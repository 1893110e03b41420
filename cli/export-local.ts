/**
 * `drawbridge export` in local mode. The checkpoint is read once, parsed once (before anything is
 * stored: an unsafe or foreign file never enters the store), stored from the bytes in hand, and the
 * export is written in-process straight into the store, then to `--out` from the same bytes: no
 * file is read back (issue 14: exports near the disk's speed).
 */
import { requirePermission } from '../lib/auth/permissions';
import { exportToJson } from '../lib/api/serialize';
import { maxArtifactBytes } from '../lib/config';
import type { ExportFormat } from '../lib/formats/export';
import { withArtifactCleanup } from '../lib/registry/artifact-gc';
import { catalogueArtifact } from '../lib/registry/artifacts';
import { exportModelDirect, exportModelFromTrainingJob, type ExportRunOptions } from '../lib/registry/exports';
import { parseCheckpoint } from '../lib/registry/parse-checkpoint';
import { getStore } from '../lib/storage';
import { baseName, readCheckedFile, readWith, writeFileAtomic } from './files';
import { resolveActor, withDb } from './local';

export type LocalExportInput = {
  checkpoint?: string;
  jobId?: number;
  modelInfo?: Record<string, unknown>;
  ageGroupMin: number;
  ageGroupMax: number;
  exportFormat: ExportFormat;
  ageRangeReason?: string;
  out?: string;
  as?: string;
};

export async function exportLocally(x: LocalExportInput, cmd: string) {
  const source = x.checkpoint ? await readCheckedFile(x.checkpoint, '--checkpoint', cmd) : null;
  const parsed = x.checkpoint && source ? readWith('checkpoint', x.checkpoint, () => parseCheckpoint(source)) : null;
  let artifact: readonly Uint8Array[] = [];
  const opts: ExportRunOptions = { inProcess: true, onArtifact: (chunks) => (artifact = chunks) };
  // A failed export keeps none of the bytes it stored (lib/registry/artifact-gc).
  return withDb((db) =>
    withArtifactCleanup(db, getStore(), async (store) => {
      const actor = await resolveActor(db, x.as, cmd);
      let row;
      if (x.checkpoint && source && parsed) {
        requirePermission(actor, 'models.export');
        // The store hashes as it writes: the parsed model is of exactly the bytes under this hash.
        const stored = await store.put(source, { maxBytes: maxArtifactBytes() });
        await catalogueArtifact(db, actor, {
          ...stored,
          mediaType: 'application/x-pytorch-checkpoint',
          originalName: baseName(x.checkpoint),
        });
        const input = { checkpointSha256: stored.sha256, modelInfo: x.modelInfo, ...ages(x) };
        row = await exportModelDirect(db, store, actor, input, { ...opts, parsed });
      } else {
        const input = { trainingJobId: x.jobId!, ageRangeReason: x.ageRangeReason, ...ages(x) };
        row = await exportModelFromTrainingJob(db, store, actor, input, opts);
      }
      const meta = exportToJson(row);
      if (!x.out) return { meta, written: null };
      await writeFileAtomic(x.out, artifact);
      return { meta, written: { bytes: Number(meta.file_size_bytes), sha256: meta.checksum } };
    }),
  );
}

function ages(x: LocalExportInput) {
  return { ageGroupMin: x.ageGroupMin, ageGroupMax: x.ageGroupMax, exportFormat: x.exportFormat };
}
