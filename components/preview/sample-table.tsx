'use client';

import { useMemo, useState } from 'react';
import { fmtError } from '@/lib/preview/stats';

type SortKey = 'index' | 'label' | 'error' | 'production' | 'flagged';
type Row = {
  index: number;
  anomalous: boolean | null;
  error: number;
  production: number | null;
  flagged: boolean;
  productionFlagged: boolean | null;
};

const PAGE = 100;

/**
 * Per-sample list, sortable by every column. Each sample's number is a button (Tab, then Enter or
 * Space) that shows it in the input-vs-reconstruction chart. Full-precision errors ride on
 * `data-error` for machine comparison (the e2e parity check); the cells show 4 significant digits.
 */
export function SampleTable({
  errors,
  isAnomaly,
  threshold,
  production,
  selected,
  onSelect,
  productionLabel = 'Production',
}: {
  errors: Float64Array;
  isAnomaly: Uint8Array | null;
  threshold: number;
  production: { errors: Float64Array; threshold: number } | null;
  selected: number;
  onSelect: (i: number) => void;
  /** The second model's name in the headers ("B" on the compare page). */
  productionLabel?: string;
}) {
  const [sort, setSort] = useState<{ key: SortKey; desc: boolean }>({ key: 'error', desc: true });
  const [page, setPage] = useState(0);
  const rows = useMemo(() => {
    const r: Row[] = Array.from(errors, (error, index) => ({
      index,
      anomalous: isAnomaly ? isAnomaly[index] === 1 : null,
      error,
      production: production ? production.errors[index] : null,
      flagged: error > threshold,
      productionFlagged: production ? production.errors[index] > production.threshold : null,
    }));
    const val = (x: Row): number =>
      sort.key === 'index'
        ? x.index
        : sort.key === 'label'
          ? Number(x.anomalous)
          : sort.key === 'error'
            ? x.error
            : sort.key === 'production'
              ? (x.production ?? 0)
              : Number(x.flagged);
    // Stable tie-break on the index so equal keys keep a predictable order.
    r.sort((a, b) => (val(a) - val(b)) * (sort.desc ? -1 : 1) || a.index - b.index);
    return r;
  }, [errors, isAnomaly, threshold, production, sort]);
  const pages = Math.ceil(rows.length / PAGE);
  const shown = rows.slice(page * PAGE, (page + 1) * PAGE);

  function header(key: SortKey, label: string, numeric = false) {
    const active = sort.key === key;
    return (
      <th
        scope="col"
        aria-sort={active ? (sort.desc ? 'descending' : 'ascending') : 'none'}
        className={`sticky top-0 whitespace-nowrap bg-slate-50 px-2 py-1.5 font-medium ${numeric ? 'text-right' : 'text-left'}`}
      >
        <button
          type="button"
          onClick={() => {
            setSort((s) => ({ key, desc: s.key === key ? !s.desc : key !== 'index' }));
            setPage(0);
          }}
          className="inline-flex items-center gap-1 rounded hover:text-indigo-800 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-700"
        >
          {label}
          <span aria-hidden="true" className="text-slate-500">
            {active ? (sort.desc ? '▼' : '▲') : '↕'}
          </span>
        </button>
      </th>
    );
  }

  return (
    <div>
      <div className="max-h-96 overflow-auto rounded border border-slate-200">
        <table className="min-w-full text-sm" data-testid="sample-table">
          <caption className="sr-only">
            Per-sample reconstruction error, {rows.length} samples; sorted by {sort.key}{' '}
            {sort.desc ? 'descending' : 'ascending'}. Choose a sample to show its reconstruction.
          </caption>
          <thead className="text-xs uppercase tracking-wide text-slate-600">
            <tr>
              {header('index', 'Sample')}
              {isAnomaly && header('label', 'Label')}
              {header('error', 'Error (MSE)', true)}
              {production && header('production', `${productionLabel} (MSE)`, true)}
              {header('flagged', 'Flagged')}
            </tr>
          </thead>
          <tbody>
            {shown.map((r) => {
              const isSel = r.index === selected;
              return (
                <tr
                  key={r.index}
                  data-sample={r.index}
                  data-error={r.error}
                  data-production-error={r.production ?? undefined}
                  aria-current={isSel ? 'true' : undefined}
                  className={`border-t border-slate-100 ${isSel ? 'bg-indigo-50' : ''}`}
                >
                  <td className="px-2 py-1">
                    <button
                      type="button"
                      onClick={() => onSelect(r.index)}
                      aria-pressed={isSel}
                      aria-label={`Show sample ${r.index}`}
                      className="rounded px-1 font-mono text-indigo-800 underline-offset-2 hover:underline focus-visible:outline-2 focus-visible:outline-offset-1 focus-visible:outline-indigo-700"
                    >
                      #{r.index}
                    </button>
                  </td>
                  {isAnomaly && (
                    <td className="px-2 py-1">
                      {r.anomalous ? <span className="font-medium text-orange-800">anomalous</span> : 'normal'}
                    </td>
                  )}
                  <td className="whitespace-nowrap px-2 py-1 text-right font-mono tabular-nums">
                    {fmtError(r.error, 4)}
                  </td>
                  {production && (
                    <td className="whitespace-nowrap px-2 py-1 text-right font-mono tabular-nums">
                      {fmtError(r.production!, 4)}
                    </td>
                  )}
                  <td className="px-2 py-1">
                    {r.flagged ? 'yes' : 'no'}
                    {production && r.productionFlagged !== r.flagged && (
                      <span className="ml-1 text-xs text-slate-600">
                        ({productionLabel === 'Production' ? 'production' : productionLabel}:{' '}
                        {r.productionFlagged ? 'yes' : 'no'})
                      </span>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      {pages > 1 && (
        <nav aria-label="Sample pages" className="mt-2 flex items-center justify-between text-sm">
          <span className="text-slate-600">
            Samples {page * PAGE + 1}–{Math.min(rows.length, (page + 1) * PAGE)} of {rows.length}
          </span>
          <span className="flex gap-2">
            <button
              type="button"
              disabled={page === 0}
              onClick={() => setPage((p) => p - 1)}
              className="rounded border border-slate-300 px-3 py-1 disabled:opacity-50"
            >
              Previous
            </button>
            <button
              type="button"
              disabled={page >= pages - 1}
              onClick={() => setPage((p) => p + 1)}
              className="rounded border border-slate-300 px-3 py-1 disabled:opacity-50"
            >
              Next
            </button>
          </span>
        </nav>
      )}
    </div>
  );
}
