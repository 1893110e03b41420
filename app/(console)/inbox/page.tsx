import type { Metadata } from 'next';
import Link from 'next/link';
import { InboxMarkAllReadButton, InboxMarkReadButton } from './_components/inbox-actions';
import { OffsetPaging } from '@/components/offset-paging';
import { Badge, EmptyState, PageHeader } from '@/components/ui';
import { requirePageActor } from '@/lib/auth/current';
import { getDb } from '@/lib/db';
import { fmtAgeRange, fmtDate } from '@/lib/format-display';
import { EVENT_LABELS } from '@/lib/registry/events';
import { fmtCappedTotal } from '@/lib/registry/listings-count';
import { listNotifications, notificationHref, type InboxView } from '@/lib/registry/notifications';

export const metadata: Metadata = { title: 'Inbox' };

const tone = (kind: string) =>
  kind === 'request.opened' || kind === 'comment.mention'
    ? 'indigo'
    : kind === 'request.approved' || kind === 'model.deployed'
      ? 'green'
      : kind === 'request.rejected' || kind === 'request.failed'
        ? 'red'
        : kind === 'request.changes_requested' || kind === 'request.lapsed'
          ? 'amber'
          : 'slate';

export default async function InboxPage({
  searchParams,
}: {
  searchParams: Promise<{ page?: string; unread?: string; show?: string }>;
}) {
  const actor = await requirePageActor('/inbox');
  const sp = await searchParams;
  // Unknown values fall back to everything: URLs get hand-edited.
  const view: InboxView = sp.show === 'todo' ? 'todo' : sp.unread === '1' || sp.show === 'unread' ? 'unread' : 'all';
  const { notifications, unread, unreadExact, todo, todoExact, ...paging } = await listNotifications(
    await getDb(),
    actor,
    { view, page: Number(sp.page) || 1 },
  );
  const href = (p: { page?: number; view?: InboxView }) => {
    const q = new URLSearchParams();
    if (p.view === 'unread') q.set('unread', '1');
    if (p.view === 'todo') q.set('show', 'todo');
    if (p.page && p.page > 1) q.set('page', String(p.page));
    const s = q.toString();
    return `/inbox${s ? `?${s}` : ''}`;
  };
  return (
    <>
      <PageHeader
        title="Inbox"
        description="Deployment requests awaiting your review, what happened to your own requests, and mentions. Newest first. “To do” holds what still needs you: an item leaves it when you act (review, deploy, reply), read or not."
        actions={<InboxMarkAllReadButton unread={unread} />}
      />
      <nav aria-label="Filter" className="mb-4 flex gap-2 text-sm">
        {[
          // Counted up to a cap: "To do (1,000+)" past it.
          {
            label: `To do (${fmtCappedTotal({ total: todo, totalExact: todoExact })})`,
            on: view === 'todo',
            to: href({ view: 'todo' }),
          },
          {
            label: `Unread (${fmtCappedTotal({ total: unread, totalExact: unreadExact })})`,
            on: view === 'unread',
            to: href({ view: 'unread' }),
          },
          { label: 'All', on: view === 'all', to: href({}) },
        ].map((t) => (
          <Link
            key={t.label}
            href={t.to}
            aria-current={t.on ? 'page' : undefined}
            className={`rounded-md border px-3 py-1 ${t.on ? 'border-indigo-300 bg-indigo-50 text-indigo-900' : 'border-slate-300 bg-white hover:bg-slate-50'}`}
          >
            {t.label}
          </Link>
        ))}
      </nav>
      {notifications.length === 0 ? (
        <EmptyState
          title={view === 'todo' ? 'Nothing to do' : view === 'unread' ? 'Nothing unread' : 'Your inbox is empty'}
        >
          You hear here when someone asks you to review a deployment, when your requests are approved, rejected or
          deployed, and when a teammate mentions you.
        </EmptyState>
      ) : (
        <ul
          className="divide-y divide-slate-100 rounded-lg border border-slate-200 bg-white"
          aria-label="Notifications"
        >
          {notifications.map((n) => {
            const to = notificationHref(n);
            const isUnread = !n.readAt;
            const handled = !!n.handledAt;
            return (
              <li
                key={n.id}
                className={`flex flex-wrap items-start justify-between gap-3 px-4 py-3 ${isUnread ? 'border-l-4 border-l-indigo-600 bg-indigo-50/60' : ''}`}
                data-unread={isUnread || undefined}
                data-handled={handled || undefined}
              >
                <div className="min-w-0 flex-1">
                  <div className="flex flex-wrap items-center gap-2">
                    <Badge tone={tone(n.kind)}>{EVENT_LABELS[n.kind] ?? n.kind}</Badge>
                    {isUnread && (
                      <span className="text-xs font-semibold uppercase tracking-wide text-indigo-800">Unread</span>
                    )}
                    {handled && <Badge tone="slate">Handled</Badge>}
                    <time dateTime={n.createdAt.toISOString()} className="text-xs text-slate-600">
                      {fmtDate(n.createdAt)}
                    </time>
                  </div>
                  <p className={`mt-1 text-sm ${isUnread ? 'font-medium text-slate-900' : 'text-slate-700'}`}>
                    {to ? (
                      <Link href={to} className="hover:underline">
                        {n.message}
                      </Link>
                    ) : (
                      n.message
                    )}
                  </p>
                  {n.request && (
                    <p className="mt-0.5 text-xs text-slate-600">
                      {n.request.modelExport.modelId} · {n.request.environment} ·{' '}
                      {fmtAgeRange(n.request.ageGroupMin, n.request.ageGroupMax)} · request {n.request.state}
                    </p>
                  )}
                </div>
                <div className="flex items-center gap-2">
                  {to && (
                    <Link
                      href={to}
                      className="rounded border border-slate-300 bg-white px-2 py-1 text-xs hover:bg-slate-50"
                    >
                      {n.requestId && to.startsWith('/reviews/') ? 'Open request' : 'Open'}
                    </Link>
                  )}
                  {isUnread && <InboxMarkReadButton id={n.id} subject={n.message} />}
                </div>
              </li>
            );
          })}
        </ul>
      )}
      <OffsetPaging {...paging} href={(p) => href({ page: p, view })} noun={['item', 'items']} />
    </>
  );
}
