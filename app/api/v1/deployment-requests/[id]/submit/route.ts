// POST /api/v1/deployment-requests/{id}/submit - the requester opens a draft (or a failed request) for review.
import { withActor } from '@/lib/api/handler';
import { submitJson } from '@/lib/api/deployment-requests';

export const POST = withActor<{ id: string }>('requests.create', async (_req, { actor, db, params }) =>
  Response.json(await submitJson(db, actor, params.id)),
);
