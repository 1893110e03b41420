import { Badge } from '@/components/ui';
import type { ValidationRun } from '@/lib/db/generated/client';
import { fmtDate, fmtNumber } from '@/lib/format-display';

/** What each recorded pass/fail check means, in words a visitor outside the team can follow. */
const CHECKS: Record<string, string> = {
  checksum_verified: 'Bytes match their SHA-256',
  file_size_matches: 'File size matches the record',
  parsed: 'Artifact reads with Drawbridge’s own parser',
  architecture_hash_matches: 'Architecture matches the record',
  parameter_count_matches: 'Parameter count matches the record',
  source_checksum_verified: 'Source checkpoint matches its SHA-256',
  weights_match_source: 'Weights equal the source checkpoint’s',
  input_dimension_ok: 'Takes 832-dimensional embeddings',
  output_dimension_ok: 'Reconstructs all input dimensions',
  model_type_ok: 'Is an autoencoder',
  onnx_symbolic_batch: 'ONNX accepts any batch size',
  probe_output_finite: 'Outputs are finite on a probe batch',
  onnxruntime_ok: 'onnxruntime agrees with the source weights',
};

type Checks = Record<string, unknown>;

/** The latest validation run of a shared export: verdict, each check, errors and warnings. */
export function ValidationSummary({ run }: { run: ValidationRun | undefined }) {
  if (!run) {
    return (
      <Section>
        <p className="mt-2 text-sm text-slate-600">This export has not been validated yet.</p>
      </Section>
    );
  }
  const all = {
    ...(run.integrityChecks as Checks),
    ...(run.compatibilityChecks as Checks),
    ...(run.performanceChecks as Checks),
  };
  const checks = Object.entries(CHECKS).filter(([k]) => typeof all[k] === 'boolean');
  const errors = run.errors as string[];
  const warnings = run.warnings as string[];
  const vs = all.validation_set as Record<string, number> | undefined;
  const figures: [string, string][] = [];
  if (typeof all.onnxruntime_max_rel_diff === 'number')
    figures.push(['onnxruntime vs source, largest relative difference', fmtNumber(all.onnxruntime_max_rel_diff)]);
  if (vs) {
    figures.push(
      [
        'Median error, normal / anomalous samples',
        `${fmtNumber(vs.normal_error_median)} / ${fmtNumber(vs.anomalous_error_median)}`,
      ],
      ['Anomalies above the normal samples’ 95th percentile', `${vs.anomalies_above_p95} of ${vs.anomalous_samples}`],
    );
  }
  return (
    <Section>
      <p className="mt-2 flex flex-wrap items-center gap-2 text-sm">
        <Badge tone={run.isValid ? 'green' : 'red'}>{run.isValid ? 'valid' : 'invalid'}</Badge>
        <span className="text-slate-600">
          Latest run {fmtDate(run.createdAt)} · {errors.length} {errors.length === 1 ? 'error' : 'errors'} ·{' '}
          <span data-testid="warning-count">
            {warnings.length} {warnings.length === 1 ? 'warning' : 'warnings'}
          </span>
        </span>
      </p>
      <ul className="mt-3 grid gap-x-6 gap-y-1 text-sm sm:grid-cols-2">
        {checks.map(([k, label]) => (
          <li key={k} className="flex items-center gap-2">
            <span aria-hidden="true" className={all[k] ? 'text-emerald-700' : 'text-red-700'}>
              {all[k] ? '✓' : '✗'}
            </span>
            <span>
              {label}
              <span className="sr-only">: {all[k] ? 'passed' : 'failed'}</span>
            </span>
          </li>
        ))}
      </ul>
      {figures.length > 0 && (
        <dl className="mt-3 grid gap-x-6 gap-y-1 text-sm sm:grid-cols-2">
          {figures.map(([k, v]) => (
            <div key={k}>
              <dt className="text-slate-600">{k}</dt>
              <dd className="tabular-nums">{v}</dd>
            </div>
          ))}
        </dl>
      )}
      <Messages items={errors} tone="text-red-800" title="Errors" />
      <Messages items={warnings} tone="text-amber-900" title="Warnings" />
    </Section>
  );
}

function Section({ children }: { children: React.ReactNode }) {
  return (
    <section aria-labelledby="val-h" className="mt-6 rounded-lg border border-slate-200 bg-white p-5">
      <h2 id="val-h" className="text-base font-semibold">
        Validation
      </h2>
      {children}
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
