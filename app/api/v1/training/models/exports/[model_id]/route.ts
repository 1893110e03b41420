// GET /api/v1/training/models/exports/{model_id} - an export's metadata, its path and download URL,
//     its validation runs (newest first) and its age-range override, if any.
import { withActor } from '@/lib/api/handler';
import { listValidationRuns } from '@/lib/registry/validate';
import { exportDetailToJson } from '@/lib/api/serialize';
import { exportPathOf } from '@/lib/registry/deploy';
import { getModelExport } from '@/lib/registry/exports';

export const GET = withActor<{ model_id: string }>('models.read', async (_req, { actor, db, params }) => {
  const e = await getModelExport(db, actor, params.model_id);
  const runs = await listValidationRuns(db, actor, e.id);
  return Response.json(exportDetailToJson(e, exportPathOf(e), runs));
});
