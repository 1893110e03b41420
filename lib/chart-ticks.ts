/**
 * Axis ticks people can read: at most a handful, at "nice" values (1, 2, 2.5, 5 × 10ⁿ; 1, 2, 5 per
 * decade on log axes), each labelled with just the digits it needs ("5e-5", "1.5e-4", "0.25",
 * "1200") instead of 0.000055 or 0.00012000000000000002.
 */
const NICE = [1, 2, 2.5, 5, 10];

/** Nice ticks inside [lo, hi], at most `max` of them (at least 2 when lo < hi). */
export function linearTicks(lo: number, hi: number, max = 6): number[] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [];
  if (!(hi > lo)) return [lo];
  const rough = (hi - lo) / Math.max(1, max - 1);
  const mag = 10 ** Math.floor(Math.log10(rough));
  for (let k = 0; ; k++) {
    const step = NICE[k % NICE.length] * mag * 10 ** Math.floor(k / NICE.length);
    if (step < rough * (1 - 1e-9)) continue;
    const first = Math.ceil(lo / step - 1e-9);
    const last = Math.floor(hi / step + 1e-9);
    if (last - first + 1 <= max) {
      const out: number[] = [];
      for (let i = first; i <= last; i++) out.push(Number((i * step).toPrecision(12)));
      return out;
    }
  }
}

/** Ticks for a log axis over [lo, hi] (both > 0): decades, or 1-2-5 within them when few; at most `max`. */
export function logTicks(lo: number, hi: number, max = 6): number[] {
  if (!(lo > 0) || !(hi > lo)) return lo > 0 ? [lo] : [];
  const e0 = Math.floor(Math.log10(lo));
  const e1 = Math.ceil(Math.log10(hi));
  const inside = (v: number) => v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9);
  for (const mantissas of [[1, 2, 5], [1, 3], [1]]) {
    const out: number[] = [];
    for (let e = e0; e <= e1; e++) {
      for (const m of mantissas) {
        const v = Number(`${m}e${e}`);
        if (inside(v)) out.push(v);
      }
    }
    if (out.length >= 2 && out.length <= max) return out;
    if (out.length < 2) return linearTicks(lo, hi, Math.min(max, 4));
  }
  // Many decades: every k-th one.
  const decades: number[] = [];
  const every = Math.ceil((e1 - e0 + 1) / max);
  for (let e = e0; e <= e1; e += every) if (inside(Number(`1e${e}`))) decades.push(Number(`1e${e}`));
  return decades;
}

function withDigits(v: number, p: number): string {
  const a = Math.abs(v);
  if (a >= 1e-3 && a < 1e5) return Number(v.toPrecision(p)).toString();
  const [m, e] = v.toExponential(p - 1).split('e');
  return `${Number(m)}e${Number(e)}`;
}

/**
 * The shortest label that is exactly the tick ("5e-5", "1.5e-4", "0.25", "40", "2e6"); a value
 * that is no nice tick (a data minimum, say) is rounded to `maxDigits` significant digits.
 */
export function fmtTick(v: number, maxDigits = 12): string {
  if (!Number.isFinite(v)) return '—';
  if (v === 0) return '0';
  for (let p = 1; p <= maxDigits; p++) {
    const s = withDigits(v, p);
    if (Math.abs(Number(s) - v) <= Math.abs(v) * 1e-9) return s;
  }
  return withDigits(v, maxDigits);
}
