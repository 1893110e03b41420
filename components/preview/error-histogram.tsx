'use client';

import { useId, useMemo } from 'react';
import { fmtError, histogram, type ThresholdChoice } from '@/lib/preview/stats';
import { COLORS, HatchDefs, LegendItem, fmtTick, makeScale } from './chart-kit';

const W = 640;
const H = 260;
const M = { l: 52, r: 16, t: 16, b: 48 };

/** A bin in words, for its hover title and the screen-reader table. */
function binText(from: number, to: number, normal: number, anomalous: number, labelled: boolean): string {
  const range = `Error ${fmtError(from)} to ${fmtError(to)}`;
  return labelled ? `${range}: ${normal} normal, ${anomalous} anomalous` : `${range}: ${normal + anomalous} samples`;
}

/** Histogram of per-sample reconstruction MSE, normal and anomalous stacked, with the threshold. */
export function ErrorHistogram({
  errors,
  isAnomaly,
  threshold,
}: {
  errors: Float64Array;
  isAnomaly: Uint8Array | null;
  threshold: ThresholdChoice;
}) {
  const hatch = `hatch-${useId().replace(/[^a-zA-Z0-9_-]/g, '')}`;
  const bins = Math.min(40, Math.max(10, Math.round(Math.sqrt(errors.length) * 2)));
  const h = useMemo(
    () => histogram(errors, isAnomaly, bins, [threshold.value]),
    [errors, isAnomaly, bins, threshold.value],
  );
  const lo = h.edges[0];
  const hi = h.edges[h.edges.length - 1];
  const x = makeScale(lo, hi, M.l, W - M.r, h.log);
  const maxCount = Math.max(1, ...h.normal.map((n, i) => n + h.anomalous[i]));
  const y = makeScale(0, maxCount, H - M.b, M.t, false);
  const yTicks = y.ticks.filter((t) => Number.isInteger(t));
  const flagged = Array.from(errors).filter((e) => e > threshold.value).length;
  const anomalies = isAnomaly ? isAnomaly.reduce((s, v) => s + v, 0) : 0;
  const label =
    `Histogram of reconstruction error (mean squared error) for ${errors.length} samples` +
    (isAnomaly ? `, ${errors.length - anomalies} normal and ${anomalies} anomalous` : '') +
    `${h.log ? ', log scale' : ''}. Threshold ${fmtError(threshold.value)}, the ${threshold.label}: ${flagged} samples above it.`;
  const tx = x(threshold.value);
  return (
    <figure className="relative min-w-0">
      <svg
        viewBox={`0 0 ${W} ${H}`}
        role="img"
        aria-label={label}
        data-testid="error-histogram"
        className="h-auto w-full max-w-3xl"
      >
        <HatchDefs id={hatch} color={COLORS.anomalous} />
        {yTicks.map((t) => (
          <g key={t}>
            <line x1={M.l} x2={W - M.r} y1={y(t)} y2={y(t)} stroke={COLORS.grid} />
            <text x={M.l - 6} y={y(t) + 4} textAnchor="end" fontSize="11" fill={COLORS.axis}>
              {t}
            </text>
          </g>
        ))}
        {h.normal.map((n, i) => {
          const x0 = x(h.edges[i]) + 0.5;
          const w = Math.max(0.5, x(h.edges[i + 1]) - x(h.edges[i]) - 1);
          const a = h.anomalous[i];
          return (
            <g key={i}>
              <title>{binText(h.edges[i], h.edges[i + 1], n, a, !!isAnomaly)}</title>
              {n > 0 && <rect x={x0} width={w} y={y(n)} height={y(0) - y(n)} fill={COLORS.normal} />}
              {a > 0 && (
                <rect
                  x={x0}
                  width={w}
                  y={y(n + a)}
                  height={y(n) - y(n + a)}
                  fill={`url(#${hatch})`}
                  stroke={COLORS.anomalous}
                  strokeWidth="0.5"
                />
              )}
            </g>
          );
        })}
        <line x1={M.l} x2={W - M.r} y1={H - M.b} y2={H - M.b} stroke={COLORS.axis} />
        {x.ticks.map((t) => (
          <g key={t}>
            <line x1={x(t)} x2={x(t)} y1={H - M.b} y2={H - M.b + 4} stroke={COLORS.axis} />
            <text x={x(t)} y={H - M.b + 16} textAnchor="middle" fontSize="11" fill={COLORS.axis}>
              {fmtTick(t)}
            </text>
          </g>
        ))}
        <line
          x1={tx}
          x2={tx}
          y1={M.t - 4}
          y2={H - M.b}
          stroke={COLORS.threshold}
          strokeWidth="2"
          strokeDasharray="5 3"
        />
        <text
          x={tx > W * 0.7 ? tx - 4 : tx + 4}
          y={M.t + 8}
          textAnchor={tx > W * 0.7 ? 'end' : 'start'}
          fontSize="11"
          fill={COLORS.threshold}
        >
          threshold {fmtError(threshold.value)}
        </text>
        <text x={(W + M.l) / 2} y={H - 8} textAnchor="middle" fontSize="12" fill="#334155">
          Reconstruction error (MSE per dimension{h.log ? ', log scale' : ''})
        </text>
        <text
          x={14}
          y={(H - M.b) / 2}
          textAnchor="middle"
          fontSize="12"
          fill="#334155"
          transform={`rotate(-90 14 ${(H - M.b) / 2})`}
        >
          Samples
        </text>
      </svg>
      {/* A table ignores width: 1px (it grows to fit its cells), so the visually hidden box is a div. */}
      <div className="sr-only">
        <table>
          <caption>Samples per reconstruction-error bin</caption>
          <tbody>
            {h.normal.map((n, i) => (
              <tr key={i}>
                <td>{binText(h.edges[i], h.edges[i + 1], n, h.anomalous[i], !!isAnomaly)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <figcaption className="mt-2 flex flex-wrap gap-x-4 gap-y-1 text-xs text-slate-700">
        <LegendItem swatch={<rect width="22" height="12" fill={COLORS.normal} />}>
          {isAnomaly ? 'Normal' : 'Samples (unlabelled)'}
        </LegendItem>
        {isAnomaly && (
          <LegendItem swatch={<rect width="22" height="12" fill={`url(#${hatch})`} stroke={COLORS.anomalous} />}>
            Labelled anomalous
          </LegendItem>
        )}
        <LegendItem
          swatch={<line x1="0" x2="22" y1="6" y2="6" stroke={COLORS.threshold} strokeWidth="2" strokeDasharray="5 3" />}
        >
          Threshold: {threshold.label}
        </LegendItem>
      </figcaption>
    </figure>
  );
}
