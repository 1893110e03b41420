import 'server-only';
import { invalidField } from '../errors';
import { Prisma } from '../db/generated/client';

/**
 * The SQL behind the models list: filters as index-usable predicates and keyset paging by a row
 * comparison on the sort key, so a page costs one index range scan that stops after pageSize + 1
 * rows, however deep the page and however large the table (issue 14). The indexes that serve each
 * sort are in migration 20261203000100_list_indexes.
 */

export type ListFilters = {
  ageGroupMin?: number;
  ageGroupMax?: number;
  exportFormat?: string;
  trainingJobId?: number;
  q?: string;
  validation?: 'valid' | 'invalid' | 'none';
  deployed?: 'yes' | 'no';
  environment?: 'production' | 'staging' | 'candidate';
  tag?: 'age-override' | 'shared';
};

type Column = { sql: string; cast: string };
const COL = {
  at: { sql: '"exportTimestamp"', cast: 'timestamp(3)' },
  size: { sql: '"fileSizeBytes"', cast: 'bigint' },
  params: { sql: '"parameterCount"', cast: 'int' },
  ageMin: { sql: '"ageGroupMin"', cast: 'float8' },
  ageMax: { sql: '"ageGroupMax"', cast: 'float8' },
  job: { sql: '"jobName"', cast: 'text' },
  format: { sql: '"exportFormat"', cast: '"ExportFormat"' },
  id: { sql: '"id"', cast: 'text' },
} satisfies Record<string, Column>;

/**
 * Each sort's key, always ending in id (unique) so the order is total and a cursor names one
 * position. A sort and its reverse share a key: one index, scanned either way.
 */
const KEYS = {
  exported: [COL.at, COL.id],
  size: [COL.size, COL.at, COL.id],
  params: [COL.params, COL.at, COL.id],
  age: [COL.ageMin, COL.ageMax, COL.at, COL.id],
  name: [COL.job, COL.ageMin, COL.format, COL.at, COL.id],
} satisfies Record<string, Column[]>;

export const SORT_KEYS = {
  newest: { key: KEYS.exported, desc: true },
  oldest: { key: KEYS.exported, desc: false },
  age: { key: KEYS.age, desc: false },
  'age-desc': { key: KEYS.age, desc: true },
  size: { key: KEYS.size, desc: true },
  'size-asc': { key: KEYS.size, desc: false },
  params: { key: KEYS.params, desc: true },
  'params-asc': { key: KEYS.params, desc: false },
  name: { key: KEYS.name, desc: false },
  'name-desc': { key: KEYS.name, desc: true },
} as const;
export type SortName = keyof typeof SORT_KEYS;

/** Where a page starts: after (or, going back, before) the row whose key values these are. */
export type Cursor = { sort: SortName; back: boolean; values: (string | null)[] };

export function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify([c.sort, c.back ? 1 : 0, ...c.values])).toString('base64url');
}

const BAD_CURSOR =
  'This cursor does not belong to this list (it is from another sort, or was edited): start again from the first page without cursor.';

export function decodeCursor(raw: string, sort: SortName): Cursor {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
  } catch {
    throw invalidField(BAD_CURSOR, 'cursor');
  }
  const key = SORT_KEYS[sort].key;
  if (
    !Array.isArray(parsed) ||
    parsed[0] !== sort ||
    (parsed[1] !== 0 && parsed[1] !== 1) ||
    parsed.length !== key.length + 2 ||
    !parsed.slice(2).every((v, i) => typeof v === 'string' || (v === null && key[i] === COL.job))
  ) {
    throw invalidField(BAD_CURSOR, 'cursor');
  }
  return { sort, back: parsed[1] === 1, values: parsed.slice(2) as (string | null)[] };
}

const raw = (s: string) => Prisma.raw(s);

