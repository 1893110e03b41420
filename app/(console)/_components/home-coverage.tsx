import Link from 'next/link';
import { HomeLink } from './home-link';
import { CoverageMap } from '@/components/coverage-map';
import { Panel } from '@/components/ui';
import { fmtAgeRange, fmtModelName } from '@/lib/format-display';
import type { HomeSituation } from '@/lib/registry/home';

type Row = HomeSituation['coverage']['production'][number];

/** What serves each age range in production and staging, gaps and overlaps marked. */
export function HomeCoverage({ coverage }: { coverage: HomeSituation['coverage'] }) {
  return (
    <Panel id="home-coverage" title="What serves each age group">
      {(['production', 'staging'] as const).map((env) => (
        <EnvironmentCoverage key={env} env={env} rows={coverage[env]} />
      ))}
      <HomeLink href="/deployments">Deployment history, undeploy and roll back</HomeLink>
    </Panel>
  );
}

function EnvironmentCoverage({ env, rows }: { env: string; rows: Row[] }) {
  return (
    <section aria-labelledby={`home-${env}`} className="mt-4">
      <h3 id={`home-${env}`} className="text-sm font-semibold capitalize">
        {env}
      </h3>
      <CoverageMap
        env={env}
        served={rows.map((r) => ({ id: r.id, ageMin: r.ageMin, ageMax: r.ageMax, label: fmtModelName(r.modelExport) }))}
      />
      {rows.length === 0 ? (
        <p className="mt-2 text-sm text-slate-600">
          Nothing serves {env} yet: an approved deployment request is deployed from its page under Reviews.
        </p>
      ) : (
        <ul aria-label={`Active in ${env}`} className="mt-2 space-y-1 text-sm">
          {rows.map((r) => (
            <li key={r.id} className="flex flex-wrap items-baseline gap-x-2">
              <span className="w-24 shrink-0 tabular-nums text-slate-700">{fmtAgeRange(r.ageMin, r.ageMax)}</span>
              <Link
                href={`/models/${encodeURIComponent(r.modelExport.modelId)}`}
                className="text-indigo-800 hover:underline"
              >
                {fmtModelName(r.modelExport)}
              </Link>
              <span className="font-mono text-xs break-all text-slate-600">{r.modelExport.modelId}</span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
