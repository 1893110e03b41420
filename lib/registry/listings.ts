import type { Actor } from '../auth/permissions';
import { requirePermission } from '../auth/permissions';
import type { Db } from '../db';

export async function listDeploymentRequests(db: Db, actor: Actor) {
  requirePermission(actor, 'reviews.read');
  return db.deploymentRequest.findMany({
    orderBy: [{ createdAt: 'desc' }],
    include: { modelExport: { select: { modelId: true } }, requester: { select: { name: true } }, _count: { select: { reviews: true } } },
  });
}

export async function countOverview(db: Db, actor: Actor) {
  requirePermission(actor, 'models.read');
  const [jobs, exports, active, openRequests] = await Promise.all([
    db.trainingJob.count(),
    db.modelExport.count(),
    db.ageGroupModel.count({ where: { isActive: true } }),
    db.deploymentRequest.count({ where: { state: 'open' } }),
  ]);
  return { jobs, exports, active, openRequests };
}
