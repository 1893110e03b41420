'use client';

import { useMemo } from 'react';
import { compareFlags, fmtError } from '@/lib/preview/stats';
import { COLORS, LegendItem, fmtTick, makeScale } from './chart-kit';

const S = 360;
const M = { l: 56, r: 12, t: 12, b: 44 };

/** How the two sides are named: the model page's candidate vs production, or the compare page's A vs B. */
export type SideLabels = { candidate: string; production: string };
const DEFAULT_LABELS: SideLabels = { candidate: 'Candidate', production: 'Production' };

/**
 * Candidate vs production (or any A vs B) on the same samples: a scatter of their errors (each with
 * its own threshold), how many samples each flags, and the samples whose flag flips — the change a
 * deployment would make, sample by sample.
 */
export function Comparison({
  candidate,
  production,
  isAnomaly,
  selected,
  onSelect,
  labels = DEFAULT_LABELS,
}: {
  candidate: { modelId: string; errors: Float64Array; threshold: number; thresholdLabel: string };
  /** thresholdLabel: where the second threshold comes from (default: its deployment threshold). */
  production: { modelId: string; errors: Float64Array; threshold: number; thresholdLabel?: string };
  isAnomaly: Uint8Array | null;
  selected: number;
  onSelect: (i: number) => void;
  labels?: SideLabels;
}) {
  // In running text the defaults read 'the candidate' / 'production'; A and B stay as given.
  const byDefault = labels === DEFAULT_LABELS;
  const lc = byDefault ? 'the candidate' : labels.candidate;
  const lp = byDefault ? 'production' : labels.production;
  const cmp = useMemo(
    () => compareFlags(candidate.errors, candidate.threshold, production.errors, production.threshold),
    [candidate, production],
  );
  const n = candidate.errors.length;
  const flips = new Set([...cmp.newlyFlagged, ...cmp.noLongerFlagged]);
  const vals = [
    ...Array.from(candidate.errors),
    ...Array.from(production.errors),
    candidate.threshold,
    production.threshold,
  ].filter((v) => v > 0 && Number.isFinite(v));
  const lo = Math.min(...vals) * 0.8;
  const hi = Math.max(...vals) * 1.25;
  const x = makeScale(lo, hi, M.l, S - M.r);
  const y = makeScale(lo, hi, S - M.b, M.t);
  const logs = x.log ? ', log scales' : '';
  const label =
    `Scatter of reconstruction error per sample, ${n} samples: ${byDefault ? 'candidate' : labels.candidate} ${candidate.modelId} on the horizontal axis, ${lp} ${production.modelId} on the vertical${logs}. ` +
    `${labels.candidate} flags ${cmp.candidateFlagged}, ${lp} flags ${cmp.productionFlagged}; ${flips.size} samples flip.`;
  const anomalies = isAnomaly ? isAnomaly.reduce((s, v) => s + v, 0) : null;
  const caught = (errs: Float64Array, thr: number) =>
    isAnomaly ? Array.from(errs).filter((e, i) => isAnomaly[i] && e > thr).length : null;
  const candCaught = caught(candidate.errors, candidate.threshold);
  const prodCaught = caught(production.errors, production.threshold);

  return (
    <div className="grid grid-cols-1 gap-6 lg:grid-cols-[minmax(0,24rem)_1fr] [&>*]:min-w-0">
      <figure className="relative min-w-0">
        <svg
          viewBox={`0 0 ${S} ${S}`}
          role="img"
          aria-label={label}
          data-testid="comparison-scatter"
          className="h-auto w-full max-w-sm"
        >
          <rect x={M.l} y={M.t} width={S - M.l - M.r} height={S - M.t - M.b} fill="#fff" stroke="#cbd5e1" />
          {x.ticks.map((t) => (
            <g key={`x${t}`}>
              <line x1={x(t)} x2={x(t)} y1={M.t} y2={S - M.b} stroke={COLORS.grid} />
              <text x={x(t)} y={S - M.b + 14} textAnchor="middle" fontSize="10" fill={COLORS.axis}>
                {fmtTick(t)}
              </text>
            </g>
          ))}
          {y.ticks.map((t) => (
            <g key={`y${t}`}>
              <line x1={M.l} x2={S - M.r} y1={y(t)} y2={y(t)} stroke={COLORS.grid} />
              <text x={M.l - 4} y={y(t) + 3} textAnchor="end" fontSize="10" fill={COLORS.axis}>
                {fmtTick(t)}
              </text>
            </g>
          ))}
          {/* y = x: samples on it reconstruct equally well under both models */}
          <line x1={x(lo)} y1={y(lo)} x2={x(hi)} y2={y(hi)} stroke="#94a3b8" strokeDasharray="2 3" />
          <line
            x1={x(candidate.threshold)}
            x2={x(candidate.threshold)}
            y1={M.t}
            y2={S - M.b}
            stroke={COLORS.threshold}
            strokeDasharray="5 3"
            strokeWidth="1.5"
          />
          <line
            x1={M.l}
            x2={S - M.r}
            y1={y(production.threshold)}
            y2={y(production.threshold)}
            stroke={COLORS.production}
            strokeDasharray="5 3"
            strokeWidth="1.5"
          />
          {Array.from(candidate.errors, (c, i) => {
            const p = production.errors[i];
            const cx = x(Math.max(c, lo));
            const cy = y(Math.max(p, lo));
            const anom = isAnomaly?.[i] === 1;
            const flip = flips.has(i);
            const sel = i === selected;
            return (
              <g key={i} onClick={() => onSelect(i)} className="cursor-pointer">
                {anom ? (
                  <path
                    d={`M${cx - 4},${cy + 3.5} L${cx},${cy - 4} L${cx + 4},${cy + 3.5} Z`}
                    fill={COLORS.anomalous}
                    fillOpacity="0.85"
                  />
                ) : (
                  <circle cx={cx} cy={cy} r="3" fill={COLORS.normal} fillOpacity="0.7" />
                )}
                {flip && <circle cx={cx} cy={cy} r="7" fill="none" stroke="#0f172a" strokeWidth="1.5" />}
                {sel && <circle cx={cx} cy={cy} r="10" fill="none" stroke="#6d28d9" strokeWidth="2" />}
              </g>
            );
          })}
          <text x={(S + M.l) / 2} y={S - 8} textAnchor="middle" fontSize="11" fill="#334155">
            {labels.candidate} error (MSE{x.log ? ', log' : ''})
          </text>
          <text
            x={12}
            y={(S - M.b) / 2}
            textAnchor="middle"
            fontSize="11"
            fill="#334155"
            transform={`rotate(-90 12 ${(S - M.b) / 2})`}
          >
            {labels.production} error (MSE{y.log ? ', log' : ''})
          </text>
        </svg>
        <figcaption className="mt-2 flex flex-wrap gap-x-4 gap-y-1 text-xs text-slate-700">
          <LegendItem swatch={<circle cx="11" cy="6" r="3" fill={COLORS.normal} />}>
            {isAnomaly ? 'Normal' : 'Sample'}
          </LegendItem>
          {isAnomaly && (
            <LegendItem swatch={<path d="M7,9.5 L11,2 L15,9.5 Z" fill={COLORS.anomalous} />}>Anomalous</LegendItem>
          )}
          <LegendItem swatch={<circle cx="11" cy="6" r="5" fill="none" stroke="#0f172a" strokeWidth="1.5" />}>
            Flag flips
          </LegendItem>
          <LegendItem
            swatch={
              <line x1="11" x2="11" y1="0" y2="12" stroke={COLORS.threshold} strokeWidth="2" strokeDasharray="3 2" />
            }
          >
            {labels.candidate} threshold
          </LegendItem>
          <LegendItem
            swatch={
              <line x1="0" x2="22" y1="6" y2="6" stroke={COLORS.production} strokeWidth="2" strokeDasharray="3 2" />
            }
          >
            {labels.production} threshold
          </LegendItem>
        </figcaption>
      </figure>

      <div className="text-sm">
        <dl className="grid grid-cols-2 gap-3" data-testid="flag-counts">
          <div className="rounded border border-slate-200 p-3">
            <dt className="text-xs text-slate-600">{labels.candidate} flags</dt>
            <dd className="text-2xl font-semibold tabular-nums" data-testid="candidate-flagged">
              {cmp.candidateFlagged}
              <span className="text-sm font-normal text-slate-600"> of {n}</span>
            </dd>
            <dd className="text-xs text-slate-600">
              above {fmtError(candidate.threshold)} ({candidate.thresholdLabel})
              {candCaught !== null && `; ${candCaught} of ${anomalies} anomalies`}
            </dd>
          </div>
          <div className="rounded border border-slate-200 p-3">
            <dt className="text-xs text-slate-600">{labels.production} flags</dt>
            <dd className="text-2xl font-semibold tabular-nums" data-testid="production-flagged">
              {cmp.productionFlagged}
              <span className="text-sm font-normal text-slate-600"> of {n}</span>
            </dd>
            <dd className="text-xs text-slate-600">
              above {fmtError(production.threshold)} ({production.thresholdLabel ?? 'its deployment threshold'})
              {prodCaught !== null && `; ${prodCaught} of ${anomalies} anomalies`}
            </dd>
          </div>
        </dl>
        <h4
          className="mt-4 font-medium"
          data-testid="flip-count"
          data-flips={[...flips].sort((a, b) => a - b).join(',')}
        >
          Samples whose flag flips ({flips.size})
        </h4>
        {flips.size === 0 ? (
          <p className="mt-1 text-slate-600">None: both models flag exactly the same samples.</p>
        ) : (
          <ul className="mt-1 max-h-56 space-y-1 overflow-auto" data-testid="flips">
            {[
              ...cmp.newlyFlagged.map((i) => ({ i, now: true })),
              ...cmp.noLongerFlagged.map((i) => ({ i, now: false })),
            ]
              .sort((a, b) => a.i - b.i)
              .map(({ i, now }) => (
                <li key={i}>
                  <button
                    type="button"
                    onClick={() => onSelect(i)}
                    aria-pressed={i === selected}
                    className="rounded text-left text-indigo-800 underline-offset-2 hover:underline focus-visible:outline-2 focus-visible:outline-offset-1 focus-visible:outline-indigo-700"
                  >
                    <span className="font-mono">#{i}</span>
                    {isAnomaly && ` (${isAnomaly[i] ? 'anomalous' : 'normal'})`}:{' '}
                    {now ? `flagged by ${lc} only` : `flagged by ${lp} only`}
                  </button>{' '}
                  <span className="font-mono text-xs text-slate-600">
                    {fmtError(candidate.errors[i])} vs {fmtError(production.errors[i])}
                  </span>
                </li>
              ))}
          </ul>
        )}
      </div>
    </div>
  );
}
