import type { Metadata } from 'next';
import Link from 'next/link';
import { RollbackButton, UndeployButton } from './_components/deployment-actions';
import { CoverageMap } from '@/components/coverage-map';
import { Badge, PageHeader } from '@/components/ui';
import { requirePageActor } from '@/lib/auth/current';
import { can } from '@/lib/auth/permissions';
import { getDb } from '@/lib/db';
import { fmtAgeRange, fmtDate, fmtNumber } from '@/lib/format-display';
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
  const ranges = [
    ...new Map(rows.map((r) => [`${r.ageMin}-${r.ageMax}`, { ageMin: r.ageMin, ageMax: r.ageMax }])).values(),
  ];
  return (
    <section aria-labelledby={`env-${env}`} className="mb-8 rounded-lg border border-slate-200 bg-white p-5">
      <h2 id={`env-${env}`} className="text-lg font-semibold capitalize">
        {env}
      </h2>
      <CoverageMap
        env={env}
        served={active.map((r) => ({ id: r.id, ageMin: r.ageMin, ageMax: r.ageMax, label: r.modelExport.modelId }))}
      />

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
