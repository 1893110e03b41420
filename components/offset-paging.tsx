import { CursorPaging } from '@/components/cursor-paging';
import { Pagination } from '@/components/ui';

/**
 * Paging for an offset-paged list whose total is counted up to a cap (lib/registry/listings-count):
 * numbered pages while the count is exact; past the cap the number of pages is unknown, so
 * Previous / Next (from the page's extra row) and "1,000+ in all".
 */
export function OffsetPaging({
  page,
  pageSize,
  total,
  totalExact,
  hasMore,
  href,
  noun,
}: {
  page: number;
  pageSize: number;
  total: number;
  totalExact: boolean;
  hasMore: boolean;
  href: (page: number) => string;
  noun: [one: string, many: string];
}) {
  if (totalExact) return <Pagination page={page} pageSize={pageSize} total={total} href={href} />;
  return (
    <CursorPaging
      prevHref={page > 1 ? href(page - 1) : null}
      nextHref={hasMore ? href(page + 1) : null}
      total={total}
      totalExact={false}
      noun={noun}
    />
  );
}
