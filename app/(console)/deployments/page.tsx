import type { Metadata } from 'next';
import { Badge, EmptyState, PageHeader } from '@/components/ui';
import { requirePageActor } from '@/lib/auth/current';
import { getDb } from '@/lib/db';
import { fmtAgeRange, fmtDate, fmtNumber } from '@/lib/format-display';
import { listDeployedModels } from '@/lib/registry/deploy';

export const metadata: Metadata = { title: 'Deployments' };

export default async function DeploymentsPage() {
  const actor = await requirePageActor('/deployments');
  const rows = await listDeployedModels(await getDb(), actor);
  return (
    <>
      <PageHeader title="Deployments" description="The active model of each age range, per environment. At most one is active per range: the database enforces it." />
      {rows.length === 0 ? (
        <EmptyState title="No model is deployed yet">
          Every age range from 2 to 18 years is uncovered. Deploy an approved, validated export to serve an age range.
        </EmptyState>
      ) : (
        <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white">
          <table className="min-w-full divide-y divide-slate-200 text-sm">
            <caption className="sr-only">Active deployments</caption>
            <thead className="bg-slate-50 text-left text-xs uppercase tracking-wide text-slate-600">
              <tr>
                <th scope="col" className="px-4 py-2">Environment</th>
                <th scope="col" className="px-4 py-2">Age range</th>
                <th scope="col" className="px-4 py-2">Model</th>
                <th scope="col" className="px-4 py-2 text-right">Threshold</th>
                <th scope="col" className="px-4 py-2 text-right">Samples</th>
                <th scope="col" className="px-4 py-2">Deployed</th>
                <th scope="col" className="px-4 py-2">By</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {rows.map((d) => (
                <tr key={d.id}>
                  <td className="px-4 py-2"><Badge tone="indigo">{d.environment}</Badge></td>
                  <td className="px-4 py-2">{fmtAgeRange(d.ageMin, d.ageMax)}</td>
                  <td className="px-4 py-2 font-mono text-xs">{d.modelExport.modelId}</td>
                  <td className="px-4 py-2 text-right tabular-nums">{fmtNumber(d.threshold)}</td>
                  <td className="px-4 py-2 text-right tabular-nums">{d.sampleCount}</td>
                  <td className="px-4 py-2">{fmtDate(d.createdTimestamp)}</td>
                  <td className="px-4 py-2">{d.deployedBy?.name ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
