// POST /api/v1/deployment-requests/{id}/deploy - deploy an approved request (deployer; re-checks
//      the policy, the reviewed hash and the latest validation in the deploy's transaction).
import { withActor } from '@/lib/api/handler';
import { deployRequestJson } from '@/lib/api/deployment-requests';
import { getStore } from '@/lib/storage';

export const POST = withActor<{ id: string }>('deployments.write', async (_req, { actor, db, params }) =>
  Response.json(await deployRequestJson(db, getStore(), actor, params.id)),
);
