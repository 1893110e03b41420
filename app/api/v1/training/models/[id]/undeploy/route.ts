// POST /api/v1/training/models/{id}/undeploy - deactivate deployment {id}; 404 unless it was active.
import { withActor } from '@/lib/api/handler';
import { parsePathInt } from '@/lib/api/params';
import { undeployModel } from '@/lib/registry/deploy';
import { ModelDeploymentError } from '@/lib/formats/errors';

export const POST = withActor<{ id: string }>('deployments.write', async (_req, { actor, db, params }) => {
  const id = parsePathInt(params.id, 'id');
  if (!(await undeployModel(db, actor, id))) {
    throw new ModelDeploymentError('deployment_not_found', `Deployment ${id} is not active or does not exist`);
  }
  return Response.json({ success: true, deployment_id: id });
});
