import { requirePermission, type Actor } from '../auth/permissions';
import type { Db } from '../db';

/** Read-only look-ups the API needs and the registry does not (yet) offer. */
export async function listValidationRuns(db: Db, actor: Actor, modelExportId: string, take = 20) {
  requirePermission(actor, 'models.read');
  return db.validationRun.findMany({
    where: { modelExportId },
    orderBy: { createdAt: 'desc' },
    take,
    include: { createdBy: { select: { name: true } } },
  });
}

export async function findArtifact(db: Db, actor: Actor, sha256: string) {
  requirePermission(actor, 'models.read');
  return db.artifact.findUnique({ where: { sha256 } });
}
