/**
 * Shared pieces of the preview's SVG charts: scales, colours (WCAG AA against white, and never
 * colour alone — anomalies also differ by shape or hatching) and legend swatches.
 */
import { fmtTick as readableTick, linearTicks, logTicks } from '@/lib/chart-ticks';

export const COLORS = {
  normal: '#4338ca', // indigo-700
  anomalous: '#c2410c', // orange-700
  threshold: '#0f172a', // slate-900
  production: '#047857', // emerald-700
  input: '#334155', // slate-700
  reconstruction: '#c2410c',
  grid: '#e2e8f0',
  axis: '#475569',
} as const;

export type Scale = { (v: number): number; ticks: number[]; log: boolean };

/** A linear or log scale from [lo, hi] to [a, b], with ticks. Log when all positive and > 1.5 decades. */
export function makeScale(lo: number, hi: number, a: number, b: number, allowLog = true): Scale {
  const log = allowLog && lo > 0 && hi / lo > 30;
  if (!(hi > lo)) {
    const pad = lo === 0 ? 1 : Math.abs(lo) * 0.5;
    lo -= pad;
    hi += pad;
    if (log && lo <= 0) lo = hi / 100;
  }
  const f = (v: number) => (log ? Math.log10(Math.max(v, Number.MIN_VALUE)) : v);
  const f0 = f(lo);
  const f1 = f(hi);
  const s = ((v: number) => a + ((f(v) - f0) / (f1 - f0)) * (b - a)) as Scale;
  s.ticks = (log ? logTicks(lo, hi, 6) : linearTicks(lo, hi, 5)).filter(
    (t) => t >= lo * (1 - 1e-9) && t <= hi * (1 + 1e-9),
  );
  s.log = log;
  return s;
}

/** A tick's shortest exact label ("5e-5", "1.5e-4", "0.25"), other values to 4 digits: lib/chart-ticks.ts. */
export const fmtTick = (v: number) => readableTick(v, 4);

export function HatchDefs({ id, color }: { id: string; color: string }) {
  return (
    <defs>
      <pattern id={id} width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">
        <rect width="6" height="6" fill={color} />
        <line x1="0" y1="0" x2="0" y2="6" stroke="#fff" strokeWidth="2" />
      </pattern>
    </defs>
  );
}

export function LegendItem({ children, swatch }: { children: React.ReactNode; swatch: React.ReactNode }) {
  return (
    <span className="inline-flex items-center gap-1.5">
      <svg width="22" height="12" aria-hidden="true" className="shrink-0">
        {swatch}
      </svg>
      {children}
    </span>
  );
}
