import 'server-only';
/**
 * Coverage of the age axis (2–18 years) by active deployments: which model serves each stretch,
 * where nothing does (gaps) and where several do (overlaps). Pure, for the deployments page.
 */
export const AGE_AXIS_MIN = 2;
export const AGE_AXIS_MAX = 18;

export type Served = { id: number; ageMin: number; ageMax: number; label: string };
export type Segment = { from: number; to: number; servedBy: Served[] };

export function coverageSegments(active: Served[], min = AGE_AXIS_MIN, max = AGE_AXIS_MAX): Segment[] {
  const cuts = new Set<number>([min, max]);
  for (const a of active) {
    cuts.add(Math.min(Math.max(a.ageMin, min), max));
    cuts.add(Math.min(Math.max(a.ageMax, min), max));
  }
  const points = [...cuts].sort((x, y) => x - y);
  const segments: Segment[] = [];
  for (let i = 0; i < points.length - 1; i++) {
    const from = points[i];
    const to = points[i + 1];
    const servedBy = active.filter((a) => a.ageMin <= from && a.ageMax >= to);
    const last = segments.at(-1);
    // Merge neighbours served by exactly the same deployments.
    if (last && last.servedBy.map((s) => s.id).join() === servedBy.map((s) => s.id).join()) last.to = to;
    else segments.push({ from, to, servedBy });
  }
  return segments;
}

export function summariseCoverage(segments: Segment[]) {
  const gaps = segments.filter((s) => s.servedBy.length === 0);
  const overlaps = segments.filter((s) => s.servedBy.length > 1);
  const covered = segments.filter((s) => s.servedBy.length > 0).reduce((n, s) => n + (s.to - s.from), 0);
  return { gaps, overlaps, coveredYears: covered };
}
