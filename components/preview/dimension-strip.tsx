'use client';

import { SUBJECT_DIMS, VISUAL_DIMS, fmtError } from '@/lib/preview/stats';
import { fmtTick } from './chart-kit';

const W = 720;
const L = 92;
const R = 10;
const ROW = 22;

// A light-to-dark sequential ramp (yellow → orange → purple → near-black): ordered by lightness, so
// it reads without colour vision too.
const STOPS = [
  [255, 247, 188],
  [254, 196, 79],
  [236, 112, 20],
  [153, 52, 4],
  [60, 20, 80],
];
function ramp(t: number): string {
  const u = Math.min(1, Math.max(0, t)) * (STOPS.length - 1);
  const i = Math.min(STOPS.length - 2, Math.floor(u));
  const f = u - i;
  const c = STOPS[i].map((a, k) => Math.round(a + (STOPS[i + 1][k] - a) * f));
  return `rgb(${c[0]},${c[1]},${c[2]})`;
}

/** Mean squared error per dimension over all samples, one strip per model, one shared log colour scale. */
export function DimensionStrip({ rows }: { rows: { name: string; values: Float64Array }[] }) {
  const dim = rows[0]?.values.length ?? 0;
  if (!dim) return null;
  const all = rows.flatMap((r) => Array.from(r.values)).filter((v) => v > 0);
  const lo = Math.min(...all);
  const hi = Math.max(...all);
  const f = (v: number) =>
    hi > lo ? (Math.log10(Math.max(v, lo)) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo)) : 0.5;
  const cw = (W - L - R) / dim;
  const H = rows.length * (ROW + 6) + 60;
  const split = dim === VISUAL_DIMS + SUBJECT_DIMS;
  const summary = rows
    .map((r) => {
      let worst = 0;
      for (let i = 1; i < dim; i++) if (r.values[i] > r.values[worst]) worst = i;
      const mean = (a: number, b: number) => Array.from(r.values.subarray(a, b)).reduce((s, v) => s + v, 0) / (b - a);
      return split
        ? `${r.name}: visual mean ${fmtError(mean(0, VISUAL_DIMS))}, subject mean ${fmtError(mean(VISUAL_DIMS, dim))}, largest at dimension ${worst} (${fmtError(r.values[worst])})`
        : `${r.name}: largest at dimension ${worst} (${fmtError(r.values[worst])})`;
    })
    .join('; ');
  const ticks = split ? [0, 256, 512, 768, dim - 1] : [0, Math.floor(dim / 2), dim - 1];
  const legendX = L;
  const legendW = 200;
  const legendY = rows.length * (ROW + 6) + 30;
  return (
    <figure className="relative min-w-0">
      <svg
        viewBox={`0 0 ${W} ${H}`}
        role="img"
        aria-label={`Mean squared error per dimension across all samples, log colour scale from ${fmtError(lo)} to ${fmtError(hi)}. ${summary}.`}
        data-testid="dimension-strip"
        className="h-auto w-full max-w-4xl"
      >
        <defs>
          <linearGradient id="dim-strip-ramp">
            {[0, 0.25, 0.5, 0.75, 1].map((t) => (
              <stop key={t} offset={t} stopColor={ramp(t)} />
            ))}
          </linearGradient>
        </defs>
        {rows.map((r, ri) => {
          const y = 6 + ri * (ROW + 6);
          return (
            <g key={r.name}>
              <text x={L - 6} y={y + ROW / 2 + 4} textAnchor="end" fontSize="11" fill="#1e293b">
                {r.name}
              </text>
              {Array.from(r.values, (v, i) => (
                <rect key={i} x={L + i * cw} y={y} width={cw + 0.3} height={ROW} fill={ramp(f(v))} />
              ))}
            </g>
          );
        })}
        {split && (
          <g>
            <line
              x1={L + VISUAL_DIMS * cw}
              x2={L + VISUAL_DIMS * cw}
              y1={0}
              y2={rows.length * (ROW + 6) + 4}
              stroke="#0f172a"
              strokeWidth="1.5"
            />
            <text
              x={L + (VISUAL_DIMS * cw) / 2}
              y={rows.length * (ROW + 6) + 16}
              textAnchor="middle"
              fontSize="10"
              fill="#334155"
            >
              visual (0–767)
            </text>
            <text
              x={L + VISUAL_DIMS * cw + (SUBJECT_DIMS * cw) / 2}
              y={rows.length * (ROW + 6) + 16}
              textAnchor="middle"
              fontSize="10"
              fill="#334155"
            >
              subject
            </text>
          </g>
        )}
        {ticks.map((t) => (
          <text
            key={t}
            x={L + (t + 0.5) * cw}
            y={rows.length * (ROW + 6) + 4 + 24}
            textAnchor="middle"
            fontSize="9"
            fill="#475569"
          >
            {t}
          </text>
        ))}
        <rect
          x={legendX + 60}
          y={legendY + 6}
          width={legendW}
          height={10}
          fill="url(#dim-strip-ramp)"
          stroke="#94a3b8"
          strokeWidth="0.5"
        />
        <text x={legendX + 56} y={legendY + 15} textAnchor="end" fontSize="10" fill="#334155">
          {fmtTick(lo)}
        </text>
        <text x={legendX + 64 + legendW} y={legendY + 15} fontSize="10" fill="#334155">
          {fmtTick(hi)} (mean squared error, log scale)
        </text>
      </svg>
    </figure>
  );
}
