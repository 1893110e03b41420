import { ValidationChecks } from '@/components/model-overview';
import { Badge } from '@/components/ui';
import type { ValidationRun } from '@/lib/db/generated/client';
import { plural } from '@/lib/display-values';
import { fmtDate } from '@/lib/format-display';

/**
 * The latest validation run of a shared export: verdict, errors and warnings in words, each check
 * as a labelled value (the model page's ValidationChecks). Who ran it stays off the public page.
 */
export function ValidationSummary({ run }: { run: ValidationRun | undefined }) {
  const errors = (run?.errors ?? []) as string[];
  const warnings = (run?.warnings ?? []) as string[];
  return (
    <section aria-labelledby="val-h" className="mt-6 rounded-lg border border-slate-200 bg-white p-5">
      <h2 id="val-h" className="text-base font-semibold">
        Validation
      </h2>
      {!run ? (
        <p className="mt-2 text-sm text-slate-600">This export has not been validated yet.</p>
      ) : (
        <>
          <p className="mt-2 flex flex-wrap items-center gap-2 text-sm">
            <Badge tone={run.isValid ? 'green' : 'red'}>{run.isValid ? 'valid' : 'invalid'}</Badge>
            <span className="text-slate-700">
              {plural(errors.length, 'error')}, {plural(warnings.length, 'warning')}
            </span>
            <span className="text-slate-600">· latest run {fmtDate(run.createdAt)}</span>
          </p>
          <Messages items={errors} tone="text-red-800" title="Errors" />
          <Messages items={warnings} tone="text-amber-900" title="Warnings" />
          <ValidationChecks run={run} />
        </>
      )}
    </section>
  );
}

function Messages({ items, tone, title }: { items: string[]; tone: string; title: string }) {
  if (items.length === 0) return null;
  return (
    <>
      <h3 className="mt-3 text-sm font-medium">{title}</h3>
      <ul className={`mt-1 list-disc pl-5 text-sm ${tone}`}>
        {items.map((m) => (
          <li key={m}>{m}</li>
        ))}
      </ul>
    </>
  );
}
