import 'server-only';
import crypto from 'node:crypto';
import { z } from 'zod';
import type { Actor } from '../auth/permissions';
import { requirePermission } from '../auth/permissions';
import type { Db } from '../db';
import type { Prisma } from '../db/generated/client';
import { conflict, invalidField as invalid, notFound } from '../errors';
import { recordAudit } from './audit';
import { ENVIRONMENTS } from './deploy-config';
import { EgressDnsError, egressPolicy, vetTarget } from './egress';
import { kickDispatcher, WEBHOOK_EVENTS, WEBHOOK_TEST_EVENT, webhookBody } from './events';
import { CAPPED_TAKE, cappedTotal, splitPage } from './listings-count';
import {
  claimedByWriter,
  deliverClaimed,
  type DeliveryStatus,
  type EgressOptions,
  type SendOptions,
} from './webhook-dispatch';
import type { DeliveryErrorCode } from './webhook-delivery';

export { kickDispatcher, WEBHOOK_EVENTS };
export type { DeliveryErrorCode };

/**
 * Outgoing webhooks: per-environment subscriptions, their secrets, and the
 * delivery log (the outbox dispatcher: webhook-dispatch.ts).
 *
 * Every request is `POST <url>` with a JSON body `{event, environment, occurred_at, data}` and
 * `X-Drawbridge-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>` where the
 * timestamp is `X-Drawbridge-Timestamp` (unix seconds). Signing the timestamp with the body lets a
 * receiver refuse replays of an old, validly signed request.
 */

function newSecret(): string {
  return `whsec_${crypto.randomBytes(32).toString('base64url')}`;
}

// ---------------------------------------------------------------------------------------------
// Management (admins)

/** http(s) only; credentials never in the URL (it is shown on the page and in the audit log). */
export function parseWebhookUrl(raw: string): string {
  const s = raw.trim();
  let u: URL;
  try {
    u = new URL(s);
  } catch {
    throw invalid('Enter an absolute URL, e.g. https://hooks.example.org/drawbridge.', 'url');
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') {
    throw invalid(`Webhooks are sent over http or https only, not ${u.protocol.replace(/:$/, '')}.`, 'url');
  }
  if (u.username || u.password) {
    throw invalid(
      'Leave credentials out of the URL: it is shown on this page and in the audit log. Receivers authenticate deliveries by their signature.',
      'url',
    );
  }
  if (s.length > 2000) throw invalid('That URL is longer than 2000 characters.', 'url');
  u.hash = '';
  return u.toString();
}

export const webhookInputSchema = z.object({
  environment: z.enum(ENVIRONMENTS, { message: `Choose one of: ${ENVIRONMENTS.join(', ')}.` }),
  url: z.string().max(2000),
  events: z.array(z.enum(WEBHOOK_EVENTS)).min(1, 'Choose at least one event.'),
});
export type WebhookInput = z.input<typeof webhookInputSchema>;

async function parseInput(raw: WebhookInput, opts: EgressOptions) {
  const parsed = webhookInputSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw invalid(issue.message, String(issue.path[0] ?? 'url'));
  }
  const url = parseWebhookUrl(parsed.data.url);
  await assertTargetAllowed(url, opts);
  return { ...parsed.data, url, events: [...new Set(parsed.data.events)] };
}

/**
 * Refuses a URL that is or resolves to an address webhooks may not reach (422
 * `webhook_target_forbidden`, field `url`, naming the address). A name that does not resolve yet
 * is accepted: every delivery resolves and checks again before it connects.
 */
export async function assertTargetAllowed(url: string, opts: EgressOptions = {}): Promise<void> {
  try {
    await vetTarget(url, egressPolicy(opts.egress));
  } catch (e) {
    if (e instanceof EgressDnsError) return;
    throw e;
  }
}

const publicFields = {
  id: true,
  environment: true,
  url: true,
  events: true,
  active: true,
  createdAt: true,
  createdBy: { select: { name: true } },
} as const;

