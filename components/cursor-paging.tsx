import Link from 'next/link';

const link = 'rounded border border-slate-300 px-3 py-1 hover:bg-slate-50';

/**
 * Previous / Next links for a keyset-paged list, with the total as far as it was counted: lists
 * count no further than a cap (an exact count is a full scan at 100 000 rows), so past it the
 * total is shown as a lower bound ("1,000+"), never as a page count.
 */
export function CursorPaging({
  prevHref,
  nextHref,
  total,
  totalExact,
  noun,
}: {
  prevHref: string | null;
  nextHref: string | null;
  total: number;
  totalExact: boolean;
  noun: [one: string, many: string];
}) {
  if (!prevHref && !nextHref) return null;
  return (
    <nav aria-label="Pagination" className="mt-4 flex items-center justify-between text-sm">
      <span className="text-slate-600">
        {total.toLocaleString('en')}
        {totalExact ? '' : '+'} {total === 1 && totalExact ? noun[0] : noun[1]} in all
      </span>
      <div className="flex gap-2">
        {prevHref && (
          <Link className={link} href={prevHref} rel="prev">
            Previous
          </Link>
        )}
        {nextHref && (
          <Link className={link} href={nextHref} rel="next">
            Next
          </Link>
        )}
      </div>
    </nav>
  );
}
