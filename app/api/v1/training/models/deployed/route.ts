// GET /api/v1/training/models/deployed - deployed models (?environment, ?include_inactive for history).
import { deployedListQuery } from '@/lib/api/contract/deployments';
import { withActor } from '@/lib/api/handler';
import { queryParams } from '@/lib/api/params';
import { deploymentToJson } from '@/lib/api/serialize';
import { deploymentToDict, listDeployedModels } from '@/lib/registry/deploy';

export const GET = withActor('deployments.read', async (req, { actor, db }) => {
  const q = deployedListQuery.parse(queryParams(req));
  const rows = await listDeployedModels(db, actor, { environment: q.environment, includeInactive: q.include_inactive });
  return Response.json(rows.map((d) => deploymentToJson(deploymentToDict(d), d.deployedBy)));
});
