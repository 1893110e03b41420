import type { Tx } from './audit';

/**
 * Workflow events: the one place a state change fans out to people (inbox notifications) and to
 * systems (webhook deliveries, written to an outbox in the caller's transaction and sent after
 * commit). Contract shared by the review workflow, deployments and the webhook dispatcher.
 */
export const WEBHOOK_EVENTS = [
  'request.opened',
  'request.approved',
  'request.rejected',
  'model.deployed',
  'model.undeployed',
  'model.rolled_back',
] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

export type EventInput = {
  /** Webhook events go to subscribed webhooks of `environment`; other types only notify. */
  type: WebhookEvent | 'request.changes_requested' | 'request.withdrawn' | 'request.lapsed' | 'request.failed' | 'comment.mention';
  environment: string;
  /** JSON body sent to webhooks (snake_case; ids, model_id, age range, actor…). */
  payload: Record<string, unknown>;
  notify?: { userIds: string[]; message: string; link?: string; requestId?: string };
};

export async function emitEvent(tx: Tx, e: EventInput): Promise<void> {
  if (e.notify) {
    const userIds = [...new Set(e.notify.userIds)];
    if (userIds.length) {
      await tx.notification.createMany({
        data: userIds.map((userId) => ({ userId, kind: e.type, message: e.notify!.message, link: e.notify!.link ?? null, requestId: e.notify!.requestId ?? null })),
      });
    }
  }
  if ((WEBHOOK_EVENTS as readonly string[]).includes(e.type)) {
    const hooks = await tx.webhook.findMany({ where: { environment: e.environment, active: true, events: { has: e.type } }, select: { id: true } });
    if (hooks.length) {
      const payload = JSON.parse(JSON.stringify({ event: e.type, environment: e.environment, occurred_at: new Date().toISOString(), data: e.payload }));
      await tx.webhookDelivery.createMany({ data: hooks.map((h) => ({ webhookId: h.id, event: e.type, payload })) });
    }
  }
}
