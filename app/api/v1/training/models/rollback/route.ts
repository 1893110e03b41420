// POST /api/v1/training/models/rollback - re-activate the backup of an age range
//      ({age_group_min, age_group_max, deployment_environment} as JSON or query).
import { withActor } from '@/lib/api/handler';
import { readParams } from '@/lib/api/params';
import { rollbackDeployment } from '@/lib/registry/deploy';
import { getStore } from '@/lib/storage';

export const POST = withActor('deployments.write', async (req, { actor, db }) => {
  const p = await readParams(req);
  return Response.json(
    await rollbackDeployment(db, getStore(), actor, {
      age_group_min: p.age_group_min,
      age_group_max: p.age_group_max,
      deployment_environment: p.deployment_environment as 'production' | undefined,
    }),
  );
});
