import type { Metadata } from 'next';
import Link from 'next/link';
import { RollbackButton, UndeployButton } from './_components/deployment-actions';
import { Badge, PageHeader } from '@/components/ui';
import { requirePageActor } from '@/lib/auth/current';
import { can } from '@/lib/auth/permissions';
import { getDb } from '@/lib/db';
import { fmtAgeRange, fmtDate, fmtNumber } from '@/lib/format-display';
import { AGE_AXIS_MAX, AGE_AXIS_MIN, coverageSegments, summariseCoverage } from '@/lib/registry/coverage';
import { ENVIRONMENTS, listDeployedModels } from '@/lib/registry/deploy';
import { TableHead, TableScroll } from '@/components/table';

export const metadata: Metadata = { title: 'Deployments' };

type Row = Awaited<ReturnType<typeof listDeployedModels>>[number];

export default async function DeploymentsPage() {
  const actor = await requirePageActor('/deployments');
  const rows = await listDeployedModels(await getDb(), actor, { includeInactive: true });
  const mayWrite = can(actor, 'deployments.write');
  return (
    <>
      <PageHeader
        title="Deployments"
        description="Which model serves each age range, per environment. At most one model is active per range: the database enforces it."
      />
      {ENVIRONMENTS.map((env) => (
        <EnvironmentSection key={env} env={env} rows={rows.filter((r) => r.environment === env)} mayWrite={mayWrite} />
      ))}
    </>
  );
}

function EnvironmentSection({ env, rows, mayWrite }: { env: string; rows: Row[]; mayWrite: boolean }) {
  const active = rows.filter((r) => r.isActive);
  const segments = coverageSegments(
    active.map((r) => ({ id: r.id, ageMin: r.ageMin, ageMax: r.ageMax, label: r.modelExport.modelId })),
  );
  const { gaps, overlaps, coveredYears } = summariseCoverage(segments);
  const span = AGE_AXIS_MAX - AGE_AXIS_MIN;
  const ranges = [
    ...new Map(rows.map((r) => [`${r.ageMin}-${r.ageMax}`, { ageMin: r.ageMin, ageMax: r.ageMax }])).values(),
  ];
  return (
    <section aria-labelledby={`env-${env}`} className="mb-8 rounded-lg border border-slate-200 bg-white p-5">
      <h2 id={`env-${env}`} className="text-lg font-semibold capitalize">
        {env}
      </h2>
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
            {gaps.length ? `; gaps: ${gaps.map((g) => `${g.from}–${g.to}`).join(', ')}` : ''}.
          </span>
        </figcaption>
      </figure>

      {ranges.length === 0 ? (
        <p className="mt-4 text-sm text-slate-600">Nothing has been deployed to {env} yet.</p>
      ) : (
        <div className="mt-6 space-y-6">
          {ranges.map(({ ageMin, ageMax }) => {
            const history = rows.filter((r) => r.ageMin === ageMin && r.ageMax === ageMax);
            const current = history.find((r) => r.isActive);
            const backup = current?.replacedId
              ? history.find((r) => r.id === current.replacedId && r.status === 'backup')
              : !current
                ? history.find((r) => r.status === 'backup')
                : undefined;
            return (
              <div key={`${ageMin}-${ageMax}`}>
                <div className="flex flex-wrap items-center justify-between gap-3">
                  <h3 className="font-medium">{fmtAgeRange(ageMin, ageMax)}</h3>
                  {mayWrite && (
                    <div className="flex flex-wrap gap-3">
                      <UndeployButton
                        deploymentId={current?.id ?? null}
                        modelId={current?.modelExport.modelId ?? null}
                      />
                      <RollbackButton
                        ageGroupMin={ageMin}
                        ageGroupMax={ageMax}
                        environment={env}
                        backupModelId={backup?.modelExport.modelId ?? null}
                      />
                    </div>
                  )}
                </div>
                <TableScroll label={`Deployment history, ${fmtAgeRange(ageMin, ageMax)}`} className="mt-2">
                  <table className="min-w-full text-sm">
                    <caption className="sr-only">
                      History of {fmtAgeRange(ageMin, ageMax)} in {env}
                    </caption>
                    <TableHead
                      columns={[
                        'Deployment',
                        'Status',
                        'Model',
                        { label: 'Threshold', numeric: true },
                        'Deployed',
                        'Replaced',
                      ]}
                      variant="inline"
                    />
                    <tbody>
                      {history.map((d) => (
                        <tr key={d.id} className="border-t border-slate-100">
                          <td className="py-1.5 pr-4 tabular-nums">{d.id}</td>
                          <td className="py-1.5 pr-4">
                            <Badge tone={d.isActive ? 'green' : d.status === 'backup' ? 'amber' : 'slate'}>
                              {d.status}
                            </Badge>
                            {d.breakGlassReason && <Badge tone="red">break-glass</Badge>}
                          </td>
                          <td className="py-1.5 pr-4 font-mono text-xs">
                            <Link className="text-indigo-800 hover:underline" href={`/models/${d.modelExport.modelId}`}>
                              {d.modelExport.modelId}
                            </Link>
                          </td>
                          <td className="py-1.5 pr-4 text-right tabular-nums">{fmtNumber(d.threshold)}</td>
                          <td className="py-1.5 pr-4 whitespace-nowrap">
                            {fmtDate(d.createdTimestamp)} · {d.deployedBy?.name ?? '—'}
                          </td>
                          <td className="py-1.5">{d.replacedId ? `deployment ${d.replacedId}` : '—'}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </TableScroll>
              </div>
            );
          })}
        </div>
      )}
    </section>
  );
}
