import type { Metadata } from 'next';
import Link from 'next/link';
import { Badge, EmptyState, PageHeader } from '@/components/ui';
import {
  WebhookDeleteButton,
  WebhookEventsForm,
  WebhookRotateButton,
  WebhookTestButton,
  WebhookToggleButton,
} from './_components/webhook-actions';
import { WebhookCreateForm } from './_components/webhook-create-form';
import { requirePagePermission } from '@/lib/auth/current';
import { getDb } from '@/lib/db';
import { fmtDate } from '@/lib/format-display';
import { ENVIRONMENTS } from '@/lib/registry/deploy';
import { EVENT_LABELS } from '@/lib/registry/events';
import { listWebhooks } from '@/lib/registry/webhooks';

export const metadata: Metadata = { title: 'Webhooks' };

export default async function WebhooksPage() {
  const actor = await requirePagePermission('webhooks.manage', '/settings/webhooks');
  const hooks = await listWebhooks(await getDb(), actor);
  return (
    <>
      <PageHeader
        title="Webhooks"
        description="Tell other systems when deployment requests are opened, approved or rejected and when models are deployed, undeployed or rolled back, per environment. Each delivery is a signed JSON POST (X-Drawbridge-Signature: HMAC-SHA256 of the timestamp and body), retried with backoff for about seven hours."
      />
      <section aria-labelledby="new-webhook" className="rounded-lg border border-slate-200 bg-white p-5">
        <h2 id="new-webhook" className="mb-3 text-base font-medium">
          New webhook
        </h2>
        <WebhookCreateForm environments={ENVIRONMENTS} />
      </section>

      {hooks.length === 0 ? (
        <div className="mt-6">
          <EmptyState title="No webhooks yet">
            Create one above; its secret is shown once, right after creation.
          </EmptyState>
        </div>
      ) : (
        ENVIRONMENTS.map((env) => {
          const here = hooks.filter((h) => h.environment === env);
          if (!here.length) return null;
          return (
            <section key={env} aria-labelledby={`env-${env}`} className="mt-8">
              <h2 id={`env-${env}`} className="mb-3 text-lg font-semibold capitalize">
                {env}
              </h2>
              <ul className="grid gap-4">
                {here.map((h) => (
                  <li
                    key={h.id}
                    className="rounded-lg border border-slate-200 bg-white p-5"
                    aria-labelledby={`hook-${h.id}`}
                  >
                    <div className="flex flex-wrap items-start justify-between gap-3">
                      <div className="min-w-0">
                        <h3 id={`hook-${h.id}`} className="break-all font-mono text-sm font-medium">
                          {h.url}
                        </h3>
                        <p className="mt-1 text-xs text-slate-600">
                          created {fmtDate(h.createdAt)}
                          {h.createdBy ? ` by ${h.createdBy.name}` : ''} ·{' '}
                          {h.events.map((e) => EVENT_LABELS[e] ?? e).join(', ')}
                        </p>
                      </div>
                      <div className="flex flex-wrap items-center gap-2">
                        {h.active ? <Badge tone="green">enabled</Badge> : <Badge tone="slate">disabled</Badge>}
                        <Link
                          href={`/settings/webhooks/${h.id}`}
                          className="text-sm text-indigo-800 underline-offset-2 hover:underline"
                        >
                          Delivery log: {h.deliveries.delivered} delivered · {h.deliveries.pending} pending ·{' '}
                          {h.deliveries.failed} failed
                        </Link>
                        {h.deliveries.failed > 0 && <Badge tone="red">{h.deliveries.failed} failed</Badge>}
                      </div>
                    </div>
                    <details className="mt-4">
                      <summary className="cursor-pointer text-sm text-slate-700">Events</summary>
                      <div className="mt-2">
                        <WebhookEventsForm id={h.id} events={h.events} />
                      </div>
                    </details>
                    <div className="mt-4 flex flex-wrap items-start gap-3 border-t border-slate-100 pt-4">
                      <WebhookTestButton id={h.id} />
                      <WebhookToggleButton id={h.id} active={h.active} />
                      <WebhookRotateButton id={h.id} />
                      <WebhookDeleteButton id={h.id} url={h.url} />
                    </div>
                  </li>
                ))}
              </ul>
            </section>
          );
        })
      )}
    </>
  );
}
