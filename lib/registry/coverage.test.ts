import { describe, expect, it } from 'vitest';
import { coverageSegments, summariseCoverage } from './coverage';

const s = (id: number, ageMin: number, ageMax: number) => ({ id, ageMin, ageMax, label: `m${id}` });

describe('coverage of ages 2–18', () => {
  it('is one gap when nothing is deployed', () => {
    const seg = coverageSegments([]);
    expect(seg).toEqual([{ from: 2, to: 18, servedBy: [] }]);
    expect(summariseCoverage(seg)).toMatchObject({ coveredYears: 0 });
  });

  it('finds gaps between and after deployments, and merges contiguous stretches of one model', () => {
    const seg = coverageSegments([s(1, 2, 3), s(2, 3, 4), s(3, 9, 12)]);
    expect(seg.map((x) => [x.from, x.to, x.servedBy.map((b) => b.id)])).toEqual([
      [2, 3, [1]],
      [3, 4, [2]],
      [4, 9, []],
      [9, 12, [3]],
      [12, 18, []],
    ]);
    const sum = summariseCoverage(seg);
    expect(sum.gaps.map((g) => [g.from, g.to])).toEqual([
      [4, 9],
      [12, 18],
    ]);
    expect(sum.coveredYears).toBe(5);
  });

  it('flags overlapping ranges', () => {
    const seg = coverageSegments([s(1, 9, 12), s(2, 10, 11)]);
    expect(summariseCoverage(seg).overlaps.map((o) => [o.from, o.to, o.servedBy.length])).toEqual([[10, 11, 2]]);
  });
});