async function findWebhook(db: Db | Prisma.TransactionClient, id: string) {
  const hook = await db.webhook.findUnique({ where: { id } });
  if (!hook) throw notFound('Webhook', id);
  return hook;
}

/** All webhooks (never their secrets) with delivery counts by status. */
export async function listWebhooks(db: Db, actor: Actor) {
  requirePermission(actor, 'webhooks.manage');
  const [hooks, counts] = await Promise.all([
    db.webhook.findMany({ orderBy: [{ environment: 'asc' }, { createdAt: 'asc' }], select: publicFields }),
    db.webhookDelivery.groupBy({ by: ['webhookId', 'status'], _count: { _all: true } }),
  ]);
  return hooks.map((h) => {
    const c = (status: DeliveryStatus) =>
      counts.find((x) => x.webhookId === h.id && x.status === status)?._count._all ?? 0;
    return { ...h, deliveries: { pending: c('pending'), delivered: c('delivered'), failed: c('failed') } };
  });
}

export async function getWebhook(db: Db, actor: Actor, id: string) {
  requirePermission(actor, 'webhooks.manage');
  const hook = await db.webhook.findUnique({ where: { id }, select: publicFields });
  if (!hook) throw notFound('Webhook', id);
  return hook;
}

/** Creates a webhook; the secret is generated here and returned this once. */
export async function createWebhook(db: Db, actor: Actor, raw: WebhookInput, opts: EgressOptions = {}) {
  requirePermission(actor, 'webhooks.manage');
  const input = await parseInput(raw, opts);
  const secret = newSecret();
  return db.$transaction(async (tx) => {
    const hook = await tx.webhook.create({
      data: { ...input, secret, active: true, createdById: actor.via === 'system' ? null : actor.id },
      select: publicFields,
    });
    await recordAudit(tx, actor, {
      action: 'webhook.create',
      subjectType: 'webhook',
      subjectId: hook.id,
      after: { url: hook.url, environment: hook.environment, events: hook.events },
    });
    return { webhook: hook, secret };
  });
}

/** Changes the subscribed events and/or enables or disables. A disabled webhook's queued deliveries wait. */
export async function updateWebhook(db: Db, actor: Actor, id: string, change: { events?: string[]; active?: boolean }) {
  requirePermission(actor, 'webhooks.manage');
  let events: string[] | undefined;
  if (change.events) {
    const parsed = webhookInputSchema.shape.events.safeParse(change.events);
    if (!parsed.success) throw invalid(parsed.error.issues[0].message, 'events');
    events = [...new Set(parsed.data)];
  }
  return db.$transaction(async (tx) => {
    const before = await findWebhook(tx, id);
    const hook = await tx.webhook.update({
      where: { id },
      data: { ...(events ? { events } : {}), ...(change.active !== undefined ? { active: change.active } : {}) },
      select: publicFields,
    });
    const action =
      change.active === undefined || change.active === before.active
        ? 'webhook.update'
        : change.active
          ? 'webhook.enable'
          : 'webhook.disable';
    await recordAudit(tx, actor, {
      action,
      subjectType: 'webhook',
      subjectId: id,
      before: { events: before.events, active: before.active },
      after: { events: hook.events, active: hook.active },
    });
    return hook;
  });
}

/** Deletes the webhook and its delivery log. */
export async function deleteWebhook(db: Db, actor: Actor, id: string): Promise<void> {
  requirePermission(actor, 'webhooks.manage');
  await db.$transaction(async (tx) => {
    const before = await findWebhook(tx, id);
    await tx.webhook.delete({ where: { id } });
    await recordAudit(tx, actor, {
      action: 'webhook.delete',
      subjectType: 'webhook',
      subjectId: id,
      before: { url: before.url, environment: before.environment, events: before.events },
    });
  });
}

