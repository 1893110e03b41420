// POST /api/v1/deployment-requests/{id}/withdraw - the requester withdraws the request ({reason?}).
import { withActor } from '@/lib/api/handler';
import { readParams } from '@/lib/api/params';
import { withdrawJson } from '@/lib/api/deployment-requests';

export const POST = withActor<{ id: string }>('requests.create', async (req, { actor, db, params }) =>
  Response.json(await withdrawJson(db, actor, params.id, await readParams(req))),
);
