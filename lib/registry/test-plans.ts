/**
 * What the list-plan tests share: a database filled at realistic sizes with its indexes built after
 * the fill, a client that reports every statement it sends, and EXPLAIN ANALYZE of one of them
 * with the rows it really read from a table (a whole index read and sorted is a full scan too).
 */
import type { OpenedAdapter } from '../db/adapter';
import { PrismaClient } from '../db/generated/client';
import { analyzeDatabase } from '../db/migrate';

export type PlanNode = {
  'Node Type': string;
  'Relation Name'?: string;
  'Actual Rows'?: number;
  'Actual Loops'?: number;
  'Rows Removed by Filter'?: number;
  Plans?: PlanNode[];
};
export type Statement = { query: string; params: unknown[] };

const nodes = (n: PlanNode): PlanNode[] => [n, ...(n.Plans ?? []).flatMap(nodes)];

/**
 * Runs `fill` with the secondary indexes of `tables` dropped, then builds them again from their own
 * definitions (a sorted build, not row by row) and ANALYZEs; returns how many indexes it rebuilt.
 */
export async function fillThenIndex(adapter: OpenedAdapter, tables: string[], fill: string[]): Promise<number> {
  const indexes = await adapter.query<{ indexname: string; indexdef: string }>(
    `SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY($1::text[])
     AND indexname NOT LIKE '%_key' AND indexname NOT LIKE '%_pkey'`,
    [tables],
  );
  await adapter.exec(indexes.map((i) => `DROP INDEX "${i.indexname}"`).join(';\n'));
  await adapter.exec(fill.join(';\n'));
  await adapter.exec(indexes.map((i) => i.indexdef).join(';\n'));
  await analyzeDatabase(adapter);
  return indexes.length;
}

/** A second client over the adapter that appends every statement it sends to `captured`. */
export function loggingClient(adapter: OpenedAdapter, captured: Statement[]) {
  const db = new PrismaClient({ adapter: adapter.factory, log: [{ emit: 'event', level: 'query' }] });
  db.$on('query', (e) => captured.push({ query: e.query, params: JSON.parse(e.params) as unknown[] }));
  return db;
}

/** EXPLAIN ANALYZE of one statement: the scans of `table` in its plan and the rows they read. */
export async function rowsRead(adapter: OpenedAdapter, s: Statement, table: string) {
  const [row] = await adapter.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] | string }>(
    `EXPLAIN (ANALYZE, FORMAT JSON) ${s.query}`,
    s.params,
  );
  const raw = row['QUERY PLAN'];
  const plan = (typeof raw === 'string' ? JSON.parse(raw) : raw)[0].Plan as PlanNode;
  const scans = nodes(plan).filter((n) => n['Relation Name'] === table);
  const read = scans.reduce(
    (sum, n) => sum + ((n['Actual Rows'] ?? 0) + (n['Rows Removed by Filter'] ?? 0)) * (n['Actual Loops'] ?? 1),
    0,
  );
  return { read, types: scans.map((n) => n['Node Type']), seq: scans.some((n) => n['Node Type'] === 'Seq Scan') };
}
