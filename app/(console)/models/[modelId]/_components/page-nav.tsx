/**
 * "On this page": links to the model page's sections. A column that stays in view beside the
 * sections on wide screens; a compact wrapping row above them on narrow ones.
 */
export function PageNav({ sections }: { sections: { id: string; title: string }[] }) {
  return (
    <nav aria-labelledby="on-this-page-h" className="mb-6 lg:sticky lg:top-4 lg:mb-0 lg:self-start">
      <h2 id="on-this-page-h" className="text-xs font-semibold tracking-wide text-slate-600 uppercase">
        On this page
      </h2>
      <ul className="mt-2 flex flex-wrap gap-x-4 gap-y-1 text-sm lg:flex-col lg:gap-1.5">
        {sections.map((s) => (
          <li key={s.id}>
            <a className="text-indigo-800 underline-offset-2 hover:underline" href={`#${s.id}`}>
              {s.title}
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}

/** One titled section of the model page, the target of its "On this page" link. */
export function PageSection({
  id,
  title,
  actions,
  children,
}: {
  id: string;
  title: string;
  actions?: React.ReactNode;
  children: React.ReactNode;
}) {
  return (
    <section
      id={id}
      aria-labelledby={`${id}-h`}
      className="min-w-0 scroll-mt-4 rounded-lg border border-slate-200 bg-white p-5"
    >
      <div className="flex flex-wrap items-center justify-between gap-3">
        <h2 id={`${id}-h`} className="text-lg font-semibold">
          {title}
        </h2>
        {actions}
      </div>
      {children}
    </section>
  );
}
