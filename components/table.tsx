/** Table chrome shared by the console's lists: one look for headers, captions for screen readers. */
export type Column = string | { label: string; numeric?: boolean };

const variants = {
  card: { thead: 'bg-slate-50 text-left text-xs uppercase tracking-wide text-slate-600', th: 'px-4 py-2' },
  inline: { thead: 'text-left text-xs uppercase tracking-wide text-slate-600', th: 'py-1 pr-4' },
} as const;

export function TableHead({ columns, variant = 'card' }: { columns: Column[]; variant?: keyof typeof variants }) {
  const v = variants[variant];
  return (
    <thead className={v.thead}>
      <tr>
        {columns.map((c) => {
          const { label, numeric } = typeof c === 'string' ? { label: c, numeric: false } : c;
          return (
            <th key={label} scope="col" className={`${v.th}${numeric ? ' text-right' : ''}`}>
              {label}
            </th>
          );
        })}
      </tr>
    </thead>
  );
}

/**
 * A table wider than the screen (a phone at 390 px) scrolls inside this region, never the page.
 * The region is named and focusable so keyboard users can scroll it too (axe scrollable-region-focusable).
 */
export function TableScroll({
  label,
  className,
  children,
}: {
  label: string;
  className?: string;
  children: React.ReactNode;
}) {
  return (
    <div
      role="region"
      aria-label={label}
      tabIndex={0}
      className={`relative max-w-full overflow-x-auto ${className ?? ''}`}
    >
      {children}
    </div>
  );
}

/** A bordered card holding one table, which scrolls inside it at narrow widths. */
export function CardTable({ caption, children }: { caption: string; children: React.ReactNode }) {
  return (
    <TableScroll label={caption} className="rounded-lg border border-slate-200 bg-white">
      <table className="min-w-full divide-y divide-slate-200 text-sm">
        <caption className="sr-only">{caption}</caption>
        {children}
      </table>
    </TableScroll>
  );
}
