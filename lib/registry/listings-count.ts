/**
 * Totals the offset-paged lists (audit, training jobs, inbox) show, counted no further than a cap:
 * an exact count reads every matching row on each request, a full scan at 100 000 (issue 14). Each
 * count runs in its list's own order with `take`, so the planner reads the list's index and stops
 * at the cap; past it a total reads "1,000+" (totalExact false), as the models list does.
 */
import 'server-only';

export const LIST_COUNT_CAP = 1000;

/** As many rows as a capped count reads: one past the cap says there are more. */
export const CAPPED_TAKE = LIST_COUNT_CAP + 1;

export type CappedTotal = { total: number; totalExact: boolean };

/** A capped count's result (at most CAPPED_TAKE) as the total a list shows. */
export function cappedTotal(counted: number): CappedTotal {
  return { total: Math.min(counted, LIST_COUNT_CAP), totalExact: counted <= LIST_COUNT_CAP };
}

/** A total for a person: "1,000+" when the count stopped at the cap. */
export function fmtCappedTotal({ total, totalExact }: CappedTotal): string {
  return `${total.toLocaleString('en')}${totalExact ? '' : '+'}`;
}

/**
 * One offset page read as pageSize + 1 rows: the extra row says whether a next page exists, which a
 * capped total no longer tells past the cap.
 */
export function splitPage<T>(rows: T[], pageSize: number): { rows: T[]; hasMore: boolean } {
  return { rows: rows.slice(0, pageSize), hasMore: rows.length > pageSize };
}
