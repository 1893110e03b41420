// GET /api/v1/deployment-requests/{id} - the request, its reviews (whether each still binds), the
//     review policy and the evaluation against it (approvals, required, reasons), its deployments.
import { withActor } from '@/lib/api/handler';
import { requestDetailJson } from '@/lib/api/deployment-requests';

export const GET = withActor<{ id: string }>('reviews.read', async (_req, { actor, db, params }) =>
  Response.json(await requestDetailJson(db, actor, params.id)),
);
