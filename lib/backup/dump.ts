import crypto from 'node:crypto';
import fsp from 'node:fs/promises';
import type { Db } from '../db';
import { BackupError } from './errors';
import type { Manifest } from './manifest';
import { quoteIdent, readSchema, selectRowsSql, type Sql } from './schema';

export type DatabaseDump = Pick<Manifest, 'migrations' | 'database' | 'sequences' | 'artifacts'>;

const FETCH_ROWS = 500;
// Long enough for a large registry; on PGlite other requests wait for it, so it only spools rows.
const DUMP_TIMEOUT_MS = 60 * 60 * 1000;

/** One dump line: the table, then the row exactly as PostgreSQL wrote it. */
export const dumpLine = (table: string, rowJson: string) => `{"table":${JSON.stringify(table)},"row":${rowJson}}\n`;

/**
 * Writes every row of every table to `file` as JSON lines, in dependency order, from one
 * read-only REPEATABLE READ snapshot, so the dump is consistent even while the server keeps
 * writing. The artifact list and migration history come from the same snapshot.
 */
export async function dumpDatabase(db: Db, file: string): Promise<DatabaseDump> {
  const fh = await fsp.open(file, 'wx', 0o600);
  try {
    const dump = await db.$transaction(
      async (tx) => {
        // PGlite's adapter ignores Prisma's isolation option; saying it ourselves is the same on both.
        await tx.$executeRawUnsafe('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
        const sql: Sql = { query: (s, p = []) => tx.$queryRawUnsafe(s, ...p) };
        return dumpInSnapshot(sql, fh);
      },
      { isolationLevel: 'RepeatableRead', timeout: DUMP_TIMEOUT_MS, maxWait: 60_000 },
    );
    await fh.sync();
    return dump;
  } finally {
    await fh.close();
  }
}

async function dumpInSnapshot(sql: Sql, fh: fsp.FileHandle): Promise<DatabaseDump> {
  const migrations = await sql.query<{ name: string; checksum: string }>(
    `SELECT migration_name::text AS name, checksum::text AS checksum FROM "_prisma_migrations"
     WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL ORDER BY migration_name`,
  );
  if (!migrations.length)
    throw new BackupError('backup_failed', 'the database has no migration history; run "drawbridge migrate" first');
  const schema = await readSchema(sql);
  const hash = crypto.createHash('sha256');
  let bytes = 0;
  const tables: DatabaseDump['database']['tables'] = [];
  for (const t of schema.tables) {
    const { sql: select, countSql } = selectRowsSql(t);
    await sql.query(`DECLARE drawbridge_dump NO SCROLL CURSOR FOR ${select}`);
    let rows = 0;
    for (;;) {
      const batch = await sql.query<{ j: string }>(`FETCH ${FETCH_ROWS} FROM drawbridge_dump`);
      if (!batch.length) break;
      const text = Buffer.from(batch.map((r) => dumpLine(t.name, r.j)).join(''), 'utf8');
      hash.update(text);
      bytes += text.length;
      rows += batch.length;
      await fh.write(text);
    }
    await sql.query('CLOSE drawbridge_dump');
    const [{ n }] = await sql.query<{ n: number }>(countSql);
    if (n !== rows) {
      throw new BackupError(
        'backup_unsupported_schema',
        `table ${t.name} has ${n} rows but only ${rows} could be ordered parent-first (its rows refer to each other in a cycle)`,
      );
    }
    tables.push({ name: t.name, rows });
  }
  const sequences: DatabaseDump['sequences'] = [];
  for (const s of schema.sequences) {
    const [r] = await sql.query<{ last: string; called: boolean }>(
      `SELECT last_value::text AS last, is_called AS called FROM ${quoteIdent(s.name)}`,
    );
    sequences.push({ ...s, next: Number(r.last) + (r.called ? 1 : 0) });
  }
  const artifacts = (
    await sql.query<{ sha256: string; bytes: string }>(
      `SELECT sha256::text AS sha256, "sizeBytes"::text AS bytes FROM "Artifact" ORDER BY sha256`,
    )
  ).map((a) => ({
    sha256: a.sha256,
    bytes: Number(a.bytes),
  }));
  return {
    migrations,
    database: { file: 'database.jsonl', bytes, sha256: hash.digest('hex'), tables },
    sequences,
    artifacts,
  };
}
