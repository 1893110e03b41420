// POST /api/v1/training/models/deploy - deploy an export as the active model of its age range
//      (ModelDeploymentConfig as JSON or query: model_export_path or model_id, age_group_min,
//      age_group_max, replace_existing, validate_before_deployment, backup_existing,
//      deployment_environment).
import { withActor } from '@/lib/api/handler';
import { readParams, strictBoolean } from '@/lib/api/params';
import { deployModel, type DeploymentConfig } from '@/lib/registry/deploy';
import { getStore } from '@/lib/storage';
import { z } from 'zod';

// Booleans first: the registry's z.coerce.boolean() would take the string "false" for true.
const flags = z.object({
  replace_existing: strictBoolean.optional(),
  validate_before_deployment: strictBoolean.optional(),
  backup_existing: strictBoolean.optional(),
});

export const POST = withActor('deployments.write', async (req, { actor, db }) => {
  const p = await readParams(req);
  const config = { ...p, ...flags.parse(p) } as DeploymentConfig;
  return Response.json(await deployModel(db, getStore(), actor, config));
});
