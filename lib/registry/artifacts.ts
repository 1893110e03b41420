import 'server-only';
import { requirePermission, type Actor } from '../auth/permissions';
import type { Db } from '../db';
import type { StoredArtifact } from '../storage/types';
import type { Tx } from './audit';

/**
 * Catalogues bytes already written to the store; idempotent per hash. An INSERT … ON CONFLICT DO
 * NOTHING rather than an upsert: two registrations of the same bytes at once (a pipeline pushing
 * several jobs with one validation set) would otherwise both try to create the row, and one fail.
 */
export async function catalogueArtifact(
  tx: Tx,
  actor: Actor,
  a: StoredArtifact & { mediaType: string; originalName?: string | null },
): Promise<void> {
  await tx.artifact.createMany({
    data: [
      {
        sha256: a.sha256,
        sizeBytes: BigInt(a.sizeBytes),
        mediaType: a.mediaType,
        originalName: a.originalName ?? null,
        createdById: actor.via === 'system' ? null : actor.id,
      },
    ],
    skipDuplicates: true,
  });
}

/** The catalogue row of one stored artifact, or null. */
export async function findArtifact(db: Db, actor: Actor, sha256: string) {
  requirePermission(actor, 'models.read');
  return db.artifact.findUnique({ where: { sha256 } });
}
