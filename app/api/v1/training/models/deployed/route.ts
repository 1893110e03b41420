// GET /api/v1/training/models/deployed - deployed models (?environment, ?include_inactive for history).
import { z } from 'zod';
import { withActor } from '@/lib/api/handler';
import { queryParams, strictBoolean } from '@/lib/api/params';
import { ENVIRONMENTS, deploymentToDict, listDeployedModels } from '@/lib/registry/deploy';

const schema = z.object({ environment: z.enum(ENVIRONMENTS).optional(), include_inactive: strictBoolean.default(false) });

export const GET = withActor('deployments.read', async (req, { actor, db }) => {
  const q = schema.parse(queryParams(req));
  const rows = await listDeployedModels(db, actor, { environment: q.environment, includeInactive: q.include_inactive });
  return Response.json(rows.map((d) => ({ ...deploymentToDict(d), deployed_by: d.deployedBy?.name ?? null })));
});
