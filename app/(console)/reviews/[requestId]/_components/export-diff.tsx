import Link from 'next/link';
import { Badge, Panel } from '@/components/ui';
import { TableScroll } from '@/components/table';
import { fmtDate, fmtNumber } from '@/lib/format-display';
import type { DiffSide } from '@/lib/registry/review-detail';

/**
 * The request's export side by side with the model now serving the same age range and environment
 * (or a note that there is none): architecture, training metrics, validation and preview summaries.
 */
export function ExportDiff({
  candidate,
  replaced,
  environment,
}: {
  candidate: DiffSide;
  replaced: (DiffSide & { deployment?: DiffSide['deployment'] }) | null;
  environment: string;
}) {
  const metricKeys = [
    ...new Set([...Object.keys(candidate.trainingMetrics), ...Object.keys(replaced?.trainingMetrics ?? {})]),
  ].filter((k) => isScalar(candidate.trainingMetrics[k]) || isScalar(replaced?.trainingMetrics[k]));
  const rows: [string, (s: DiffSide) => React.ReactNode][] = [
    [
      'Model',
      (s) => (
        <Link className="font-mono text-xs text-indigo-800 underline" href={`/models/${s.modelId}`}>
          {s.modelId}
        </Link>
      ),
    ],
    ['Format', (s) => s.exportFormat],
    [
      'SHA-256',
      (s) => (
        <code className="font-mono text-xs" title={s.checksum}>
          {s.checksum.slice(0, 16)}…
        </code>
      ),
    ],
    ['Architecture', (s) => `${s.inputDim} → [${s.hiddenDims.join(', ')}] → ${s.inputDim}`],
    ['Parameters', (s) => s.parameterCount.toLocaleString('en')],
    ['Architecture hash', (s) => <code className="font-mono text-xs">{s.architectureHash.slice(0, 16)}</code>],
    ...metricKeys.map((k): [string, (s: DiffSide) => React.ReactNode] => [
      k.replaceAll('_', ' '),
      (s) => fmtScalar(s.trainingMetrics[k]),
    ]),
    [
      'Latest validation',
      (s) =>
        s.validation ? (
          <>
            <Badge tone={s.validation.isValid ? 'green' : 'red'}>{s.validation.isValid ? 'valid' : 'invalid'}</Badge>{' '}
            {fmtDate(s.validation.at)}
          </>
        ) : (
          'not validated'
        ),
    ],
    [
      'Median error, normal / anomalous',
      (s) =>
        s.validation?.normalMedian != null
          ? `${fmtNumber(s.validation.normalMedian)} / ${fmtNumber(s.validation.anomalousMedian)}`
          : '—',
    ],
    ['Anomalies above p95 of normal', (s) => s.validation?.anomaliesAboveP95 ?? '—'],
    ['onnxruntime vs source (max rel.)', (s) => fmtNumber(s.validation?.onnxMaxRelDiff ?? null)],
    [
      'Preview summaries',
      (s) =>
        s.previews.length ? (
          <ul className="space-y-1">
            {s.previews.map((p) => (
              <li key={p.userName}>
                <span className="font-medium">{p.userName}</span> <PreviewGist summary={p.summary} />
              </li>
            ))}
          </ul>
        ) : (
          '—'
        ),
    ],
  ];
  return (
    <Panel id="diff-h" title="Compared with the model it would replace" className="mt-6">
      {!replaced && (
        <p className="mt-1 text-sm text-slate-600">
          Nothing serves this age range in {environment} now: this would be its first model.
        </p>
      )}
      {replaced?.deployment && (
        <p className="mt-1 text-sm text-slate-600">
          Now serving: deployment {replaced.deployment.id}, threshold {fmtNumber(replaced.deployment.threshold)} from{' '}
          {replaced.deployment.sampleCount} samples, since {fmtDate(replaced.deployment.deployedAt)}
          {replaced.deployment.breakGlassReason && (
            <>
              {' '}
              <Badge tone="red">break-glass</Badge>
            </>
          )}
          .
        </p>
      )}
      <TableScroll label="This request’s export beside the active model" className="mt-3">
        <table className="min-w-full text-sm">
          <caption className="sr-only">
            This request’s export side by side with the active model of the same age range and environment
          </caption>
          <thead className="text-left text-xs uppercase tracking-wide text-slate-600">
            <tr>
              <th scope="col" className="py-1 pr-4">
                <span className="sr-only">Field</span>
              </th>
              <th scope="col" className="py-1 pr-4">
                This request
              </th>
              <th scope="col" className="py-1 pr-4">
                Serving {environment} now
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map(([label, f]) => {
              const a = f(candidate);
              const b = replaced ? f(replaced) : '—';
              return (
                <tr key={label} className="border-t border-slate-100 align-top">
                  <th scope="row" className="py-1.5 pr-4 text-left font-normal text-slate-600">
                    {label}
                  </th>
                  <td className="py-1.5 pr-4">{a}</td>
                  <td className="py-1.5 pr-4">{b}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </TableScroll>
    </Panel>
  );
}

function PreviewGist({ summary }: { summary: unknown }) {
  const s = summary && typeof summary === 'object' ? (summary as Record<string, unknown>) : {};
  const pairs = Object.entries(s)
    .filter(([k, v]) => isScalar(v) && k !== 'artifact_sha256')
    .slice(0, 6);
  return (
    <span className="text-xs text-slate-700">
      {pairs.map(([k, v]) => `${k.replaceAll('_', ' ')} ${fmtScalar(v)}`).join(' · ') || 'attached'}
    </span>
  );
}

function isScalar(v: unknown): v is number | string | boolean {
  return typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean';
}

function fmtScalar(v: unknown): string {
  if (typeof v === 'number') return fmtNumber(v);
  if (v === undefined || v === null) return '—';
  return String(v);
}
