'use client';

import { SUBJECT_DIMS, VISUAL_DIMS, fmtError, segmentError } from '@/lib/preview/stats';
import { COLORS, LegendItem, fmtTick, makeScale } from './chart-kit';

const W = 720;
const H = 240;
const M = { t: 26, b: 40 };

/**
 * One sample's input and reconstruction across its dimensions. Visual (0–767, unit-norm CLIP-like
 * features, values near ±0.1) and subject (768–831, a probability vector in 0..1) live on very
 * different scales, so each segment gets its own panel and y axis rather than one squashed line.
 */
export function SampleChart({
  index,
  input,
  reconstruction,
  dim,
  anomalous,
  error,
}: {
  index: number;
  input: Float32Array;
  reconstruction: Float32Array;
  dim: number;
  anomalous: boolean | null;
  error: number;
}) {
  const o = index * dim;
  const x = input.subarray(o, o + dim);
  const r = reconstruction.subarray(o, o + dim);
  // Standard layout: two panels. Any other width: one panel over all dims.
  const segments =
    dim === VISUAL_DIMS + SUBJECT_DIMS
      ? [
          { name: 'Visual', from: 0, to: VISUAL_DIMS, x0: 56, x1: 500 },
          { name: 'Subject', from: VISUAL_DIMS, to: dim, x0: 560, x1: W - 10 },
        ]
      : [{ name: 'All', from: 0, to: dim, x0: 56, x1: W - 10 }];
  const segErr = segments.map((s) => segmentError(input, reconstruction, index, dim, s.from, s.to));
  const label =
    `Sample ${index}${anomalous === null ? '' : anomalous ? ' (labelled anomalous)' : ' (normal)'}: input and reconstruction across ${dim} dimensions; ` +
    `overall MSE ${fmtError(error)}` +
    segments.map((s, i) => `; ${s.name.toLowerCase()} dims ${s.from}–${s.to - 1} MSE ${fmtError(segErr[i])}`).join('') +
    '.';
  return (
    <figure className="relative min-w-0">
      <svg
        viewBox={`0 0 ${W} ${H}`}
        role="img"
        aria-label={label}
        data-testid="sample-chart"
        className="h-auto w-full max-w-4xl"
      >
        {segments.map((s, si) => {
          let lo = Infinity;
          let hi = -Infinity;
          for (let i = s.from; i < s.to; i++) {
            lo = Math.min(lo, x[i], r[i]);
            hi = Math.max(hi, x[i], r[i]);
          }
          const y = makeScale(lo, hi, H - M.b, M.t, false);
          const px = (i: number) => s.x0 + ((i - s.from) / Math.max(1, s.to - s.from - 1)) * (s.x1 - s.x0);
          const line = (v: Float32Array) =>
            Array.from(
              { length: s.to - s.from },
              (_, k) => `${px(s.from + k).toFixed(1)},${y(v[s.from + k]).toFixed(1)}`,
            ).join(' ');
          const xt =
            s.to - s.from > 100
              ? [s.from, s.from + 256, s.from + 512, s.to - 1].filter((t) => t < s.to)
              : [s.from, s.from + 16, s.from + 32, s.from + 48, s.to - 1];
          return (
            <g key={s.name}>
              <title>{`${s.name === 'All' ? 'Dimensions' : `${s.name} dims`} ${s.from}–${s.to - 1}: MSE ${fmtError(segErr[si])}; values from ${fmtTick(lo)} to ${fmtTick(hi)}`}</title>
              <rect
                x={s.x0}
                y={M.t}
                width={s.x1 - s.x0}
                height={H - M.t - M.b}
                fill={si === 1 ? '#f8fafc' : '#fff'}
                stroke="#cbd5e1"
              />
              <text x={s.x0} y={M.t - 10} fontSize="12" fontWeight="600" fill="#1e293b">
                {s.name === 'All' ? `Dimensions 0–${dim - 1}` : `${s.name} (dims ${s.from}–${s.to - 1})`} · MSE{' '}
                {fmtError(segErr[si])}
              </text>
              {y.ticks.map((t) => (
                <g key={t}>
                  <line x1={s.x0} x2={s.x1} y1={y(t)} y2={y(t)} stroke={COLORS.grid} />
                  <text x={s.x0 - 4} y={y(t) + 4} textAnchor="end" fontSize="10" fill={COLORS.axis}>
                    {fmtTick(t)}
                  </text>
                </g>
              ))}
              {xt.map((t) => (
                <text key={t} x={px(t)} y={H - M.b + 14} textAnchor="middle" fontSize="10" fill={COLORS.axis}>
                  {t}
                </text>
              ))}
              <polyline fill="none" stroke={COLORS.input} strokeWidth="1" points={line(x)} />
              <polyline
                fill="none"
                stroke={COLORS.reconstruction}
                strokeWidth="1"
                strokeDasharray="3 2"
                points={line(r)}
              />
            </g>
          );
        })}
        <text x={W / 2} y={H - 6} textAnchor="middle" fontSize="12" fill="#334155">
          Embedding dimension
        </text>
        <text
          x={12}
          y={(H - M.b + M.t) / 2}
          textAnchor="middle"
          fontSize="12"
          fill="#334155"
          transform={`rotate(-90 12 ${(H - M.b + M.t) / 2})`}
        >
          Value (embedding units)
        </text>
      </svg>
      <figcaption className="mt-2 flex flex-wrap gap-x-4 gap-y-1 text-xs text-slate-700">
        <LegendItem swatch={<line x1="0" x2="22" y1="6" y2="6" stroke={COLORS.input} strokeWidth="2" />}>
          Input embedding
        </LegendItem>
        <LegendItem
          swatch={
            <line x1="0" x2="22" y1="6" y2="6" stroke={COLORS.reconstruction} strokeWidth="2" strokeDasharray="3 2" />
          }
        >
          Reconstruction
        </LegendItem>
        <span>Each panel has its own value scale.</span>
      </figcaption>
    </figure>
  );
}
