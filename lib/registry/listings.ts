import type { Actor } from '../auth/permissions';
import { requirePermission } from '../auth/permissions';
import type { Db } from '../db';

/** Read models for the console's registry pages. Scoped by permission; paginated. */
export async function listModelExports(db: Db, actor: Actor, opts: { page?: number; pageSize?: number } = {}) {
  requirePermission(actor, 'models.read');
  const pageSize = Math.min(Math.max(opts.pageSize ?? 25, 1), 100);
  const page = Math.max(opts.page ?? 1, 1);
  const [total, exports] = await Promise.all([
    db.modelExport.count(),
    db.modelExport.findMany({
      orderBy: [{ exportTimestamp: 'desc' }, { id: 'desc' }],
      skip: (page - 1) * pageSize,
      take: pageSize,
    }),
  ]);
  return { total, page, pageSize, exports };
}

export async function listDeployedModels(db: Db, actor: Actor, opts: { environment?: string; includeInactive?: boolean } = {}) {
  requirePermission(actor, 'deployments.read');
  return db.ageGroupModel.findMany({
    where: {
      ...(opts.environment ? { environment: opts.environment } : {}),
      ...(opts.includeInactive ? {} : { isActive: true }),
    },
    orderBy: [{ environment: 'asc' }, { ageMin: 'asc' }, { createdTimestamp: 'desc' }],
    include: { modelExport: { select: { modelId: true, exportFormat: true } }, deployedBy: { select: { name: true } } },
  });
}

export async function listDeploymentRequests(db: Db, actor: Actor) {
  requirePermission(actor, 'reviews.read');
  return db.deploymentRequest.findMany({
    // Open requests first: they are the ones waiting on someone.
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