/** A new secret, returned this once; the old one stops verifying for deliveries sent from now on. */
export async function rotateWebhookSecret(db: Db, actor: Actor, id: string): Promise<{ secret: string }> {
  requirePermission(actor, 'webhooks.manage');
  const secret = newSecret();
  await db.$transaction(async (tx) => {
    await findWebhook(tx, id);
    await tx.webhook.update({ where: { id }, data: { secret } });
    await recordAudit(tx, actor, { action: 'webhook.rotate_secret', subjectType: 'webhook', subjectId: id });
  });
  return { secret };
}

/** Queues a `webhook.test` delivery to this one webhook and attempts it at once; returns its outcome. */
export async function sendTestEvent(db: Db, actor: Actor, id: string, opts: SendOptions = {}) {
  requirePermission(actor, 'webhooks.manage');
  const now = opts.now ?? new Date();
  const delivery = await db.$transaction(async (tx) => {
    const hook = await findWebhook(tx, id);
    const d = await tx.webhookDelivery.create({
      data: {
        webhookId: id,
        event: WEBHOOK_TEST_EVENT,
        ...claimedByWriter(now),
        payload: webhookBody(
          WEBHOOK_TEST_EVENT,
          hook.environment,
          { webhook_id: id, message: 'Test event from Drawbridge', sent_by: actor.email },
          now,
        ),
      },
    });
    await recordAudit(tx, actor, {
      action: 'webhook.test',
      subjectType: 'webhook',
      subjectId: id,
      after: { deliveryId: d.id },
    });
    return d;
  });
  return deliverClaimed(db, delivery.id, opts);
}

/** Sends a failed delivery again (same delivery id, so receivers can de-duplicate) with a fresh retry budget. */
export async function redeliverDelivery(db: Db, actor: Actor, deliveryId: string, opts: SendOptions = {}) {
  requirePermission(actor, 'webhooks.manage');
  const now = opts.now ?? new Date();
  await db.$transaction(async (tx) => {
    const d = await tx.webhookDelivery.findUnique({ where: { id: deliveryId } });
    if (!d) throw notFound('Delivery', deliveryId);
    if (d.status !== 'failed')
      throw conflict(`Delivery ${deliveryId} is ${d.status}; only failed deliveries can be sent again.`);
    const { count } = await tx.webhookDelivery.updateMany({
      where: { id: deliveryId, status: 'failed' },
      data: claimedByWriter(now),
    });
    if (count !== 1) throw conflict(`Delivery ${deliveryId} changed meanwhile; reload and try again.`);
    await recordAudit(tx, actor, {
      action: 'webhook.redeliver',
      subjectType: 'webhook',
      subjectId: d.webhookId,
      before: {
        deliveryId,
        event: d.event,
        status: d.status,
        attempts: d.attempts,
        lastStatusCode: d.lastStatusCode,
        lastError: d.lastError,
        lastErrorCode: d.lastErrorCode,
      },
    });
  });
  return deliverClaimed(db, deliveryId, opts);
}

/** The delivery log of one webhook, newest first. */
export async function listWebhookDeliveries(
  db: Db,
  actor: Actor,
  webhookId: string,
  opts: { page?: number; pageSize?: number; status?: DeliveryStatus } = {},
) {
  requirePermission(actor, 'webhooks.manage');
  const pageSize = Math.min(Math.max(opts.pageSize ?? 25, 1), 100);
  const page = Math.max(opts.page ?? 1, 1);
  const where: Prisma.WebhookDeliveryWhereInput = { webhookId, ...(opts.status ? { status: opts.status } : {}) };
  const orderBy: Prisma.WebhookDeliveryOrderByWithRelationInput[] = [{ createdAt: 'desc' }, { id: 'desc' }];
  // Counted in the log's own order up to the cap, so the count reads the index and stops.
  const [counted, found] = await Promise.all([
    db.webhookDelivery.count({ where, orderBy, take: CAPPED_TAKE }),
    db.webhookDelivery.findMany({ where, orderBy, skip: (page - 1) * pageSize, take: pageSize + 1 }),
  ]);
  const { rows: deliveries, hasMore } = splitPage(found, pageSize);
  return { ...cappedTotal(counted), hasMore, page, pageSize, deliveries };
}
