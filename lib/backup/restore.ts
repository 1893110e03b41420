/**
 * `drawbridge restore`: an archive into an empty data directory (embedded) or an empty PostgreSQL
 * database. Nothing is written where the data will live until the whole archive has been read
 * and verified into a staging directory; the rows then load in one transaction, and the staged
 * files move into place by rename. A refusal at any step leaves the target as it was.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import readline from 'node:readline';
import pg from 'pg';
import { createAdapterFactory } from '../db/adapter';
import { MIGRATION_LEDGER_SQL, MIGRATION_LOCK_KEY, defaultMigrationsDir, readMigrations } from '../db/migrate';
import { FsArtifactStore } from '../storage/fs-store';
import type { ArtifactStore } from '../storage/types';
import { BackupError } from './errors';
import { DATABASE_NAME, type Manifest } from './manifest';
import { readArchive } from './read-archive';
import { quoteIdent, readSchema, type Sql } from './schema';

/** PostgreSQL's artifacts go to `store` (an S3 bucket) when given, else to `dataDir`/artifacts. */
export type RestoreTarget =
  { kind: 'pglite'; dataDir: string } | { kind: 'postgres'; url: string; dataDir: string; store?: ArtifactStore };
export type RestoreSummary = {
  tables: number;
  rows: number;
  artifacts: number;
  artifactBytes: number;
  migrations: number;
};

type Session = Sql & { exec(sql: string): Promise<void> };
type Migration = ReturnType<typeof readMigrations>[number];

const BATCH_ROWS = 1000;
const BATCH_BYTES = 4 * 1024 * 1024;

export async function restoreBackup(
  source: AsyncIterable<Uint8Array>,
  target: RestoreTarget,
  opts: { migrationsDir?: string } = {},
): Promise<RestoreSummary> {
  const migrationsDir = opts.migrationsDir ?? defaultMigrationsDir();
  const targetMigrations =
    target.kind === 'postgres'
      ? await checkPostgresEmpty(target.url)
      : (await checkDirEmpty(target.dataDir, 'data directory'), []);
  if (target.kind === 'postgres' && target.store) await checkStoreEmpty(target.store);
  else if (target.kind === 'postgres') await checkDirEmpty(path.join(target.dataDir, 'artifacts'), 'artifact store');

  const stageParent = target.kind === 'pglite' ? path.dirname(target.dataDir) : target.dataDir;
  await fsp.mkdir(stageParent, { recursive: true });
  const stage = path.join(
    stageParent,
    `.${target.kind === 'pglite' ? path.basename(target.dataDir) : 'artifacts'}.restore-${crypto.randomBytes(6).toString('hex')}`,
  );
  await fsp.mkdir(path.join(stage, 'artifacts'), { recursive: true });
  const dumpFile = path.join(stage, DATABASE_NAME);
  const staged = new FsArtifactStore(path.join(stage, 'artifacts'));
  try {
    const manifest = await readArchive(source, {
      manifest: (m) => checkMigrations(m, migrationsDir, targetMigrations),
      database: async (body) => {
        const fh = await fsp.open(dumpFile, 'wx', 0o600);
        try {
          for await (const chunk of body) await fh.write(chunk);
        } finally {
          await fh.close();
        }
      },
      artifact: async (sha256, body) => {
        await staged.put(body, { expectedSha256: sha256 });
      },
    });
    await checkDump(manifest, dumpFile); // a bad dump is refused before any database is opened
    const migrations = readMigrations(migrationsDir);
    const session: Session & { close(): Promise<void> } =
      target.kind === 'pglite' ? await pgliteSession(path.join(stage, 'pglite')) : await postgresSession(target.url);
    let rows: number;
    let moved = false;
    try {
      rows = await loadInTransaction(session, manifest, migrations, dumpFile, async () => {
        // PostgreSQL: the artifacts take their place just before the rows commit, and leave if the commit fails.
        if (target.kind === 'postgres' && target.store) {
          moved = true; // a failed copy leaves some of them: the catch removes what arrived
          for (const a of manifest.artifacts)
            await target.store.put(await staged.stream(a.sha256), { expectedSha256: a.sha256 });
        } else if (target.kind === 'postgres') {
          await moveIntoPlace(path.join(stage, 'artifacts'), path.join(target.dataDir, 'artifacts'));
          moved = true;
        }
      }).catch(async (e) => {
        if (moved && target.kind === 'postgres' && target.store) {
          const store = target.store;
          for (const a of manifest.artifacts) await store.delete(a.sha256).catch(() => false);
        } else if (moved && target.kind === 'postgres')
          await fsp.rm(path.join(target.dataDir, 'artifacts'), { recursive: true, force: true }).catch(() => {});
        throw e;
      });
      await session.exec('ANALYZE'); // PGlite never analyses on its own; PostgreSQL would, later
    } finally {
      await session.close();
    }
    await fsp.rm(dumpFile, { force: true });
    if (target.kind === 'pglite') await moveIntoPlace(stage, target.dataDir);
    return {
      tables: manifest.database.tables.length,
      rows,
      artifacts: manifest.artifacts.length,
      artifactBytes: manifest.artifacts.reduce((n, a) => n + a.bytes, 0),
      migrations: manifest.migrations.length,
    };
  } finally {
    await fsp.rm(stage, { recursive: true, force: true });
  }
}

