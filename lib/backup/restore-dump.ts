/**
 * The archive's database dump, read line by line: verified (format, dependency order, counts per
 * table) before any database opens, then loaded in batches through json_populate_recordset.
 */
import fs from 'node:fs';
import readline from 'node:readline';
import { BackupError } from './errors';
import type { Manifest } from './manifest';
import type { Session } from './restore-session';
import { quoteIdent } from './schema';

const BATCH_ROWS = 1000;
const BATCH_BYTES = 4 * 1024 * 1024;

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

export async function checkDump(m: Manifest, dumpFile: string): Promise<void> {
  const counts = new Map<string, number>();
  for await (const { table } of dumpRows(m, dumpFile)) counts.set(table, (counts.get(table) ?? 0) + 1);
  checkCounts(m, counts);
}

export async function loadRows(s: Session, m: Manifest, dumpFile: string): Promise<number> {
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
