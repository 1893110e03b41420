/**
 * The arithmetic and the printing of `npm run bench:preview`: medians, ratios to the baseline of
 * the same repetition, and plain-text tables. Pure, so its rules (every row printed, no best-of,
 * ratios paired within a repetition) are tested (summary.test.ts).
 */

export function median(values: readonly number[]): number {
  if (!values.length) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** One repetition: each backend's time (ms) measured back to back, the baseline among them. */
export type Repetition = Record<string, number>;

export type RatioSummary = {
  backend: string;
  median: number;
  /** Median of the per-repetition ratios backend ÷ baseline (paired: the same moment's load). */
  ratio: number;
  min: number;
  max: number;
};

/** Medians and paired ratios of every backend to `baseline`, over all repetitions (none dropped). */
export function summariseRepetitions(reps: readonly Repetition[], baseline: string): RatioSummary[] {
  if (!reps.length) return [];
  const names = Object.keys(reps[0]);
  if (!names.includes(baseline)) throw new Error(`no baseline ${baseline} in the repetitions`);
  return names.map((backend) => {
    const times = reps.map((r) => r[backend]);
    return {
      backend,
      median: median(times),
      ratio: median(reps.map((r) => r[backend] / r[baseline])),
      min: Math.min(...times),
      max: Math.max(...times),
    };
  });
}

/** Right-aligned figures, left-aligned labels (the first column and `left`), a rule under the header. */
export function formatTable(rows: readonly (readonly (string | number)[])[], left: readonly number[] = []): string {
  const cells = rows.map((r) => r.map(String));
  const widths = cells[0].map((_, c) => Math.max(...cells.map((r) => (r[c] ?? '').length)));
  const line = (r: string[]) =>
    r
      .map((v, c) => (c === 0 || left.includes(c) ? v.padEnd(widths[c]) : v.padStart(widths[c])))
      .join('  ')
      .trimEnd();
  return [line(cells[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

export const fmt = (v: number | undefined, digits = 1): string =>
  v === undefined || Number.isNaN(v) ? '—' : v.toFixed(digits);

/** "≤ 3.5×: yes (2.41×)" — how a target line reads. */
export function verdict(value: number, limit: number, unit: string): string {
  if (Number.isNaN(value)) return `≤ ${limit}${unit}: not measured`;
  return `≤ ${limit}${unit}: ${value <= limit ? 'yes' : 'NO'} (${value.toFixed(2)}${unit})`;
}
