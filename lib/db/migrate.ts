import 'server-only';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { OpenedAdapter, SqlSession } from './adapter';

/**
 * Applies prisma/migrations in order, recording them in Prisma's own `_prisma_migrations` table so
 * `prisma migrate deploy` and this runner agree on what is applied. We run them ourselves because
 * the app, the CLI and the tests must migrate on open without spawning the Prisma CLI, and PGlite
 * allows only one in-process connection.
 */
export function defaultMigrationsDir(): string {
  return (
    process.env.DRAWBRIDGE_MIGRATIONS_DIR || path.join(/*turbopackIgnore: true*/ process.cwd(), 'prisma', 'migrations')
  );
}

type Migration = { name: string; sql: string; checksum: string };

export function readMigrations(dir = defaultMigrationsDir()): Migration[] {
  if (!fs.existsSync(/*turbopackIgnore: true*/ dir)) throw new Error(`migrations directory not found: ${dir}`);
  return fs
    .readdirSync(/*turbopackIgnore: true*/ dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && fs.existsSync(path.join(/*turbopackIgnore: true*/ dir, d.name, 'migration.sql')))
    .map((d) => d.name)
    .sort()
    .map((name) => {
      const sql = fs.readFileSync(path.join(/*turbopackIgnore: true*/ dir, name, 'migration.sql'), 'utf8');
      return { name, sql, checksum: crypto.createHash('sha256').update(sql).digest('hex') };
    });
}

/** Arbitrary, constant: serialises migrators (opening, restoring) on one server. */
export const MIGRATION_LOCK_KEY = 7_260_427;

/** Prisma's own migration ledger, so `prisma migrate deploy` and this runner agree on what is applied. */
export const MIGRATION_LEDGER_SQL = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id" VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum" VARCHAR(64) NOT NULL,
    "finished_at" TIMESTAMPTZ,
    "migration_name" VARCHAR(255) NOT NULL,
    "logs" TEXT,
    "rolled_back_at" TIMESTAMPTZ,
    "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count" INTEGER NOT NULL DEFAULT 0
  )`;

export async function applyMigrations(adapter: OpenedAdapter, dir = defaultMigrationsDir()): Promise<string[]> {
  const migrations = readMigrations(dir);
  // One connection throughout: the advisory lock is the session's, so it must be released on the
  // connection that took it (through the pool, the unlock could land elsewhere and leave it held).
  const applied = await adapter.withSession((db) => migrateOn(db, migrations));
  // After a migration, new indexes and columns need statistics. PGlite has no autovacuum, so
  // without a check on open its planner never learns a table's size and picks sequential scans at
  // 100 000 rows; its statistics collector counts no changes either, so the check is by size.
  if (applied.length) await analyzeDatabase(adapter);
  else if (adapter.kind === 'pglite') await analyzeStaleTables(adapter);
  return applied;
}

/** Refreshes the planner's statistics: after migrations, and after bulk inserts (seeding, benchmarks). */
export async function analyzeDatabase(db: Pick<SqlSession, 'exec'>): Promise<void> {
  await db.exec('ANALYZE');
}

/**
 * ANALYZEs the tables whose size moved by more than a tenth (and 8 pages) since their statistics
 * were taken, as autovacuum would: a whole-database ANALYZE on every open cost each CLI command
 * ~0.1 s on an empty registry and ~3 s at 100 000 exports. Returns the tables it analyzed.
 */
export async function analyzeStaleTables(db: Pick<SqlSession, 'exec' | 'query'>): Promise<string[]> {
  const stale = await db.query<{ name: string }>(
    `SELECT quote_ident(c.relname) AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = current_schema() AND c.relkind = 'r'
       AND abs(pg_relation_size(c.oid) / current_setting('block_size')::int - c.relpages) > 8 + c.relpages / 10`,
  );
  const names = stale.map((r) => r.name);
  if (names.length) await db.exec(`ANALYZE ${names.join(', ')}`);
  return names;
}

async function migrateOn(db: SqlSession, migrations: Migration[]): Promise<string[]> {
  await db.exec(MIGRATION_LEDGER_SQL);
  const applied: string[] = [];
  // A session-level advisory lock: on PostgreSQL several processes may start at once.
  await db.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
  try {
    const rows = await db.query<{ migration_name: string; checksum: string; finished_at: Date | null }>(
      'SELECT migration_name, checksum, finished_at FROM "_prisma_migrations" WHERE rolled_back_at IS NULL',
    );
    const done = new Map(rows.map((r) => [r.migration_name, r]));
    for (const m of migrations) {
      const prev = done.get(m.name);
      if (prev?.finished_at) {
        if (prev.checksum !== m.checksum) {
          throw new Error(`migration ${m.name} was modified after it was applied (checksum differs)`);
        }
        continue;
      }
      if (prev) throw new Error(`migration ${m.name} previously failed; repair the database before continuing`);
      const id = crypto.randomUUID();
      // The migration and its bookkeeping commit together, or neither does.
      await db
        .exec(
          `BEGIN;\n${m.sql}\n;INSERT INTO "_prisma_migrations" (id, checksum, migration_name, finished_at, applied_steps_count) ` +
            `VALUES ('${id}', '${m.checksum}', '${m.name.replace(/'/g, "''")}', now(), 1);\nCOMMIT;`,
        )
        .catch(async (e) => {
          await db.exec('ROLLBACK').catch(() => {});
          throw new Error(`migration ${m.name} failed: ${(e as Error).message}`);
        });
      applied.push(m.name);
    }
  } finally {
    await db.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
  }
  return applied;
}
