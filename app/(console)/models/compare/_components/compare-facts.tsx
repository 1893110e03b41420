import { Badge } from '@/components/ui';
import { fmtAgeRange, fmtBytes, fmtDate, fmtFormat, fmtNumber } from '@/lib/format-display';
import type { ComparisonSide } from '@/lib/registry/compare';

type Cell = { text: string; node?: React.ReactNode };
type Row = { label: string; a: Cell; b: Cell };

function layersOf(s: ComparisonSide): string {
  const arch = s.exp.architecture as { input_dim: number; hidden_dims: number[] };
  const enc = [arch.input_dim, ...arch.hidden_dims];
  return [...enc, ...enc.slice(0, -1).reverse()].join(' → ');
}

function metricCell(v: unknown): Cell {
  return { text: typeof v === 'number' ? fmtNumber(v) : v === undefined || v === null ? '—' : String(v) };
}

function validationCell(s: ComparisonSide): Cell {
  const v = s.exp.validationRuns[0];
  if (!v) return { text: 'not validated' };
  const n = (j: unknown) => (Array.isArray(j) ? j.length : 0);
  const text = `${v.isValid ? 'valid' : 'invalid'} · ${n(v.errors)} errors · ${n(v.warnings)} warnings`;
  return {
    text,
    node: (
      <>
        <Badge tone={v.isValid ? 'green' : 'red'}>{v.isValid ? 'valid' : 'invalid'}</Badge>{' '}
        <span className="text-xs text-slate-600">
          {n(v.errors)} {n(v.errors) === 1 ? 'error' : 'errors'}, {n(v.warnings)}{' '}
          {n(v.warnings) === 1 ? 'warning' : 'warnings'} · {fmtDate(v.createdAt)}
        </span>
      </>
    ),
  };
}

/** Each check of the latest validation, by group, as "passed" / "failed" / its value. */
function checkRows(a: ComparisonSide, b: ComparisonSide): Row[] {
  const groups = ['compatibilityChecks', 'integrityChecks', 'performanceChecks'] as const;
  const of = (s: ComparisonSide, g: (typeof groups)[number]) =>
    (s.exp.validationRuns[0]?.[g] ?? {}) as Record<string, unknown>;
  const show = (v: unknown): Cell =>
    v === true
      ? { text: 'passed' }
      : v === false
        ? { text: 'failed' }
        : typeof v === 'number'
          ? metricCell(v)
          : { text: v === undefined ? '—' : typeof v === 'object' ? JSON.stringify(v) : String(v) };
  return groups.flatMap((g) => {
    const keys = [...new Set([...Object.keys(of(a, g)), ...Object.keys(of(b, g))])].sort();
    return keys.map((k) => ({ label: `${k.replaceAll('_', ' ')}`, a: show(of(a, g)[k]), b: show(of(b, g)[k]) }));
  });
}

function deploymentsCell(s: ComparisonSide): Cell {
  const active = s.exp.deployments.filter((d) => d.isActive);
  const text = active.length
    ? active.map((d) => `${d.environment} (threshold ${fmtNumber(d.threshold)})`).join(', ')
    : `candidate${s.exp.deployments.length ? ` · ${s.exp.deployments.length} past deployments` : ''}`;
  return {
    text,
    node: active.length ? (
      <span className="flex flex-wrap gap-1">
        {active.map((d) => (
          <Badge key={d.id} tone={d.environment === 'production' ? 'green' : 'amber'}>
            {d.environment} · threshold {fmtNumber(d.threshold)}
          </Badge>
        ))}
      </span>
    ) : undefined,
  };
}

/** The facts side by side; a row whose values differ is marked (colour and the word "differs"). */
export function CompareFacts({ a, b }: { a: ComparisonSide; b: ComparisonSide }) {
  const metricKeys = [
    ...new Set([
      ...Object.keys((a.exp.trainingMetrics ?? {}) as object),
      ...Object.keys((b.exp.trainingMetrics ?? {}) as object),
    ]),
  ];
  const metric = (s: ComparisonSide, k: string) => metricCell((s.exp.trainingMetrics as Record<string, unknown>)?.[k]);
  const rows: Row[] = [
    {
      label: 'Age range',
      a: { text: fmtAgeRange(a.exp.ageGroupMin, a.exp.ageGroupMax) },
      b: { text: fmtAgeRange(b.exp.ageGroupMin, b.exp.ageGroupMax) },
    },
    { label: 'Format', a: { text: fmtFormat(a.exp.exportFormat) }, b: { text: fmtFormat(b.exp.exportFormat) } },
    {
      label: 'Training job',
      a: { text: a.exp.trainingJob?.jobName ?? 'direct export' },
      b: { text: b.exp.trainingJob?.jobName ?? 'direct export' },
    },
    { label: 'Layers', a: { text: layersOf(a) }, b: { text: layersOf(b) } },
    {
      label: 'Parameters',
      a: { text: a.exp.parameterCount.toLocaleString('en') },
      b: { text: b.exp.parameterCount.toLocaleString('en') },
    },
    { label: 'Architecture hash', a: { text: a.exp.architectureHash }, b: { text: b.exp.architectureHash } },
    { label: 'Size', a: { text: fmtBytes(a.exp.fileSizeBytes) }, b: { text: fmtBytes(b.exp.fileSizeBytes) } },
    { label: 'Exported', a: { text: fmtDate(a.exp.exportTimestamp) }, b: { text: fmtDate(b.exp.exportTimestamp) } },
    ...metricKeys.map((k) => ({ label: k.replaceAll('_', ' '), a: metric(a, k), b: metric(b, k) })),
    { label: 'Latest validation', a: validationCell(a), b: validationCell(b) },
    ...checkRows(a, b),
    { label: 'Deployments', a: deploymentsCell(a), b: deploymentsCell(b) },
  ];
  return (
    <div
      role="region"
      aria-label="Facts of A and B"
      tabIndex={0}
      className="max-w-full overflow-x-auto rounded-lg border border-slate-200 bg-white"
    >
      <table className="min-w-full text-sm" data-testid="compare-facts">
        <caption className="sr-only">A and B side by side; rows that differ are marked</caption>
        <thead className="bg-slate-50 text-left text-xs uppercase tracking-wide text-slate-600">
          <tr>
            <th scope="col" className="px-4 py-2">
              Fact
            </th>
            <th scope="col" className="px-4 py-2">
              A
            </th>
            <th scope="col" className="px-4 py-2">
              B
            </th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {rows.map((r) => {
            const differs = r.a.text !== r.b.text;
            return (
              <tr key={r.label} className={differs ? 'bg-amber-50' : undefined} data-differs={differs}>
                <th scope="row" className="px-4 py-1.5 text-left font-medium text-slate-700">
                  {r.label}
                  {differs && <span className="ml-2 text-xs font-normal text-amber-900">differs</span>}
                </th>
                <td className="px-4 py-1.5 break-all">{r.a.node ?? r.a.text}</td>
                <td className="px-4 py-1.5 break-all">{r.b.node ?? r.b.text}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
