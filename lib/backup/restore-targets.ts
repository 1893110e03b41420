/**
 * A restore's refusals before anything is written: the target must be empty (directory, bucket or
 * database) and the archive's migrations this build's; and the last step's rename, which refuses a
 * target that filled up meanwhile.
 */
import fsp from 'node:fs/promises';
import pg from 'pg';
import { readMigrations } from '../db/migrate';
import type { ArtifactStore } from '../storage/types';
import { BackupError } from './errors';
import type { Manifest } from './manifest';
import { quoteIdent } from './schema';

/** An empty (or missing) directory; anything in it means this is not a fresh target. */
export async function checkDirEmpty(dir: string, what: string): Promise<void> {
  let entries: string[];
  try {
    entries = await fsp.readdir(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    if ((e as NodeJS.ErrnoException).code === 'ENOTDIR')
      throw new BackupError('backup_target_not_empty', `the ${what} ${dir} is a file, not a directory`);
    throw e;
  }
  if (entries.length) {
    throw new BackupError(
      'backup_target_not_empty',
      `the ${what} ${dir} is not empty (it holds ${entries.slice(0, 3).join(', ')}${entries.length > 3 ? ', …' : ''}); restore only into an empty one, e.g. DRAWBRIDGE_DATA_DIR=/new/dir`,
    );
  }
}

/** A store with no artifact in it (the bucket under its prefix), else the restore would mix two registries. */
export async function checkStoreEmpty(store: ArtifactStore): Promise<void> {
  for await (const o of store.list()) {
    throw new BackupError(
      'backup_target_not_empty',
      `the artifact store is not empty (it holds ${o.sha256}, …); restore only into an empty one, e.g. a new bucket or DRAWBRIDGE_S3_PREFIX`,
    );
  }
}

/** No rows in any table; returns the migrations already applied (a freshly migrated database is empty too). */
export async function checkPostgresEmpty(url: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const tables = (
      await client.query<{ name: string }>(
        `SELECT relname::text AS name FROM pg_class WHERE relnamespace = current_schema()::regnamespace AND relkind IN ('r', 'p') ORDER BY 1`,
      )
    ).rows.map((r) => r.name);
    const full: string[] = [];
    for (const t of tables) {
      if (t === '_prisma_migrations') continue;
      if ((await client.query(`SELECT 1 FROM ${quoteIdent(t)} LIMIT 1`)).rowCount) full.push(t);
    }
    const where = new URL(url);
    if (full.length) {
      throw new BackupError(
        'backup_target_not_empty',
        `the PostgreSQL database ${where.host}${where.pathname} is not empty (${full.slice(0, 3).join(', ')}${full.length > 3 ? ', …' : ''} hold rows); restore only into an empty database (CREATE DATABASE …)`,
      );
    }
    if (!tables.includes('_prisma_migrations')) return [];
    return (
      await client.query<{ name: string }>(
        `SELECT migration_name AS name FROM "_prisma_migrations" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL ORDER BY 1`,
      )
    ).rows.map((r) => r.name);
  } finally {
    await client.end();
  }
}

/** The archive's migrations must be this build's, in order; an empty target may be behind them, never ahead. */
export function checkMigrations(m: Manifest, dir: string, targetApplied: string[]): void {
  const ours = readMigrations(dir);
  m.migrations.forEach((a, i) => {
    const o = ours[i];
    if (!o || o.name !== a.name) {
      throw new BackupError(
        'backup_incompatible',
        `the archive was written under migration ${a.name}, which this Drawbridge does not have; restore it with the version that wrote it or a newer one`,
      );
    }
    if (o.checksum !== a.checksum)
      throw new BackupError(
        'backup_incompatible',
        `migration ${a.name} in this Drawbridge differs from the one the archive was written under`,
      );
  });
  const archived = m.migrations.map((x) => x.name);
  if (targetApplied.some((name, i) => archived[i] !== name)) {
    throw new BackupError(
      'backup_incompatible',
      `the target database is already migrated past the archive (it has ${targetApplied.at(-1)}, the archive ends at ${archived.at(-1)}); restore into a fresh database`,
    );
  }
}
/** Renames `from` onto `to`, which must be missing or an empty directory. */
export async function moveIntoPlace(from: string, to: string): Promise<void> {
  try {
    await fsp.rmdir(to);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOTEMPTY' || code === 'EEXIST')
      throw new BackupError(
        'backup_target_not_empty',
        `${to} gained files while the archive was being restored; nothing was restored`,
      );
    if (code !== 'ENOENT') throw e;
  }
  await fsp.rename(from, to);
}
