import type { Actor } from '../auth/permissions';
import type { StoredArtifact } from '../storage/types';
import type { Tx } from './audit';

/** Catalogues bytes already written to the store; idempotent per hash. */
export async function catalogueArtifact(
  tx: Tx,
  actor: Actor,
  a: StoredArtifact & { mediaType: string; originalName?: string | null },
): Promise<void> {
  await tx.artifact.upsert({
    where: { sha256: a.sha256 },
    create: {
      sha256: a.sha256,
      sizeBytes: BigInt(a.sizeBytes),
      mediaType: a.mediaType,
      originalName: a.originalName ?? null,
      createdById: actor.via === 'system' ? null : actor.id,
    },
    update: {},
  });
}
