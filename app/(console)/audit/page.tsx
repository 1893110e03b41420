import type { Metadata } from 'next';
import { Suspense } from 'react';
import { OffsetPaging } from '@/components/offset-paging';
import { EmptyState, PageHeader } from '@/components/ui';
import { requirePagePermission } from '@/lib/auth/current';
import { getDb } from '@/lib/db';
import { fmtDate } from '@/lib/format-display';
import { listAuditActors, listAuditEvents } from '@/lib/registry/audit';
import { CardTable, TableHead } from '@/components/table';
import { ChainStatus, ChainStatusPending } from './_components/chain-status';

export const metadata: Metadata = { title: 'Audit' };

export default async function AuditPage({
  searchParams,
}: {
  searchParams: Promise<{ page?: string; action?: string; subjectType?: string; subjectId?: string; actorId?: string }>;
}) {
  const actor = await requirePagePermission('audit.read', '/audit');
  const sp = await searchParams;
  const db = await getDb();
  const [{ events, ...paging }, users] = await Promise.all([
    listAuditEvents(db, actor, {
      page: Number(sp.page) || 1,
      action: sp.action || undefined,
      subjectType: sp.subjectType || undefined,
      subjectId: sp.subjectId || undefined,
      actorId: sp.actorId || undefined,
    }),
    listAuditActors(db, actor),
  ]);
  const pageHref = (p: number) => `/audit?${new URLSearchParams({ ...sp, page: String(p) })}`;
  return (
    <>
      <PageHeader
        title="Audit"
        description="Every change, who made it and when. Newest first. Each event carries the hash of the one before it, so an edited or deleted row shows."
        actions={
          <span className="flex gap-3 text-sm">
            <a className="text-indigo-800 hover:underline" href={`/api/v1/audit?${exportQuery(sp, 'csv')}`}>
              Export CSV
            </a>
            <a className="text-indigo-800 hover:underline" href={`/api/v1/audit?${exportQuery(sp, 'jsonl')}`}>
              Export JSON lines
            </a>
          </span>
        }
      />
      <Suspense fallback={<ChainStatusPending />}>
        <ChainStatus actor={actor} />
      </Suspense>
      <form className="mb-4 flex flex-wrap items-end gap-3" role="search">
        <div>
          <label htmlFor="actorId" className="block text-xs font-medium text-slate-700">
            Actor
          </label>
          <select
            id="actorId"
            name="actorId"
            defaultValue={sp.actorId ?? ''}
            className="mt-1 rounded-md border border-slate-300 px-2 py-1.5 text-sm"
          >
            <option value="">Anyone</option>
            {users.map((u) => (
              <option key={u.id} value={u.id}>
                {u.name}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor="action" className="block text-xs font-medium text-slate-700">
            Action starts with
          </label>
          <input
            id="action"
            name="action"
            defaultValue={sp.action}
            placeholder="e.g. model."
            className="mt-1 rounded-md border border-slate-300 px-2 py-1.5 text-sm"
          />
        </div>
        <div>
          <label htmlFor="subjectType" className="block text-xs font-medium text-slate-700">
            Subject type
          </label>
          <input
            id="subjectType"
            name="subjectType"
            defaultValue={sp.subjectType}
            placeholder="e.g. training_job"
            className="mt-1 rounded-md border border-slate-300 px-2 py-1.5 text-sm"
          />
        </div>
        <div>
          <label htmlFor="subjectId" className="block text-xs font-medium text-slate-700">
            Subject id
          </label>
          <input
            id="subjectId"
            name="subjectId"
            defaultValue={sp.subjectId}
            className="mt-1 rounded-md border border-slate-300 px-2 py-1.5 text-sm"
          />
        </div>
        <button className="rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm hover:bg-slate-50">
          Filter
        </button>
      </form>
      {events.length === 0 ? (
        <EmptyState title="No audit events match" />
      ) : (
        <CardTable caption="Audit events">
          <TableHead columns={['When', 'Actor', 'Action', 'Subject', 'Change']} />
          <tbody className="divide-y divide-slate-100">
            {events.map((e) => (
              <tr key={e.id}>
                <td className="px-4 py-2 whitespace-nowrap" title={`event ${e.id}, hash ${e.hash ?? 'none'}`}>
                  {fmtDate(e.createdAt)}
                </td>
                <td className="px-4 py-2">{e.actorLabel}</td>
                <td className="px-4 py-2 font-mono text-xs">{e.action}</td>
                <td className="px-4 py-2 font-mono text-xs">
                  {e.subjectType} {e.subjectId}
                </td>
                <td className="max-w-md px-4 py-2">
                  {(e.before != null || e.after != null) && (
                    <details>
                      <summary className="cursor-pointer text-xs text-indigo-800">before / after</summary>
                      <pre className="mt-1 max-h-48 overflow-auto whitespace-pre-wrap break-all text-xs">
                        {JSON.stringify({ before: e.before, after: e.after }, null, 1)}
                      </pre>
                    </details>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </CardTable>
      )}
      <OffsetPaging {...paging} href={pageHref} noun={['event', 'events']} />
    </>
  );
}

/** The export link keeps the page's filters (the API's names for them). */
function exportQuery(
  sp: { action?: string; subjectType?: string; subjectId?: string; actorId?: string },
  format: 'csv' | 'jsonl',
): string {
  const q = new URLSearchParams({ format });
  if (sp.actorId) q.set('actor_id', sp.actorId);
  if (sp.action) q.set('action', sp.action);
  if (sp.subjectType) q.set('subject_type', sp.subjectType);
  if (sp.subjectId) q.set('subject_id', sp.subjectId);
  return q.toString();
}
