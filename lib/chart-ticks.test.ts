import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fmtTick, linearTicks, logTicks } from './chart-ticks';

describe('chart ticks', () => {
  it('labels small losses like 5e-5, never 0.000055 or float noise', () => {
    expect(fmtTick(0.00005)).toBe('5e-5');
    expect(fmtTick(0.000055)).toBe('5.5e-5');
    expect(fmtTick(0.00015)).toBe('1.5e-4');
    expect(fmtTick(0.1 + 0.2)).toBe('0.3');
    expect(fmtTick(0.25)).toBe('0.25');
    expect(fmtTick(1200)).toBe('1200');
    expect(fmtTick(2_000_000)).toBe('2e6');
    expect(fmtTick(-0.002)).toBe('-0.002');
    expect(fmtTick(0)).toBe('0');
    // A data value, not a tick: rounded.
    expect(fmtTick(0.000123456789, 3)).toBe('1.23e-4');
  });

  it('puts at most 6 nice ticks inside the range', () => {
    expect(linearTicks(0.000081, 0.000805)).toEqual([0.0002, 0.0004, 0.0006, 0.0008]);
    expect(linearTicks(0, 1)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(linearTicks(0, 37)).toEqual([0, 10, 20, 30]);
    expect(linearTicks(-0.12, 0.13)).toEqual([-0.1, -0.05, 0, 0.05, 0.1]);
    expect(logTicks(0.00008, 0.0008)).toEqual([0.0001, 0.0002, 0.0005]);
    expect(logTicks(1e-6, 1)).toEqual([1e-6, 1e-5, 1e-4, 1e-3, 0.01, 0.1, 1].filter((_, i) => i % 2 === 0));
  });

  it('any range: 2–6 ticks, increasing, inside it, each label distinct and exact (property)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: -1e6, max: 1e6, noNaN: true }),
        fc.double({ min: 1e-9, max: 1e6, noNaN: true }),
        fc.boolean(),
        (lo, span, log) => {
          const a = log ? Math.abs(lo) + 1e-12 : lo;
          const b = log ? a * (1 + span) : lo + span;
          if (!(b > a) || b - a < Math.max(Math.abs(a), Math.abs(b)) * 1e-3) return;
          const ticks = log ? logTicks(a, b) : linearTicks(a, b);
          expect(ticks.length).toBeGreaterThanOrEqual(1);
          expect(ticks.length).toBeLessThanOrEqual(6);
          for (let i = 1; i < ticks.length; i++) expect(ticks[i]).toBeGreaterThan(ticks[i - 1]);
          for (const t of ticks) {
            expect(t).toBeGreaterThanOrEqual(a - (b - a) * 1e-9);
            expect(t).toBeLessThanOrEqual(b + (b - a) * 1e-9);
          }
          const labels = ticks.map((t) => fmtTick(t, 6));
          expect(new Set(labels).size).toBe(labels.length);
          for (const l of labels) expect(l.replace(/^-/, '').length).toBeLessThanOrEqual(10);
        },
      ),
      { numRuns: 300, seed: 0x71c5 },
    );
  });
});
