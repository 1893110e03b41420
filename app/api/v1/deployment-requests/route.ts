// POST /api/v1/deployment-requests - open a deployment request (model_id, deployment_environment,
//      replace_existing, backup_existing, validate_before_deployment, rationale, submit=true) → 201.
// GET  /api/v1/deployment-requests - requests, open ones first (?state, ?environment,
//      ?view=all|mine|awaiting, ?page, ?page_size).
import { withActor } from '@/lib/api/handler';
import { queryParams, readParams } from '@/lib/api/params';
import { createRequestJson, listRequestsJson } from '@/lib/api/deployment-requests';

export const POST = withActor('requests.create', async (req, { actor, db }) =>
  Response.json(await createRequestJson(db, actor, await readParams(req)), { status: 201 }),
);

export const GET = withActor('reviews.read', async (req, { actor, db }) =>
  Response.json(await listRequestsJson(db, actor, queryParams(req))),
);
