import type { Metadata } from 'next';
import Link from 'next/link';
import { ApprovalCount, RequestStateBadge } from '@/components/review-ui';
import { CardTable, TableHead } from '@/components/table';
import { Badge, EmptyState, PageHeader } from '@/components/ui';
import { requirePageActor } from '@/lib/auth/current';
import { can } from '@/lib/auth/permissions';
import { getDb } from '@/lib/db';
import { fmtAgeRange, fmtDate } from '@/lib/format-display';
import { ENVIRONMENTS } from '@/lib/registry/deploy';
import { listDeploymentRequests, type RequestListFilter } from '@/lib/registry/listings';
import { REQUEST_STATES, type RequestState } from '@/lib/registry/review-state';

export const metadata: Metadata = { title: 'Reviews' };

type Search = Record<string, string | undefined>;

export default async function ReviewsPage({ searchParams }: { searchParams: Promise<Search> }) {
  const actor = await requirePageActor('/reviews');
  const sp = await searchParams;
  // Unknown values are dropped, not errors: URLs get hand-edited.
  const filter: RequestListFilter = {
    state: (REQUEST_STATES as readonly string[]).includes(sp.state ?? '') ? (sp.state as RequestState) : undefined,
    environment: (ENVIRONMENTS as readonly string[]).includes(sp.environment ?? '') ? sp.environment : undefined,
    view: sp.view === 'mine' || sp.view === 'awaiting' ? sp.view : 'all',
  };
  const requests = await listDeploymentRequests(await getDb(), actor, filter);
  const filtered = !!(filter.state || filter.environment || filter.view !== 'all');
  return (
    <>
      <PageHeader
        title="Reviews"
        description="Deployment requests and their reviews, open ones first. A deployment is a reviewed decision, bound to the exact bytes that were reviewed; approvals lapse when the bytes or the latest validation change."
        actions={
          can(actor, 'policy.manage') ? (
            <Link className="text-sm text-indigo-800 underline" href="/settings/policy">
              Review policy
            </Link>
          ) : undefined
        }
      />
      <form className="mb-4 flex flex-wrap items-end gap-3" role="search" aria-label="Filter requests">
        <Filter id="view" label="Show">
          <select
            id="view"
            name="view"
            defaultValue={filter.view}
            className="rounded-md border border-slate-300 px-2 py-1.5 text-sm"
          >
            <option value="all">All requests</option>
            <option value="mine">My requests</option>
            {can(actor, 'reviews.write') && <option value="awaiting">Awaiting my review</option>}
          </select>
        </Filter>
        <Filter id="state" label="State">
          <select
            id="state"
            name="state"
            defaultValue={filter.state ?? ''}
            className="rounded-md border border-slate-300 px-2 py-1.5 text-sm"
          >
            <option value="">Any</option>
            {REQUEST_STATES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </Filter>
        <Filter id="environment" label="Environment">
          <select
            id="environment"
            name="environment"
            defaultValue={filter.environment ?? ''}
            className="rounded-md border border-slate-300 px-2 py-1.5 text-sm"
          >
            <option value="">Any</option>
            {ENVIRONMENTS.map((e) => (
              <option key={e} value={e}>
                {e}
              </option>
            ))}
          </select>
        </Filter>
        <button className="rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm hover:bg-slate-50">
          Apply
        </button>
        {filtered && (
          <Link href="/reviews" className="px-2 py-1.5 text-sm text-indigo-800 underline">
            Clear filters
          </Link>
        )}
      </form>
      {requests.length === 0 ? (
        filtered ? (
          <EmptyState title="No requests match these filters">
            <Link className="text-indigo-800 underline" href="/reviews">
              Clear the filters
            </Link>{' '}
            to see every request.
          </EmptyState>
        ) : (
          <EmptyState title="No deployment requests">
            Open a model’s page and choose “Request deployment”: the request waits here for review.
          </EmptyState>
        )
      ) : (
        <CardTable caption="Deployment requests">
          <TableHead columns={['Request', 'Age group', 'Environment', 'Requester', 'Approvals', 'State', 'Opened']} />
          <tbody className="divide-y divide-slate-100">
            {requests.map((r) => (
              <tr key={r.id} className="hover:bg-slate-50">
                <td className="px-4 py-2">
                  <Link href={`/reviews/${r.id}`} className="font-mono text-xs text-indigo-800 hover:underline">
                    {r.modelId}
                  </Link>
                  {r.awaitingMe && (
                    <span className="ml-2">
                      <Badge tone="amber">awaiting your review</Badge>
                    </span>
                  )}
                  {r.comments > 0 && (
                    <span className="ml-2 text-xs text-slate-600">
                      {r.comments} comment{r.comments === 1 ? '' : 's'}
                    </span>
                  )}
                </td>
                <td className="px-4 py-2 whitespace-nowrap">{fmtAgeRange(r.ageGroupMin, r.ageGroupMax)}</td>
                <td className="px-4 py-2">{r.environment}</td>
                <td className="px-4 py-2">{r.requester.name}</td>
                <td className="px-4 py-2 whitespace-nowrap">
                  {r.state === 'open' || r.state === 'approved' ? (
                    <ApprovalCount approvals={r.approvals} required={r.required} lapsed={r.lapsed} />
                  ) : (
                    <span className="text-slate-500">
                      {r.reviews} review{r.reviews === 1 ? '' : 's'}
                    </span>
                  )}
                </td>
                <td className="px-4 py-2">
                  <RequestStateBadge state={r.state} />
                </td>
                <td className="px-4 py-2 whitespace-nowrap">{fmtDate(r.createdAt)}</td>
              </tr>
            ))}
          </tbody>
        </CardTable>
      )}
    </>
  );
}

function Filter({ id, label, children }: { id: string; label: string; children: React.ReactNode }) {
  return (
    <div>
      <label htmlFor={id} className="block text-xs font-medium text-slate-700">
        {label}
      </label>
      <div className="mt-1">{children}</div>
    </div>
  );
}
