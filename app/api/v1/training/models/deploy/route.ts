// POST /api/v1/training/models/deploy - deploy the approved deployment request for a
//      ModelDeploymentConfig (JSON or query: model_export_path or model_id, age_group_min,
//      age_group_max, replace_existing, validate_before_deployment, backup_existing,
//      deployment_environment); the approved request's flags govern. Without one: 409
//      approval_required, unless an admin sends break_glass_reason (at least 20 characters).
import { withActor } from '@/lib/api/handler';
import { readParams } from '@/lib/api/params';
import { deployByConfigJson } from '@/lib/api/deployment-requests';
import { getStore } from '@/lib/storage';

export const POST = withActor('deployments.write', async (req, { actor, db }) =>
  Response.json(await deployByConfigJson(db, getStore(), actor, await readParams(req))),
);
