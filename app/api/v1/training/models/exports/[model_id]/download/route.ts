// GET /api/v1/training/models/exports/{model_id}/download - the exported artifact as an attachment
//     (<model_id><ext>); ETag, If-None-Match and Range as /api/v1/artifacts/{sha256}.
import { artifactResponse } from '@/lib/api/artifact-response';
import { withActor } from '@/lib/api/handler';
import { EXPORT_FILE_TYPES, type ExportFormat } from '@/lib/formats/export';
import { getModelExport } from '@/lib/registry/exports';
import { getStore } from '@/lib/storage';

export const GET = withActor<{ model_id: string }>('models.read', async (req, { actor, db, params }) => {
  const e = await getModelExport(db, actor, params.model_id);
  const { mediaType, extension } = EXPORT_FILE_TYPES[e.exportFormat as ExportFormat];
  return artifactResponse(req, getStore(), { sha256: e.checksum, mediaType }, { filename: `${e.modelId}${extension}` });
});
