import 'server-only';
import { z } from 'zod';
import type { Actor } from '../auth/permissions';
import { requirePermission } from '../auth/permissions';
import type { Db } from '../db';
import type { ModelExport } from '../db/generated/client';
import { EXPORT_FORMATS } from '../formats/export';
import { cappedCountSql, decodeCursor, encodeCursor, keyValues, pageFactsSql, pageSql } from './export-list-sql';

/** list_exported_models: the filters, the sortable columns and the paging behind the list and its API. */

export const EXPORT_ENVIRONMENTS = ['production', 'staging', 'candidate'] as const;
/** Each sortable column both ways: newest/oldest (exported), age, size, params, name; each pair is one order and its exact reverse. */
export const EXPORT_SORTS = [
  'newest',
  'oldest',
  'age',
  'age-desc',
  'size',
  'size-asc',
  'params',
  'params-asc',
  'name',
  'name-desc',
] as const;
export type ExportSort = (typeof EXPORT_SORTS)[number];

export const listExportsSchema = z.object({
  page: z.coerce.number().int().min(1).default(1),
  pageSize: z.coerce.number().int().min(1).max(200).default(25),
  ageGroupMin: z.coerce.number().optional(),
  ageGroupMax: z.coerce.number().optional(),
  // Not exports.ts's exportFormatSchema: exports.ts re-exports this module (no cycle).
  exportFormat: z.enum(EXPORT_FORMATS).optional(),
  trainingJobId: z.coerce.number().int().optional(),
  q: z.string().trim().max(200).optional(),
  validation: z.enum(['valid', 'invalid', 'none']).optional(),
  deployed: z.enum(['yes', 'no']).optional(),
  /** production / staging: an active deployment there; candidate: active in neither. */
  environment: z.enum(EXPORT_ENVIRONMENTS).optional(),
  /** Facts the list shows as tags: exported for other ages than trained; shared by a live link. */
  tag: z.enum(['age-override', 'shared']).optional(),
  sort: z.enum(EXPORT_SORTS).default('newest'),
  /** Opaque: a page's nextCursor or prevCursor, for the same sort and filters. */
  cursor: z.string().max(2000).optional(),
});
export type ListExportsInput = z.input<typeof listExportsSchema>;

/** The most the list counts: past it the total reads "1 000+" (counting further is a full scan at 100 000). */
export const COUNT_CAP = 1000;

/**
 * list_exported_models: a page of exports in the chosen order, filterable. Keyset paging: `cursor`
 * (from a previous page's nextCursor / prevCursor) continues after or before that page in one
 * index range scan; `page` without a cursor still works by offset (its cost grows with the page
 * number). The total is counted only up to COUNT_CAP (totalExact false beyond).
 */
export async function listExportedModels(db: Db, actor: Actor, raw: ListExportsInput = {}) {
  requirePermission(actor, 'models.read');
  const f = listExportsSchema.parse(raw);
  const now = new Date();
  const cursor = f.cursor ? decodeCursor(f.cursor, f.sort) : undefined;
  const offset = cursor ? 0 : (f.page - 1) * f.pageSize;
  // pageSize + 1: the extra row says whether there is a page beyond, without counting.
  const want = offset + f.pageSize + 1;
  const keyed: Record<string, unknown>[] = [];
  for (const statement of pageSql(f, f.sort, cursor, now)) {
    if (keyed.length >= want) break;
    keyed.push(...(await db.$queryRaw<Record<string, unknown>[]>(statement(want - keyed.length))));
  }
  let rows = keyed.slice(offset);
  const more = rows.length > f.pageSize;
  rows = rows.slice(0, f.pageSize);
  if (cursor?.back) rows.reverse();
  const count = cappedCountSql(f, COUNT_CAP + 1, now);
  // The facts carry the capped count (one statement, one snapshot); a page with no rows counts alone.
  const found = rows.length
    ? await db.$queryRaw<FactsRow[]>(
        pageFactsSql(
          rows.map((r) => r.id as string),
          now,
          count,
        ),
      )
    : [];
  const counted = found.length ? found[0].f_total : ((await db.$queryRaw<{ n: number }[]>(count))[0]?.n ?? 0);
  const byId = new Map(found.map((e) => [e.id, withFacts(e)]));
  // A row deleted between the two statements is left out rather than failing the page.
  const exports = rows.flatMap((r) => byId.get(r.id as string) ?? []);
  const at = (r: Record<string, unknown> | undefined, back: boolean) =>
    r ? encodeCursor({ sort: f.sort, back, values: keyValues(f.sort, r) }) : null;
  // Forward: a next page if the extra row came; a previous one if we did not start at the top.
  const forwardMore = cursor?.back ? true : more;
  const backwardMore = cursor ? (cursor.back ? more : true) : offset > 0;
  return {
    total: Math.min(counted, COUNT_CAP),
    totalExact: counted <= COUNT_CAP,
    // The offset page asked for; 1 when a cursor placed the page.
    page: f.page,
    pageSize: f.pageSize,
    nextCursor: forwardMore && rows.length ? at(rows[rows.length - 1], false) : null,
    prevCursor: backwardMore && rows.length ? at(rows[0], true) : null,
    exports,
  };
}

type FactsRow = ModelExport & {
  f_latestValid: boolean | null;
  f_environments: string[];
  f_jobName: string | null;
  f_liveShares: number;
  f_total: number;
};

/** A row of pageFactsSql in the shape the list has always returned (the includes findMany gave); f_total is the list's. */
function withFacts({ f_latestValid, f_environments, f_jobName, f_liveShares, f_total, ...e }: FactsRow) {
  return {
    ...e,
    validationRuns: f_latestValid === null ? [] : [{ isValid: f_latestValid }],
    deployments: f_environments.map((environment) => ({ environment })),
    // A job's name is never null: none joined means no job.
    trainingJob: f_jobName === null ? null : { jobName: f_jobName },
    _count: { shareLinks: f_liveShares },
  };
}
