import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { CardTable, TableHead } from '@/components/table';
import { OffsetPaging } from '@/components/offset-paging';
import { Badge, EmptyState, PageHeader } from '@/components/ui';
import { RedeliverButton, WebhookTestButton } from '../_components/webhook-actions';
import { requirePagePermission } from '@/lib/auth/current';
import { getDb } from '@/lib/db';
import { fmtDate } from '@/lib/format-display';
import { EVENT_LABELS } from '@/lib/registry/events';
import { MAX_ATTEMPTS, type DeliveryStatus } from '@/lib/registry/webhook-dispatch';
import { getWebhook, listWebhookDeliveries } from '@/lib/registry/webhooks';

export const metadata: Metadata = { title: 'Webhook deliveries' };

const STATUSES: DeliveryStatus[] = ['pending', 'delivered', 'failed'];
const tone = { pending: 'amber', delivered: 'green', failed: 'red' } as const;

export default async function WebhookDeliveriesPage({
  params,
  searchParams,
}: {
  params: Promise<{ webhookId: string }>;
  searchParams: Promise<{ page?: string; status?: string }>;
}) {
  const [{ webhookId }, sp] = await Promise.all([params, searchParams]);
  const actor = await requirePagePermission('webhooks.manage', `/settings/webhooks/${webhookId}`);
  const db = await getDb();
  const hook = await getWebhook(db, actor, webhookId).catch(() => null);
  if (!hook) notFound();
  const status = STATUSES.find((s) => s === sp.status);
  const { deliveries, ...paging } = await listWebhookDeliveries(db, actor, webhookId, {
    page: Number(sp.page) || 1,
    status,
  });
  const href = (p: { page?: number; status?: string }) => {
    const q = new URLSearchParams();
    if (p.status) q.set('status', p.status);
    if (p.page && p.page > 1) q.set('page', String(p.page));
    const s = q.toString();
    return `/settings/webhooks/${webhookId}${s ? `?${s}` : ''}`;
  };
  return (
    <>
      <p className="mb-2 text-sm">
        <Link href="/settings/webhooks" className="text-indigo-800 hover:underline">
          ← Webhooks
        </Link>
      </p>
      <PageHeader
        title="Delivery log"
        description={`${hook.url} · ${hook.environment} · ${hook.active ? 'enabled' : 'disabled (queued deliveries wait)'}. Newest first; a delivery is retried up to ${MAX_ATTEMPTS} attempts, then marked failed.`}
        actions={<WebhookTestButton id={hook.id} />}
      />
      <nav aria-label="Filter by status" className="mb-4 flex flex-wrap gap-2 text-sm">
        {[undefined, ...STATUSES].map((s) => (
          <Link
            key={s ?? 'all'}
            href={href({ status: s })}
            aria-current={s === status ? 'page' : undefined}
            className={`rounded-md border px-3 py-1 ${s === status ? 'border-indigo-300 bg-indigo-50 text-indigo-900' : 'border-slate-300 bg-white hover:bg-slate-50'}`}
          >
            {s ?? 'All'}
          </Link>
        ))}
      </nav>
      {deliveries.length === 0 ? (
        <EmptyState title={status ? `No ${status} deliveries` : 'No deliveries yet'}>
          Events this webhook subscribes to appear here once they happen; “Send test event” sends one now.
        </EmptyState>
      ) : (
        <CardTable caption={`Deliveries to ${hook.url}`}>
          <TableHead
            columns={[
              'Event',
              'Status',
              { label: 'Attempts', numeric: true },
              'Last answer',
              'Queued',
              'Delivered / next attempt',
              '',
            ]}
          />
          <tbody className="divide-y divide-slate-100 align-top">
            {deliveries.map((d) => (
              <tr key={d.id}>
                <td className="px-4 py-2">
                  <div>{EVENT_LABELS[d.event] ?? d.event}</div>
                  <code className="text-xs text-slate-500" title="X-Drawbridge-Delivery">
                    {d.id}
                  </code>
                  <details className="mt-1">
                    <summary className="cursor-pointer text-xs text-slate-600">Body</summary>
                    <pre className="mt-1 max-w-md overflow-x-auto rounded bg-slate-50 p-2 text-xs">
                      {JSON.stringify(d.payload, null, 2)}
                    </pre>
                  </details>
                </td>
                <td className="px-4 py-2">
                  <Badge tone={tone[d.status as DeliveryStatus] ?? 'slate'}>{d.status}</Badge>
                </td>
                <td className="px-4 py-2 text-right tabular-nums">
                  {d.attempts} / {MAX_ATTEMPTS}
                </td>
                <td className="px-4 py-2">
                  {d.lastStatusCode !== null && <div className="tabular-nums">HTTP {d.lastStatusCode}</div>}
                  {d.lastErrorCode && <code className="text-xs text-red-900">{d.lastErrorCode}</code>}
                  {/* Our own description of the failure: the receiver's response body is never kept. */}
                  {d.lastError && <div className="max-w-xs break-words text-xs text-red-800">{d.lastError}</div>}
                  {d.lastDurationMs !== null && (
                    <div className="text-xs tabular-nums text-slate-500">{d.lastDurationMs} ms</div>
                  )}
                  {d.lastStatusCode === null && !d.lastError && <span className="text-slate-500">—</span>}
                </td>
                <td className="whitespace-nowrap px-4 py-2">{fmtDate(d.createdAt)}</td>
                <td className="whitespace-nowrap px-4 py-2">
                  {d.status === 'delivered'
                    ? fmtDate(d.deliveredAt)
                    : d.status === 'pending'
                      ? `next ${fmtDate(d.nextAttemptAt)}`
                      : '—'}
                </td>
                <td className="px-4 py-2">
                  {d.status === 'failed' && <RedeliverButton deliveryId={d.id} webhookId={hook.id} />}
                </td>
              </tr>
            ))}
          </tbody>
        </CardTable>
      )}
      <OffsetPaging {...paging} href={(p) => href({ page: p, status })} noun={['delivery', 'deliveries']} />
    </>
  );
}
