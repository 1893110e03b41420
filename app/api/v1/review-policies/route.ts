// GET /api/v1/review-policies - each environment's review policy (required approvals, preview summary required).
import { withActor } from '@/lib/api/handler';
import { listPoliciesJson } from '@/lib/api/deployment-requests';

export const GET = withActor('reviews.read', async (_req, { actor, db }) =>
  Response.json(await listPoliciesJson(db, actor)),
);