/** An empty (or missing) directory; anything in it means this is not a fresh target. */
async function checkDirEmpty(dir: string, what: string): Promise<void> {
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
async function checkStoreEmpty(store: ArtifactStore): Promise<void> {
  for await (const o of store.list()) {
    throw new BackupError(
      'backup_target_not_empty',
      `the artifact store is not empty (it holds ${o.sha256}, …); restore only into an empty one, e.g. a new bucket or DRAWBRIDGE_S3_PREFIX`,
    );
  }
}

/** No rows in any table; returns the migrations already applied (a freshly migrated database is empty too). */
async function checkPostgresEmpty(url: string): Promise<string[]> {
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
function checkMigrations(m: Manifest, dir: string, targetApplied: string[]): void {
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

/** The staging directory's embedded database, opened (and locked) only by this restore. */
async function pgliteSession(dir: string): Promise<Session & { close(): Promise<void> }> {
  const a = await createAdapterFactory({ kind: 'pglite', dir });
  return { query: (sql, params) => a.query(sql, params), exec: (sql) => a.exec(sql), close: () => a.close() };
}

async function postgresSession(url: string): Promise<Session & { close(): Promise<void> }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  return {
    async query<T>(sql: string, params?: unknown[]) {
      return (await client.query(sql, params)).rows as T[];
    },
    async exec(sql: string) {
      await client.query(sql);
    },
    close: () => client.end(),
  };
}

/** Loads the dump, resets the sequences and checks the catalogue, in one transaction. Returns the row count. */
async function loadInTransaction(
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

const LINE_RE = /^\{"table":"([A-Za-z_][A-Za-z0-9_]*)","row":(\{.*\})\}$/;

/** The dump's rows in file order, each with its table; a line out of format or out of order is refused. */
async function* dumpRows(m: Manifest, dumpFile: string): AsyncGenerator<{ table: string; row: string }> {
  const order = m.database.tables.map((t) => t.name);
  let current = -1;
  let lineNo = 0;
  for await (const line of readline.createInterface({
    input: fs.createReadStream(dumpFile, 'utf8'),
    crlfDelay: Infinity,
  })) {
    lineNo++;
    const x = LINE_RE.exec(line);
    if (!x)
      throw new BackupError(
        'backup_corrupt',
        `the archive is corrupt: line ${lineNo} of its database dump is not a dump row; nothing was restored`,
      );
    if (x[1] !== order[current]) {
      const next = order.indexOf(x[1], current + 1);
      if (next < 0)
        throw new BackupError(
          'backup_corrupt',
          `the archive is corrupt: line ${lineNo} of its database dump is a ${x[1]} row out of dependency order; nothing was restored`,
        );
      current = next;
    }
    yield { table: x[1], row: x[2] };
  }
}

/** Row counts per table must be the manifest's. Run before the database is touched, and again on what was loaded. */
function checkCounts(m: Manifest, counts: Map<string, number>): number {
  let total = 0;
  for (const t of m.database.tables) {
    const n = counts.get(t.name) ?? 0;
    if (n !== t.rows)
      throw new BackupError(
        'backup_corrupt',
        `the archive is corrupt: its dump holds ${n} ${t.name} rows but its manifest says ${t.rows}; nothing was restored`,
      );
    total += n;
  }
  return total;
}

async function checkDump(m: Manifest, dumpFile: string): Promise<void> {
  const counts = new Map<string, number>();
  for await (const { table } of dumpRows(m, dumpFile)) counts.set(table, (counts.get(table) ?? 0) + 1);
  checkCounts(m, counts);
}

async function loadRows(s: Session, m: Manifest, dumpFile: string): Promise<number> {
  const counts = new Map<string, number>();
  let table = '';
  let batch: string[] = [];
  let batchBytes = 0;
  const flush = async () => {
    if (!batch.length) return;
    try {
      await s.query(
        `INSERT INTO ${quoteIdent(table)} SELECT * FROM json_populate_recordset(NULL::${quoteIdent(table)}, $1::json)`,
        [`[${batch.join(',')}]`],
      );
    } catch (e) {
      throw new BackupError(
        'backup_corrupt',
        `the archive's rows for table ${table} do not fit the database (${(e as Error).message.split('\n')[0]}); nothing was restored`,
      );
    }
    counts.set(table, (counts.get(table) ?? 0) + batch.length);
    batch = [];
    batchBytes = 0;
  };
  for await (const r of dumpRows(m, dumpFile)) {
    if (r.table !== table) {
      await flush();
      table = r.table;
    }
    batch.push(r.row);
    batchBytes += r.row.length;
    if (batch.length >= BATCH_ROWS || batchBytes >= BATCH_BYTES) await flush();
  }
  await flush();
  return checkCounts(m, counts);
}

/** Renames `from` onto `to`, which must be missing or an empty directory. */
async function moveIntoPlace(from: string, to: string): Promise<void> {
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
