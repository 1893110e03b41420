// What the benchmark prints: every repetition's row, the medians, and the ratios issue 14's
// targets name, each marked met or missed. Ratios within one run, since absolute times drift on
// shared machines.
import os from 'node:os';
import { median, percentile } from './load';

export type Row = {
  rep: number;
  endpoint: string;
  size: number;
  requests: number;
  failures: number;
  cut: boolean;
  p50: number;
  p95: number;
  rps: number;
  healthIdleP95: number;
  healthLoadP95: number;
};

const ms = (v: number) => (Number.isFinite(v) ? v.toFixed(1) : '—').padStart(8);
const times = (v: number) => (Number.isFinite(v) ? `${v.toFixed(2)}×` : '—').padStart(8);
export const sizeLabel = (n: number) => (n >= 1000 && n % 1000 === 0 ? `${n / 1000}k` : String(n));

export function describeMachine(): string {
  const cpus = os.cpus();
  return (
    `machine: ${cpus.length} × ${cpus[0]?.model.trim() ?? 'unknown CPU'}, ` +
    `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM, ${os.type()} ${os.release()}, node ${process.version}, ` +
    `load average ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`
  );
}

export const ROW_HEADER =
  `${'rep'.padEnd(4)}${'endpoint'.padEnd(34)}${'size'.padStart(6)}${'n'.padStart(6)}` +
  `${'p50 ms'.padStart(8)}${'p95 ms'.padStart(8)}${'req/s'.padStart(8)}` +
  `${'health idle p95'.padStart(17)}${'under load p95'.padStart(16)}`;

export function formatRow(r: Row): string {
  const notes = [r.cut ? 'cut at the time limit' : '', r.failures ? `${r.failures} failed` : '']
    .filter(Boolean)
    .join(', ');
  return (
    `${String(r.rep).padEnd(4)}${r.endpoint.padEnd(34)}${sizeLabel(r.size).padStart(6)}${String(r.requests).padStart(6)}` +
    `${ms(r.p50)}${ms(r.p95)}${r.rps.toFixed(1).padStart(8)}${ms(r.healthIdleP95).padStart(17)}` +
    `${ms(r.healthLoadP95).padStart(16)}${notes ? `  (${notes})` : ''}`
  );
}

/** Per endpoint and size, the median over repetitions of each column. */
export function medians(rows: Row[], endpoints: string[], sizes: number[]): Row[] {
  const out: Row[] = [];
  for (const endpoint of endpoints)
    for (const size of sizes) {
      const of = rows.filter((r) => r.endpoint === endpoint && r.size === size);
      if (of.length === 0) continue;
      const m = (k: keyof Row) => median(of.map((r) => r[k] as number));
      out.push({
        rep: 0,
        endpoint,
        size,
        requests: of.reduce((s, r) => s + r.requests, 0),
        failures: of.reduce((s, r) => s + r.failures, 0),
        cut: of.some((r) => r.cut),
        p50: m('p50'),
        p95: m('p95'),
        rps: m('rps'),
        healthIdleP95: m('healthIdleP95'),
        healthLoadP95: m('healthLoadP95'),
      });
    }
  return out;
}

type Target = { label: string; value: number; limit: number };

function targetLine({ label, value, limit }: Target): string {
  const verdict = !Number.isFinite(value) ? 'n/a' : value <= limit ? 'met' : 'missed';
  return `${label.padEnd(66)}${times(value)}   target ≤ ${limit}×   ${verdict}`;
}

/**
 * The targets of issue 14 over the medians: p95 at the largest size ÷ p95 at the smallest (≤ 1.5×),
 * p95 ÷ idle /api/health p95 at the largest (≤ 5×), and /api/health p95 under each list's load ÷
 * its idle p95 (≤ 3×), at every size.
 */
export function targetLines(summary: Row[], endpoints: string[], sizes: number[]): string[] {
  const small = Math.min(...sizes);
  const large = Math.max(...sizes);
  const at = (endpoint: string, size: number) => summary.find((r) => r.endpoint === endpoint && r.size === size);
  const lines: string[] = [];
  for (const e of endpoints) {
    const lo = at(e, small);
    const hi = at(e, large);
    if (!lo || !hi) continue;
    if (large !== small)
      lines.push(
        targetLine({
          label: `${e}: p95 ${sizeLabel(large)} ÷ ${sizeLabel(small)}`,
          value: hi.p95 / lo.p95,
          limit: 1.5,
        }),
      );
    lines.push(
      targetLine({
        label: `${e}: p95 ÷ /api/health p95 at ${sizeLabel(large)}`,
        value: hi.p95 / hi.healthIdleP95,
        limit: 5,
      }),
    );
    for (const size of sizes) {
      const r = at(e, size)!;
      lines.push(
        targetLine({
          label: `${e}: health under load ÷ idle at ${sizeLabel(size)}`,
          value: r.healthLoadP95 / r.healthIdleP95,
          limit: 3,
        }),
      );
    }
  }
  return lines;
}

/** p95 of one repetition's pooled samples. */
export const p95 = (samples: number[]) => percentile(samples, 95);
