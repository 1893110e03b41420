import { describe, expect, it } from 'vitest';
import { formatTable, median, summariseRepetitions, verdict } from './summary';

describe('bench:preview summary', () => {
  it('takes medians, odd and even', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });

  it('pairs each ratio with the baseline of its own repetition and keeps every repetition', () => {
    // The machine slows down in repetition 3: node and WASM both take twice as long. Paired, the
    // ratio stays 2×; a baseline measured once (the old bench) would have read 4× for that row.
    const reps = [
      { node: 10, 'wasm-2t': 20 },
      { node: 11, 'wasm-2t': 22 },
      { node: 20, 'wasm-2t': 40 },
      { node: 10, 'wasm-2t': 21 },
      { node: 10, 'wasm-2t': 19 },
    ];
    const [node, wasm] = summariseRepetitions(reps, 'node');
    expect(node).toEqual({ backend: 'node', median: 10, ratio: 1, min: 10, max: 20 });
    expect(wasm.backend).toBe('wasm-2t');
    expect(wasm.median).toBe(21);
    expect(wasm.ratio).toBe(2);
    // No best-of: the slow repetition is in the range that is reported.
    expect([wasm.min, wasm.max]).toEqual([19, 40]);
  });

  it('refuses repetitions without the baseline', () => {
    expect(() => summariseRepetitions([{ wasm: 1 }], 'node')).toThrow(/no baseline node/);
  });

  it('prints aligned tables and target verdicts', () => {
    const t = formatTable([
      ['rep', 'node ms', 'wasm ms'],
      ['1', '9.5', '20.25'],
      ['median', '10.0', '21.00'],
    ]).split('\n');
    expect(t).toEqual([
      'rep     node ms  wasm ms',
      '------  -------  -------',
      '1           9.5    20.25',
      'median     10.0    21.00',
    ]);
    expect(verdict(2.41, 3.5, '×')).toBe('≤ 3.5×: yes (2.41×)');
    expect(verdict(4, 3.5, '×')).toBe('≤ 3.5×: NO (4.00×)');
    expect(verdict(Number.NaN, 1, ' s')).toBe('≤ 1 s: not measured');
  });
});
