// POST /api/v1/training/models/export/direct - export an uploaded checkpoint with no training job:
//      multipart `checkpoint` file, `model_info` (JSON, optional), `age_group_min`, `age_group_max`,
//      `export_format` (as form fields or query parameters).
import { exportDirectInput, preflightDirectExport } from '@/lib/api/direct-export';
import { withActor } from '@/lib/api/handler';
import { queryParams } from '@/lib/api/params';
import { exportToJson } from '@/lib/api/serialize';
import { readUploadForm } from '@/lib/api/uploads';
import { withArtifactCleanup } from '@/lib/registry/artifact-gc';
import { catalogueArtifact } from '@/lib/registry/artifacts';
import { exportModelDirect } from '@/lib/registry/exports';
import { getStore } from '@/lib/storage';

export const POST = withActor('models.export', async (req, { actor, db }) => {
  // A refused upload keeps neither its bytes nor its catalogue row; the export's own bytes too.
  return withArtifactCleanup(db, getStore(), async (store) => {
    const { fields, files } = await readUploadForm(req, store, { files: ['checkpoint'] });
    const input = exportDirectInput({ ...queryParams(req), ...fields }, files.checkpoint);
    // Refuse a checkpoint that is not the autoencoder (or contradicts model_info) before cataloguing it.
    await preflightDirectExport(store, input);
    await catalogueArtifact(db, actor, { ...files.checkpoint!, mediaType: 'application/x-pytorch-checkpoint' });
    return Response.json(exportToJson(await exportModelDirect(db, store, actor, input)));
  });
});
