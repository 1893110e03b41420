import Link from 'next/link';
import type { ExportSort } from '@/lib/registry/exports';

/** A column of the models list; `sort` names its two orders, the first the one a first click picks. */
export type SortableColumn = { label: string; numeric?: boolean; sort?: [first: ExportSort, second: ExportSort] };

const ASCENDING = new Set<ExportSort>(['oldest', 'age', 'size-asc', 'params-asc', 'name']);

/**
 * Headers that sort by links, not script: each keeps the other filters in the URL, a sorted column
 * says so with aria-sort and a second click reverses it.
 */
export function SortableHead({
  columns,
  sort,
  href,
}: {
  columns: SortableColumn[];
  sort: ExportSort;
  href: (sort: ExportSort) => string;
}) {
  return (
    <thead className="bg-slate-50 text-left text-xs uppercase tracking-wide text-slate-600">
      <tr>
        {columns.map((c) => {
          const active = c.sort?.includes(sort) ?? false;
          const next = c.sort ? (active && sort === c.sort[0] ? c.sort[1] : c.sort[0]) : null;
          const ariaSort = active ? (ASCENDING.has(sort) ? 'ascending' : 'descending') : undefined;
          return (
            <th key={c.label} scope="col" aria-sort={ariaSort} className={`px-4 py-2${c.numeric ? ' text-right' : ''}`}>
              {next ? (
                <Link href={href(next)} className="inline-flex items-center gap-1 hover:text-slate-900 hover:underline">
                  {c.label}
                  <span aria-hidden="true">{active ? (ariaSort === 'ascending' ? '▲' : '▼') : '↕'}</span>
                  <span className="sr-only">{active ? `, sorted ${ariaSort}; reverse` : ''}</span>
                </Link>
              ) : (
                c.label
              )}
            </th>
          );
        })}
      </tr>
    </thead>
  );
}
