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

/** A bordered, horizontally scrollable card holding one table. */
export function CardTable({ caption, children }: { caption: string; children: React.ReactNode }) {
  return (
    <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white">
      <table className="min-w-full divide-y divide-slate-200 text-sm">
        <caption className="sr-only">{caption}</caption>
        {children}
      </table>
    </div>
  );
}