/** The filters as SQL over "ModelExport" aliased e; each EXISTS probes an index on the child's modelExportId. */
export function filterSql(f: ListFilters, now: Date): Prisma.Sql[] {
  const active = (env?: string) =>
    Prisma.sql`EXISTS (SELECT 1 FROM "AgeGroupModel" d WHERE d."modelExportId" = e."id" AND d."isActive"${
      env ? Prisma.sql` AND d."environment" = ${env}` : Prisma.empty
    })`;
  const validated = (valid?: boolean) =>
    Prisma.sql`EXISTS (SELECT 1 FROM "ValidationRun" v WHERE v."modelExportId" = e."id"${
      valid === undefined ? Prisma.empty : Prisma.sql` AND v."isValid" = ${valid}`
    })`;
  const w: Prisma.Sql[] = [];
  if (f.ageGroupMin !== undefined) w.push(Prisma.sql`e."ageGroupMin" = ${f.ageGroupMin}::float8`);
  if (f.ageGroupMax !== undefined) w.push(Prisma.sql`e."ageGroupMax" = ${f.ageGroupMax}::float8`);
  if (f.exportFormat) w.push(Prisma.sql`e."exportFormat" = ${f.exportFormat}::"ExportFormat"`);
  if (f.trainingJobId === 0) w.push(Prisma.sql`e."trainingJobId" IS NULL`);
  else if (f.trainingJobId !== undefined) w.push(Prisma.sql`e."trainingJobId" = ${f.trainingJobId}::int`);
  if (f.q) {
    // Substring search, case-sensitive on the id and not on the name, as before; LIKE's wildcards escaped.
    const like = `%${f.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    w.push(Prisma.sql`(e."modelId" LIKE ${like} OR e."jobName" ILIKE ${like})`);
  }
  if (f.validation === 'valid') w.push(validated(true));
  if (f.validation === 'invalid') w.push(Prisma.sql`${validated(false)} AND NOT ${validated(true)}`);
  if (f.validation === 'none') w.push(Prisma.sql`NOT ${validated()}`);
  if (f.deployed === 'yes') w.push(active());
  if (f.deployed === 'no' || f.environment === 'candidate') w.push(Prisma.sql`NOT ${active()}`);
  if (f.environment === 'production' || f.environment === 'staging') w.push(active(f.environment));
  if (f.tag === 'age-override') w.push(Prisma.sql`e."ageRangeOverrideReason" IS NOT NULL`);
  if (f.tag === 'shared') {
    w.push(Prisma.sql`EXISTS (SELECT 1 FROM "ShareLink" s WHERE s."modelExportId" = e."id" AND s."revokedAt" IS NULL
      AND (s."expiresAt" IS NULL OR s."expiresAt" > ${now.toISOString()}::timestamp(3)))`);
  }
  return w;
}

/**
 * Statements for one page, to run in turn while rows are short: each takes how many rows are still
 * wanted and reads them from the cursor on, in the sort's order (reversed when going back). The
 * name key's job is null for direct exports: PostgreSQL puts nulls last ascending, and a row
 * comparison with a null is unknown, so the name sort reads two ranges, named and unnamed, each
 * an index range of its own; every other key is one range.
 */
export function pageSql(
  f: ListFilters,
  sort: SortName,
  cursor: Cursor | undefined,
  now: Date,
): ((limit: number) => Prisma.Sql)[] {
  const { key, desc } = SORT_KEYS[sort];
  // Going back reads the same order reversed, from the cursor towards the start.
  const down = desc !== (cursor?.back ?? false);
  type Range = { named?: boolean; key: Column[]; values?: (string | null)[] };
  let ranges: Range[] = [{ key, values: cursor?.values }];
  if (key[0] === COL.job) {
    const named: Range = { named: true, key, values: cursor?.values };
    const unnamed: Range = { named: false, key: key.slice(1), values: cursor?.values.slice(1) };
    const whole = (r: Range): Range => ({ ...r, values: undefined });
    // Up: named then unnamed; down: unnamed then named. Ranges behind the cursor are not read.
    if (!cursor) ranges = down ? [unnamed, named] : [named, unnamed];
    else if (cursor.values[0] === null) ranges = down ? [unnamed, whole(named)] : [unnamed];
    else ranges = down ? [named] : [named, whole(unnamed)];
    // A job filter empties one range: reading it would walk its whole index to find nothing.
    if (f.trainingJobId !== undefined) ranges = ranges.filter((r) => r.named === (f.trainingJobId !== 0));
  }
  const cols = raw(key.map((c) => `e.${c.sql}::text AS "k_${c.sql.replace(/"/g, '')}"`).join(', '));
  return ranges.map((r) => (limit: number) => {
    const w = filterSql(f, now);
    if (r.named !== undefined) w.push(raw(`e."jobName" IS ${r.named ? 'NOT ' : ''}NULL`));
    if (r.values) {
      const row = raw(r.key.map((c) => `e.${c.sql}`).join(', '));
      const at = Prisma.join(r.key.map((c, i) => Prisma.sql`${r.values![i]}::${raw(c.cast)}`));
      w.push(Prisma.sql`(${row}) ${raw(down ? '<' : '>')} (${at})`);
    }
    const order = raw(r.key.map((c) => `e.${c.sql} ${down ? 'DESC' : 'ASC'}`).join(', '));
    return Prisma.sql`SELECT e."id", ${cols} FROM "ModelExport" e ${where(w)} ORDER BY ${order} LIMIT ${limit}`;
  });
}

