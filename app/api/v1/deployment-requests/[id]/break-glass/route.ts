// POST /api/v1/deployment-requests/{id}/break-glass - an admin deploys the request without its
//      approvals ({reason}, at least 20 characters); flagged on the deployment and in the audit.
import { withActor } from '@/lib/api/handler';
import { readParams } from '@/lib/api/params';
import { breakGlassJson } from '@/lib/api/deployment-requests';
import { getStore } from '@/lib/storage';

export const POST = withActor<{ id: string }>('deployments.break_glass', async (req, { actor, db, params }) =>
  Response.json(await breakGlassJson(db, getStore(), actor, params.id, await readParams(req))),
);
