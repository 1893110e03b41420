// PUT /api/v1/review-policies/{environment} - an admin sets the environment's review policy
//     ({required_approvals?, require_preview_summary?}; an omitted field keeps its current value).
//     Requests under review there are re-evaluated at once.
import { withActor } from '@/lib/api/handler';
import { readParams } from '@/lib/api/params';
import { setPolicyJson } from '@/lib/api/deployment-requests';

export const PUT = withActor<{ environment: string }>('policy.manage', async (req, { actor, db, params }) =>
  Response.json(await setPolicyJson(db, actor, params.environment, await readParams(req))),
);
