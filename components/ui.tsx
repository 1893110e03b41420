import Link from 'next/link';

export function PageHeader({
  title,
  description,
  actions,
}: {
  title: string;
  description?: string;
  actions?: React.ReactNode;
}) {
  return (
    <div className="mb-6 flex flex-wrap items-end justify-between gap-4">
      {/* Titles and descriptions hold model ids (one long word): they wrap anywhere rather than widen a phone's page. */}
      <div className="min-w-0 [overflow-wrap:anywhere]">
        <h1 className="text-2xl font-semibold tracking-tight">{title}</h1>
        {description && <p className="mt-1 max-w-3xl text-sm text-slate-600">{description}</p>}
      </div>
      {actions}
    </div>
  );
}

/**
 * The titled white card that detail pages are built of. Its heading labels the section, so a
 * screen reader (and a test selecting by role and name) finds each one by its title.
 */
export function Panel({
  id,
  title,
  className,
  children,
}: {
  id: string;
  title: React.ReactNode;
  className?: string;
  children: React.ReactNode;
}) {
  return (
    <section
      aria-labelledby={id}
      className={`${className ? `${className} ` : ''}rounded-lg border border-slate-200 bg-white p-5`}
    >
      <h2 id={id} className="text-base font-semibold">
        {title}
      </h2>
      {children}
    </section>
  );
}

export function EmptyState({ title, children }: { title: string; children?: React.ReactNode }) {
  return (
    <div className="rounded-lg border border-dashed border-slate-300 bg-white px-6 py-12 text-center">
      <h2 className="text-base font-medium text-slate-900">{title}</h2>
      {children && <div className="mx-auto mt-2 max-w-xl text-sm text-slate-600">{children}</div>}
    </div>
  );
}

/** What forbidden() renders (app/forbidden.tsx, app/(console)/forbidden.tsx): the page answers 403. */
export function Forbidden({ role }: { role?: string }) {
  return (
    <div role="alert" className="rounded-lg border border-red-200 bg-red-50 px-6 py-8">
      <h1 className="text-lg font-semibold text-red-900">Not allowed</h1>
      <p className="mt-1 text-sm text-red-800">
        Your role{role ? ` (${role})` : ''} may not see this page. Ask an admin if you need access, or go back to{' '}
        <Link href="/" className="font-medium underline">
          the console
        </Link>
        .
      </p>
    </div>
  );
}

export function Badge({
  tone = 'slate',
  children,
}: {
  tone?: 'slate' | 'green' | 'amber' | 'red' | 'indigo';
  children: React.ReactNode;
}) {
  const tones = {
    slate: 'bg-slate-100 text-slate-800',
    green: 'bg-emerald-100 text-emerald-900',
    amber: 'bg-amber-100 text-amber-900',
    red: 'bg-red-100 text-red-900',
    indigo: 'bg-indigo-100 text-indigo-900',
  } as const;
  return <span className={`inline-flex rounded px-2 py-0.5 text-xs font-medium ${tones[tone]}`}>{children}</span>;
}

export function Pagination({
  page,
  pageSize,
  total,
  href,
}: {
  page: number;
  pageSize: number;
  total: number;
  href: (page: number) => string;
}) {
  const pages = Math.max(1, Math.ceil(total / pageSize));
  if (pages <= 1) return null;
  return (
    <nav aria-label="Pagination" className="mt-4 flex items-center justify-between text-sm">
      <span className="text-slate-600">
        Page {page} of {pages} · {total} in all
      </span>
      <div className="flex gap-2">
        {page > 1 && (
          <Link className="rounded border border-slate-300 px-3 py-1 hover:bg-slate-50" href={href(page - 1)}>
            Previous
          </Link>
        )}
        {page < pages && (
          <Link className="rounded border border-slate-300 px-3 py-1 hover:bg-slate-50" href={href(page + 1)}>
            Next
          </Link>
        )}
      </div>
    </nav>
  );
}

export function Sha({ value }: { value: string | null | undefined }) {
  if (!value) return <span className="text-slate-500">—</span>;
  return (
    <code className="break-all font-mono text-xs" title={value}>
      {value}
    </code>
  );
}
