import type { Metadata } from 'next';
import { EmptyState, Forbidden, PageHeader, Pagination } from '@/components/ui';
import { requirePageActor } from '@/lib/auth/current';
import { can } from '@/lib/auth/permissions';
import { getDb } from '@/lib/db';
import { fmtDate } from '@/lib/format-display';
import { listAuditEvents } from '@/lib/registry/audit';

export const metadata: Metadata = { title: 'Audit' };

export default async function AuditPage({ searchParams }: { searchParams: Promise<{ page?: string; action?: string; subjectType?: string }> }) {
  const actor = await requirePageActor('/audit');
  if (!can(actor, 'audit.read')) return <Forbidden what="the audit log" />;
  const sp = await searchParams;
  const { events, total, page, pageSize } = await listAuditEvents(await getDb(), actor, {
    page: Number(sp.page) || 1,
    action: sp.action || undefined,
    subjectType: sp.subjectType || undefined,
  });
  return (
    <>
      <PageHeader title="Audit" description="Every change, who made it and when. Newest first." />
      <form className="mb-4 flex flex-wrap items-end gap-3" role="search">
        <div>
          <label htmlFor="action" className="block text-xs font-medium text-slate-700">Action starts with</label>
          <input id="action" name="action" defaultValue={sp.action} placeholder="e.g. model." className="mt-1 rounded-md border border-slate-300 px-2 py-1.5 text-sm" />
        </div>
        <div>
          <label htmlFor="subjectType" className="block text-xs font-medium text-slate-700">Subject type</label>
          <input id="subjectType" name="subjectType" defaultValue={sp.subjectType} placeholder="e.g. training_job" className="mt-1 rounded-md border border-slate-300 px-2 py-1.5 text-sm" />
        </div>
        <button className="rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm hover:bg-slate-50">Filter</button>
      </form>
      {events.length === 0 ? (
        <EmptyState title="No audit events match" />
      ) : (
        <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white">
          <table className="min-w-full divide-y divide-slate-200 text-sm">
            <caption className="sr-only">Audit events</caption>
            <thead className="bg-slate-50 text-left text-xs uppercase tracking-wide text-slate-600">
              <tr>
                <th scope="col" className="px-4 py-2">When</th>
                <th scope="col" className="px-4 py-2">Actor</th>
                <th scope="col" className="px-4 py-2">Action</th>
                <th scope="col" className="px-4 py-2">Subject</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {events.map((e) => (
                <tr key={e.id}>
                  <td className="px-4 py-2 whitespace-nowrap">{fmtDate(e.createdAt)}</td>
                  <td className="px-4 py-2">{e.actorLabel}</td>
                  <td className="px-4 py-2 font-mono text-xs">{e.action}</td>
                  <td className="px-4 py-2 font-mono text-xs">{e.subjectType} {e.subjectId}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pagination page={page} pageSize={pageSize} total={total} href={(p) => `/audit?${new URLSearchParams({ ...sp, page: String(p) })}`} />
    </>
  );
}
