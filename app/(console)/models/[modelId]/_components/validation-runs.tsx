import { ValidationChecks } from '@/components/model-overview';
import { Badge } from '@/components/ui';
import { plural } from '@/lib/display-values';
import { fmtDate } from '@/lib/format-display';

type Run = {
  id: string;
  isValid: boolean;
  createdAt: Date;
  createdBy: { name: string } | null;
  errors: unknown;
  warnings: unknown;
  compatibilityChecks: unknown;
  integrityChecks: unknown;
  performanceChecks: unknown;
};

/** Each validation run, newest first: verdict, errors and warnings in words, its checks as labelled values. */
export function ValidationRuns({ runs }: { runs: Run[] }) {
  if (runs.length === 0) {
    return (
      <p className="mt-2 text-sm text-slate-600">
        Not validated yet. Validation re-hashes the artifact, parses it with Drawbridge’s own readers and runs it in
        onnxruntime against the source weights.
      </p>
    );
  }
  return (
    <ol className="mt-3 space-y-3">
      {runs.map((v, i) => {
        const errors = v.errors as string[];
        const warnings = v.warnings as string[];
        return (
          <li key={v.id} className="rounded border border-slate-100 p-3 text-sm">
            <div className="flex flex-wrap items-center gap-2">
              <Badge tone={v.isValid ? 'green' : 'red'}>{v.isValid ? 'valid' : 'invalid'}</Badge>
              <span className="text-slate-700">
                {plural(errors.length, 'error')}, {plural(warnings.length, 'warning')}
              </span>
              <span className="text-slate-600">
                · {fmtDate(v.createdAt)} by {v.createdBy?.name ?? 'Drawbridge'}
              </span>
            </div>
            {errors.length > 0 && (
              <ul className="mt-2 list-disc pl-5 text-red-800">
                {errors.map((e) => (
                  <li key={e}>{e}</li>
                ))}
              </ul>
            )}
            {warnings.length > 0 && (
              <ul className="mt-2 list-disc pl-5 text-amber-900">
                {warnings.map((w) => (
                  <li key={w}>{w}</li>
                ))}
              </ul>
            )}
            {i === 0 ? (
              <ValidationChecks run={v} />
            ) : (
              <details className="mt-2">
                <summary className="cursor-pointer text-xs text-slate-700">Checks of this run</summary>
                <ValidationChecks run={v} />
              </details>
            )}
          </li>
        );
      })}
    </ol>
  );
}