function where(w: Prisma.Sql[]): Prisma.Sql {
  return w.length ? Prisma.sql`WHERE ${Prisma.join(w, ' AND ')}` : Prisma.empty;
}

/** The key values of a row the page query returned, in key order (the next cursor's content). */
export function keyValues(sort: SortName, row: Record<string, unknown>): (string | null)[] {
  return SORT_KEYS[sort].key.map((c) => (row[`k_${c.sql.replace(/"/g, '')}`] as string | null) ?? null);
}

/** How many match, counted no further than `cap`: a bounded scan, never the whole table. */
export function cappedCountSql(f: ListFilters, cap: number, now: Date): Prisma.Sql {
  const w = filterSql(f, now);
  // Ordered so the planner reads an index and stops at the cap (unordered, it may scan the table).
  return Prisma.sql`SELECT count(*)::int AS n FROM (SELECT 1 FROM "ModelExport" e ${where(w)} ORDER BY e."exportTimestamp" LIMIT ${cap}) capped`;
}

/**
 * The listed rows whole, with the facts the list shows, in one statement: each export's latest
 * validation verdict, its active deployments' environments, its job's name and its live share
 * links. Each fact is a probe of an index on the child's modelExportId. Prisma's findMany with
 * these as includes sent five statements and stitched them in the request thread (issue 14).
 * `count` (cappedCountSql) rides along as an uncorrelated subquery, evaluated once.
 */
export function pageFactsSql(ids: string[], now: Date, count: Prisma.Sql): Prisma.Sql {
  return Prisma.sql`SELECT e.*, (${count}) AS "f_total",
    (SELECT v."isValid" FROM "ValidationRun" v WHERE v."modelExportId" = e."id"
      ORDER BY v."createdAt" DESC LIMIT 1) AS "f_latestValid",
    (SELECT coalesce(json_agg(d."environment" ORDER BY d."id"), '[]'::json) FROM "AgeGroupModel" d
      WHERE d."modelExportId" = e."id" AND d."isActive") AS "f_environments",
    j."jobName" AS "f_jobName",
    (SELECT count(*)::int FROM "ShareLink" s WHERE s."modelExportId" = e."id" AND s."revokedAt" IS NULL
      AND (s."expiresAt" IS NULL OR s."expiresAt" > ${now.toISOString()}::timestamp(3))) AS "f_liveShares"
    FROM "ModelExport" e LEFT JOIN "TrainingJob" j ON j."id" = e."trainingJobId"
    WHERE e."id" IN (${Prisma.join(ids)})`;
}
