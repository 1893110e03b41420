// GET /api/v1/training/models/exports/{model_id}/reconstruction - per-sample reconstruction MSE of
//     the export on its training job's validation set, computed with onnxruntime-node: the server's
//     reference for the browser preview (which must agree within 1e-4 relative).
import { withActor } from '@/lib/api/handler';
import { computeServerReconstruction } from '@/lib/registry/reconstruction';
import { getStore } from '@/lib/storage';

export const GET = withActor<{ model_id: string }>('models.read', async (_req, { actor, db, params }) => {
  return Response.json(await computeServerReconstruction(db, getStore(), actor, params.model_id));
});
