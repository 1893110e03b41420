import type { Metadata } from 'next';
import { Badge, EmptyState, PageHeader } from '@/components/ui';
import { requirePageActor } from '@/lib/auth/current';
import { getDb } from '@/lib/db';
import { fmtAgeRange, fmtDate } from '@/lib/format-display';
import { listDeploymentRequests } from '@/lib/registry/listings';

export const metadata: Metadata = { title: 'Reviews' };

export default async function ReviewsPage() {
  const actor = await requirePageActor('/reviews');
  const requests = await listDeploymentRequests(await getDb(), actor);
  return (
    <>
      <PageHeader title="Reviews" description="Deployment requests and their reviews. A deployment is a reviewed decision, bound to the exact bytes that were reviewed." />
      {requests.length === 0 ? (
        <EmptyState title="No deployment requests">Requests to deploy an export open from its model page and wait here for review.</EmptyState>
      ) : (
        <ul className="divide-y divide-slate-100 rounded-lg border border-slate-200 bg-white">
          {requests.map((r) => (
            <li key={r.id} className="flex flex-wrap items-center justify-between gap-2 px-4 py-3 text-sm">
              <span>
                <span className="font-mono text-xs">{r.modelExport.modelId}</span> → {r.environment}, {fmtAgeRange(r.ageGroupMin, r.ageGroupMax)}
              </span>
              <span className="flex items-center gap-3 text-slate-600">
                {r.requester.name} · {fmtDate(r.createdAt)} · {r._count.reviews} reviews <Badge>{r.state}</Badge>
              </span>
            </li>
          ))}
        </ul>
      )}
    </>
  );
}
