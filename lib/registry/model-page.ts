import 'server-only';
import type { Actor } from '../auth/permissions';
import { requirePermission } from '../auth/permissions';
import type { Db } from '../db';
import { notFound } from '../errors';

/** Everything the model page shows, in one scoped read. */
export async function getModelDetail(db: Db, actor: Actor, modelId: string) {
  requirePermission(actor, 'models.read');
  const exp = await db.modelExport.findUnique({
    where: { modelId },
    include: {
      artifact: true,
      trainingJob: { select: { id: true, jobName: true, validationSha256: true } },
      createdBy: { select: { name: true } },
      validationRuns: { orderBy: { createdAt: 'desc' }, take: 10, include: { createdBy: { select: { name: true } } } },
      deployments: {
        orderBy: { createdTimestamp: 'desc' },
        include: { deployedBy: { select: { name: true } }, undeployedBy: { select: { name: true } } },
      },
    },
  });
  if (!exp) throw notFound('Model', modelId, 'model_not_found');
  // The model now serving the same age range in production: what this one would replace.
  const production = await db.ageGroupModel.findFirst({
    where: { environment: 'production', ageMin: exp.ageGroupMin, ageMax: exp.ageGroupMax, isActive: true },
    include: { modelExport: { select: { modelId: true, exportFormat: true, checksum: true } } },
  });
  return { exp, production };
}

/** What a model's card image (its unfurl) shows: the export, its latest validation, where it is active; null if none. */
export async function getModelCard(db: Db, actor: Actor, modelId: string) {
  requirePermission(actor, 'models.read');
  return db.modelExport.findUnique({
    where: { modelId },
    include: {
      validationRuns: { orderBy: { createdAt: 'desc' }, take: 1 },
      deployments: { where: { isActive: true }, select: { environment: true } },
    },
  });
}
