import { AGE_AXIS_MAX, AGE_AXIS_MIN, coverageSegments, summariseCoverage, type Served } from '@/lib/registry/coverage';

/**
 * The age axis (2–18 years) of one environment: each stretch served by one model, by several
 * (overlap) or by none (gap), with a legend and a sentence a screen reader gets whole. Used by the
 * home page and the deployments page.
 */
export function CoverageMap({ env, served }: { env: string; served: Served[] }) {
  const segments = coverageSegments(served);
  const { gaps, overlaps, coveredYears } = summariseCoverage(segments);
  const span = AGE_AXIS_MAX - AGE_AXIS_MIN;
  return (
    <figure className="mt-3">
      <div
        className="relative h-10 w-full overflow-hidden rounded border border-slate-300"
        role="img"
        aria-label={`${env} coverage of ages ${AGE_AXIS_MIN} to ${AGE_AXIS_MAX}: ${coveredYears} of ${span} years covered, ${gaps.length} gap(s), ${overlaps.length} overlap(s)`}
      >
        {segments.map((s) => (
          <div
            key={`${s.from}-${s.to}`}
            className={`absolute inset-y-0 border-r border-white text-[10px] leading-10 ${
              s.servedBy.length === 0
                ? 'bg-[repeating-linear-gradient(45deg,#fee2e2,#fee2e2_4px,#fff_4px,#fff_8px)] text-red-900'
                : s.servedBy.length > 1
                  ? 'bg-amber-300 text-amber-950'
                  : 'bg-emerald-700 text-white'
            }`}
            style={{
              left: `${((s.from - AGE_AXIS_MIN) / span) * 100}%`,
              width: `${((s.to - s.from) / span) * 100}%`,
            }}
            title={`${s.from}–${s.to} years: ${s.servedBy.map((b) => b.label).join(', ') || 'no model'}`}
          >
            <span className="block truncate px-1 text-center">
              {s.servedBy.length === 0 ? 'gap' : s.servedBy.length > 1 ? 'overlap' : `${s.from}–${s.to}`}
            </span>
          </div>
        ))}
      </div>
      <div className="relative mt-1 h-4 text-[11px] text-slate-600" aria-hidden="true">
        {Array.from({ length: span / 2 + 1 }, (_, i) => AGE_AXIS_MIN + 2 * i).map((age) => (
          <span
            key={age}
            className="absolute -translate-x-1/2"
            style={{ left: `${((age - AGE_AXIS_MIN) / span) * 100}%` }}
          >
            {age}
          </span>
        ))}
      </div>
      <figcaption className="mt-3 flex flex-wrap gap-4 text-xs text-slate-700">
        <span className="inline-flex items-center gap-1">
          <span className="h-3 w-3 rounded-sm bg-emerald-700" aria-hidden="true" /> served by one model
        </span>
        <span className="inline-flex items-center gap-1">
          <span className="h-3 w-3 rounded-sm bg-amber-300" aria-hidden="true" /> overlap
        </span>
        <span className="inline-flex items-center gap-1">
          <span className="h-3 w-3 rounded-sm border border-red-300 bg-red-100" aria-hidden="true" /> gap (no model)
        </span>
        <span>
          Age in years. {coveredYears} of {span} years covered
          {gaps.length ? `; gaps: ${gaps.map((g) => `${g.from}–${g.to}`).join(', ')}` : ''}
          {overlaps.length ? `; overlaps: ${overlaps.map((o) => `${o.from}–${o.to}`).join(', ')}` : ''}.
        </span>
      </figcaption>
    </figure>
  );
}
