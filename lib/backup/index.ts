/**
 * Backup and restore of a whole Drawbridge: the database (a logical dump, the same on PGlite and
 * PostgreSQL) and every catalogued artifact, in one verified archive.
 */
import { requirePermission, type Actor } from '../auth/permissions';
import type { Db } from '../db';
import { recordAudit } from '../registry/audit';
import type { ArtifactStore } from '../storage/types';
import { prepareBackup, type PreparedBackup } from './archive';

export { prepareBackup, writeArchiveFile, type PreparedBackup } from './archive';
export { BackupError, type BackupErrorCode } from './errors';
export { readArchive } from './read-archive';
export { restoreBackup, type RestoreSummary, type RestoreTarget } from './restore';
export type { Manifest } from './manifest';

/**
 * An admin's backup: checked, audited (the audit row lands before the snapshot, so the archive
 * records its own making), then snapshotted. The caller streams `stream` to a file or a client.
 */
export async function backupDatabase(
  db: Db,
  store: ArtifactStore,
  actor: Actor,
  source: { kind: 'pglite' | 'postgres' },
): Promise<PreparedBackup> {
  requirePermission(actor, 'backup.create');
  await recordAudit(db, actor, { action: 'backup.create', subjectType: 'database', subjectId: source.kind });
  return prepareBackup(db, store, source);
}
