/** The rows' one transaction: migrate to the archive's schema, load, reset sequences, check the catalogue, migrate on. */
import crypto from 'node:crypto';
import { MIGRATION_LEDGER_SQL, MIGRATION_LOCK_KEY, type readMigrations } from '../db/migrate';
import { BackupError } from './errors';
import type { Manifest } from './manifest';
import { loadRows } from './restore-dump';
import type { Session } from './restore-session';
import { quoteIdent, readSchema } from './schema';

type Migration = ReturnType<typeof readMigrations>[number];

/** Loads the dump, resets the sequences and checks the catalogue, in one transaction. Returns the row count. */
export async function loadInTransaction(
  s: Session,
  m: Manifest,
  ours: Migration[],
  dumpFile: string,
  beforeCommit: () => Promise<void>,
): Promise<number> {
  await s.exec('BEGIN');
  try {
    await s.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
    const applied = await appliedMigrations(s);
    // The rows go into the schema they were dumped from; migrations newer than the archive run after them.
    await migrate(s, ours.slice(0, m.migrations.length), applied);
    const schema = await readSchema(s);
    const have = schema.tables.map((t) => t.name).sort();
    const want = m.database.tables.map((t) => t.name).sort();
    if (have.join() !== want.join()) {
      throw new BackupError(
        'backup_incompatible',
        `the archive's tables (${want.join(', ')}) are not the schema's (${have.join(', ')}) under the same migrations`,
      );
    }
    for (const t of have) {
      if ((await s.query(`SELECT 1 FROM ${quoteIdent(t)} LIMIT 1`)).length)
        throw new BackupError(
          'backup_target_not_empty',
          `table ${t} gained rows while the archive was being read; nothing was restored`,
        );
    }
    const rows = await loadRows(s, m, dumpFile);
    for (const seq of schema.sequences) {
      const next = m.sequences.find((x) => x.name === seq.name)?.next ?? 1;
      // Never below what the rows already use: a hand-edited manifest cannot make ids collide.
      await s.query(
        `SELECT setval($1::regclass, GREATEST($2::bigint, (SELECT COALESCE(MAX(${quoteIdent(seq.column)}), 0) + 1 FROM ${quoteIdent(seq.table)})), false)`,
        [quoteIdent(seq.name), next],
      );
    }
    const catalogue = await s.query<{ sha256: string; bytes: string }>(
      `SELECT sha256::text AS sha256, "sizeBytes"::text AS bytes FROM "Artifact"`,
    );
    const listed = new Map(m.artifacts.map((a) => [a.sha256, a.bytes]));
    const mismatch = catalogue.find((a) => listed.get(a.sha256) !== Number(a.bytes));
    if (mismatch || catalogue.length !== listed.size) {
      throw new BackupError(
        'backup_corrupt',
        `the archive is corrupt: its artifact list does not match the Artifact rows of its own dump${mismatch ? ` (artifact ${mismatch.sha256})` : ''}; nothing was restored`,
      );
    }
    await migrate(s, ours, applied);
    await beforeCommit();
    await s.exec('COMMIT');
    return rows;
  } catch (e) {
    await s.exec('ROLLBACK').catch(() => {});
    throw e;
  }
}

// A restore migrates exactly as opening the database does (lib/db/migrate.ts's lock and ledger),
// but inside the restore's transaction, so a refused restore leaves no schema behind either.
async function appliedMigrations(s: Session): Promise<Set<string>> {
  await s.exec(MIGRATION_LEDGER_SQL);
  const rows = await s.query<{ name: string }>(
    `SELECT migration_name AS name FROM "_prisma_migrations" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`,
  );
  return new Set(rows.map((r) => r.name));
}

async function migrate(s: Session, migrations: Migration[], applied: Set<string>): Promise<void> {
  for (const mig of migrations) {
    if (applied.has(mig.name)) continue;
    try {
      await s.exec(`${mig.sql}\n;`);
    } catch (e) {
      throw new BackupError(
        'backup_failed',
        `migration ${mig.name} failed on the restored database: ${(e as Error).message.split('\n')[0]}; nothing was restored`,
      );
    }
    await s.query(
      `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, finished_at, applied_steps_count) VALUES ($1, $2, $3, now(), 1)`,
      [crypto.randomUUID(), mig.checksum, mig.name],
    );
    applied.add(mig.name);
  }
}
