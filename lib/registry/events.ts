import 'server-only';
import type { Actor } from '../auth/permissions';
import type { Tx } from './audit';
import type { Prisma } from '../db/generated/client';
import { WEBHOOK_EVENTS, type WebhookEvent } from '../event-names';

/**
 * Workflow events: the one place a state change fans out to people (inbox notifications) and to
 * systems (webhook deliveries, written to an outbox in the caller's transaction and sent after
 * commit). Contract shared by the review workflow, deployments and the webhook dispatcher.
 *
 * Because both writes join the caller's transaction, an event exists exactly when the change it
 * reports committed: a rolled-back deploy notifies nobody and sends nothing. After the commit,
 * call `kickDispatcher()` (lib/registry/webhooks) to send soon; the dispatcher's interval loop
 * picks up anything left within seconds either way.
 */
export { EVENT_LABELS, WEBHOOK_EVENTS, WEBHOOK_TEST_EVENT, type WebhookEvent } from '../event-names';

export type EventInput = {
  /** Webhook events go to subscribed webhooks of `environment`; other types only notify. */
  type:
    | WebhookEvent
    | 'request.changes_requested'
    | 'request.withdrawn'
    | 'request.lapsed'
    | 'request.failed'
    | 'comment.mention';
  environment: string;
  /** JSON body sent to webhooks (snake_case; ids, model_id, age range, actor…). */
  payload: Record<string, unknown>;
  notify?: { userIds: string[]; message: string; link?: string; requestId?: string };
};

/** Who did it, as webhook payloads name people: `{id, name, email}` (id null for the system). */
export function actorRef(actor: Actor): { id: string | null; name: string; email: string } {
  return { id: actor.via === 'system' ? null : actor.id, name: actor.name, email: actor.email };
}

export function isWebhookEvent(type: string): type is WebhookEvent {
  return (WEBHOOK_EVENTS as readonly string[]).includes(type);
}

/**
 * The JSON a webhook receives (stored as the delivery's payload and sent verbatim):
 * `{event, environment, occurred_at, data}`. Dates become ISO strings and BigInts numbers, so what
 * is stored is exactly what is sent on every attempt.
 */
export function webhookBody(
  event: string,
  environment: string,
  data: Record<string, unknown>,
  occurredAt = new Date(),
): Prisma.InputJsonObject {
  return JSON.parse(
    JSON.stringify({ event, environment, occurred_at: occurredAt.toISOString(), data }, (_k, v) =>
      typeof v === 'bigint' ? Number(v) : v,
    ),
  ) as Prisma.InputJsonObject;
}

export async function emitEvent(tx: Tx, e: EventInput): Promise<{ notifications: number; deliveries: number }> {
  let notifications = 0;
  let deliveries = 0;
  if (e.notify) {
    const userIds = [...new Set(e.notify.userIds)].filter((id) => id && id !== 'system');
    if (userIds.length) {
      ({ count: notifications } = await tx.notification.createMany({
        data: userIds.map((userId) => ({
          userId,
          kind: e.type,
          message: e.notify!.message,
          link: e.notify!.link ?? null,
          requestId: e.notify!.requestId ?? null,
        })),
      }));
    }
  }
  if (isWebhookEvent(e.type)) {
    const hooks = await tx.webhook.findMany({
      where: { environment: e.environment, active: true, events: { has: e.type } },
      select: { id: true },
    });
    if (hooks.length) {
      const payload = webhookBody(e.type, e.environment, e.payload);
      // The app's clock, like the dispatcher's: a database server whose clock drifts delays nothing.
      const nextAttemptAt = new Date();
      ({ count: deliveries } = await tx.webhookDelivery.createMany({
        data: hooks.map((h) => ({ webhookId: h.id, event: e.type, payload, nextAttemptAt })),
      }));
    }
  }
  return { notifications, deliveries };
}

/** What the server process registers (lib/registry/webhooks `startDispatcher`) so commits can wake it. */
export type DispatcherHandle = { kick(): void; stop(): Promise<void>; runNow(): Promise<void> };

const slot = globalThis as unknown as { __drawbridgeDispatcher?: DispatcherHandle };

export function registerDispatcher(h: DispatcherHandle | undefined): void {
  slot.__drawbridgeDispatcher = h;
}

export function currentDispatcher(): DispatcherHandle | undefined {
  return slot.__drawbridgeDispatcher;
}

/**
 * Call after a transaction that emitted events has committed: the server's dispatcher sends the
 * new deliveries shortly (debounced) instead of at its next tick. A no-op where no dispatcher runs
 * (tests, the CLI): the outbox rows wait for the server.
 */
export function kickDispatcher(): void {
  slot.__drawbridgeDispatcher?.kick();
}
