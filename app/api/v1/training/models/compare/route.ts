// GET /api/v1/training/models/compare?a=&b= - both exports on one validation set (A's) through
//     onnxruntime-node: per-sample errors, each model's threshold and the samples whose flag flips;
//     the reference the compare page's in-browser run is checked against.
import { compareQuery } from '@/lib/api/contract/compare';
import { withActor } from '@/lib/api/handler';
import { parseQuery, queryParams } from '@/lib/api/params';
import { computeComparisonReference } from '@/lib/registry/compare';
import { getStore } from '@/lib/storage';

export const GET = withActor('models.read', async (req, { actor, db }) => {
  const q = parseQuery(compareQuery, queryParams(req));
  return Response.json(await computeComparisonReference(db, getStore(), actor, q.a, q.b));
});
