import 'server-only';
import crypto from 'node:crypto';
import { z } from 'zod';
import type { Actor } from '../auth/permissions';
import { requirePermission } from '../auth/permissions';
import type { Db } from '../db';
import type { Prisma } from '../db/generated/client';
import { ModelDeploymentError } from '../formats/errors';
import { notFound } from '../errors';
import { recordAudit } from './audit';
import { ENVIRONMENTS } from './deploy';
import { EgressDnsError, egressPolicy, vetTarget, type EgressPolicy } from './egress';
import { sendWebhookRequest, type DeliveryErrorCode } from './webhook-delivery';
import { currentDispatcher, kickDispatcher, registerDispatcher, WEBHOOK_EVENTS, WEBHOOK_TEST_EVENT, webhookBody, type DispatcherHandle } from './events';

export { kickDispatcher, WEBHOOK_EVENTS };
export type { DeliveryErrorCode };

/**
 * Outgoing webhooks: per-environment subscriptions, their secrets, the outbox dispatcher and the
 * delivery log.
 *
 * Every request is `POST <url>` with a JSON body `{event, environment, occurred_at, data}` and
 * `X-Drawbridge-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>` where the
 * timestamp is `X-Drawbridge-Timestamp` (unix seconds). Signing the timestamp with the body lets a
 * receiver refuse replays of an old, validly signed request.
 */

export const MAX_ATTEMPTS = 6;
/** Wait after attempt n (1-based) fails, before attempt n + 1; jitter adds up to 20 %. */
export const RETRY_DELAYS_S = [30, 120, 600, 3600, 21600] as const;
export const DELIVERY_TIMEOUT_MS = 10_000;
export const SIGNATURE_TOLERANCE_S = 300;
export const USER_AGENT = 'Drawbridge-Webhooks/1';
/** A claimed delivery is invisible to other dispatchers this long; a crashed sender's claim expires. */
const CLAIM_LEASE_MS = 60_000;
const DEFAULT_BATCH = 25;

export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

// ---------------------------------------------------------------------------------------------
// Signatures

export function signWebhookPayload(secret: string, timestamp: number | string, body: string | Uint8Array): string {
  return `sha256=${crypto.createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex')}`;
}

/**
 * For receivers (and our tests): true when `header` is the signature of exactly these body bytes
 * and timestamp under `secret`, and the timestamp is within `toleranceSeconds` of `nowMs`.
 * Pass the raw body as received, before any JSON parsing. Constant-time comparison.
 */
export function verifyWebhookSignature(
  secret: string,
  timestamp: string | number | null | undefined,
  body: string | Uint8Array,
  header: string | null | undefined,
  toleranceSeconds = SIGNATURE_TOLERANCE_S,
  nowMs = Date.now(),
): boolean {
  const ts = String(timestamp ?? '');
  if (!/^\d{1,12}$/.test(ts) || !header) return false;
  if (Math.abs(nowMs / 1000 - Number(ts)) > toleranceSeconds) return false;
  const expected = Buffer.from(signWebhookPayload(secret, ts, body));
  const given = Buffer.from(header.trim());
  return given.length === expected.length && crypto.timingSafeEqual(given, expected);
}

function newSecret(): string {
  return `whsec_${crypto.randomBytes(32).toString('base64url')}`;
}

// ---------------------------------------------------------------------------------------------
// Management (admins)

const invalid = (message: string, field: string) => new ModelDeploymentError('invalid_request', message, { field });

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
    throw invalid('Leave credentials out of the URL: it is shown on this page and in the audit log. Receivers authenticate deliveries by their signature.', 'url');
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

/** Options of the calls that check or reach a receiver; `egress` overrides the configured policy (tests). */
export type EgressOptions = { egress?: Partial<EgressPolicy> };

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

const publicFields = { id: true, environment: true, url: true, events: true, active: true, createdAt: true, createdBy: { select: { name: true } } } as const;

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
    const c = (status: DeliveryStatus) => counts.find((x) => x.webhookId === h.id && x.status === status)?._count._all ?? 0;
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
    await recordAudit(tx, actor, { action: 'webhook.create', subjectType: 'webhook', subjectId: hook.id, after: { url: hook.url, environment: hook.environment, events: hook.events } });
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
    const action = change.active === undefined || change.active === before.active ? 'webhook.update' : change.active ? 'webhook.enable' : 'webhook.disable';
    await recordAudit(tx, actor, { action, subjectType: 'webhook', subjectId: id, before: { events: before.events, active: before.active }, after: { events: hook.events, active: hook.active } });
    return hook;
  });
}

/** Deletes the webhook and its delivery log. */
export async function deleteWebhook(db: Db, actor: Actor, id: string): Promise<void> {
  requirePermission(actor, 'webhooks.manage');
  await db.$transaction(async (tx) => {
    const before = await findWebhook(tx, id);
    await tx.webhook.delete({ where: { id } });
    await recordAudit(tx, actor, { action: 'webhook.delete', subjectType: 'webhook', subjectId: id, before: { url: before.url, environment: before.environment, events: before.events } });
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

type SendOptions = EgressOptions & { now?: Date; timeoutMs?: number };

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
        nextAttemptAt: now,
        payload: webhookBody(WEBHOOK_TEST_EVENT, hook.environment, { webhook_id: id, message: 'Test event from Drawbridge', sent_by: actor.email }, now),
      },
    });
    await recordAudit(tx, actor, { action: 'webhook.test', subjectType: 'webhook', subjectId: id, after: { deliveryId: d.id } });
    return d;
  });
  return deliverNow(db, delivery.id, opts);
}

/** Sends a failed delivery again (same delivery id, so receivers can de-duplicate) with a fresh retry budget. */
export async function redeliverDelivery(db: Db, actor: Actor, deliveryId: string, opts: SendOptions = {}) {
  requirePermission(actor, 'webhooks.manage');
  const now = opts.now ?? new Date();
  await db.$transaction(async (tx) => {
    const d = await tx.webhookDelivery.findUnique({ where: { id: deliveryId } });
    if (!d) throw notFound('Delivery', deliveryId);
    if (d.status !== 'failed') throw new ModelDeploymentError('conflict', `Delivery ${deliveryId} is ${d.status}; only failed deliveries can be sent again.`);
    const { count } = await tx.webhookDelivery.updateMany({ where: { id: deliveryId, status: 'failed' }, data: { status: 'pending', attempts: 0, nextAttemptAt: now } });
    if (count !== 1) throw new ModelDeploymentError('conflict', `Delivery ${deliveryId} changed meanwhile; reload and try again.`);
    await recordAudit(tx, actor, {
      action: 'webhook.redeliver',
      subjectType: 'webhook',
      subjectId: d.webhookId,
      before: { deliveryId, event: d.event, status: d.status, attempts: d.attempts, lastStatusCode: d.lastStatusCode, lastError: d.lastError, lastErrorCode: d.lastErrorCode },
    });
  });
  return deliverNow(db, deliveryId, opts);
}

/** The delivery log of one webhook, newest first. */
export async function listWebhookDeliveries(db: Db, actor: Actor, webhookId: string, opts: { page?: number; pageSize?: number; status?: DeliveryStatus } = {}) {
  requirePermission(actor, 'webhooks.manage');
  const pageSize = Math.min(Math.max(opts.pageSize ?? 25, 1), 100);
  const page = Math.max(opts.page ?? 1, 1);
  const where: Prisma.WebhookDeliveryWhereInput = { webhookId, ...(opts.status ? { status: opts.status } : {}) };
  const [total, deliveries] = await Promise.all([
    db.webhookDelivery.count({ where }),
    db.webhookDelivery.findMany({ where, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], skip: (page - 1) * pageSize, take: pageSize }),
  ]);
  return { total, page, pageSize, deliveries };
}

// ---------------------------------------------------------------------------------------------
// Dispatcher

/** The wait before the next attempt after `attempt` attempts have failed; up to 20 % jitter spreads a burst of retries. */
export function retryDelayMs(attempt: number, random: () => number = Math.random): number {
  const base = RETRY_DELAYS_S[Math.min(Math.max(attempt, 1), RETRY_DELAYS_S.length) - 1] * 1000;
  return Math.round(base * (1 + 0.2 * random()));
}

export type DispatchOptions = SendOptions & { limit?: number; random?: () => number };
export type AttemptOutcome = {
  id: string;
  status: DeliveryStatus;
  attempts: number;
  statusCode: number | null;
  error: string | null;
  errorCode: DeliveryErrorCode | null;
  durationMs: number | null;
  nextAttemptAt: Date | null;
};
export type DispatchResult = { claimed: number; delivered: number; retrying: number; failed: number; outcomes: AttemptOutcome[] };

/**
 * Claims the due pending deliveries of active webhooks and sends them (concurrently, at most
 * `limit`). Safe with several server processes on one PostgreSQL database: a delivery is claimed
 * by a conditional UPDATE (still pending, same attempt count, still due) that only one process can
 * win (READ COMMITTED re-checks the WHERE after a concurrent writer commits); the claim counts
 * the attempt and leases the row for a minute, so a sender that dies mid-request is retried.
 */
export async function dispatchDueDeliveries(db: Db, opts: DispatchOptions = {}): Promise<DispatchResult> {
  const now = opts.now ?? new Date();
  const due = await db.webhookDelivery.findMany({
    where: { status: 'pending', nextAttemptAt: { lte: now }, webhook: { active: true } },
    orderBy: [{ nextAttemptAt: 'asc' }, { id: 'asc' }],
    take: opts.limit ?? DEFAULT_BATCH,
    select: { id: true, attempts: true },
  });
  const claimed = (await Promise.all(due.map((d) => claim(db, d, now)))).filter((d): d is ClaimedDelivery => d !== null);
  const outcomes = await Promise.all(claimed.map((d) => attempt(db, d, now, opts)));
  return {
    claimed: claimed.length,
    delivered: outcomes.filter((o) => o.status === 'delivered').length,
    retrying: outcomes.filter((o) => o.status === 'pending').length,
    failed: outcomes.filter((o) => o.status === 'failed').length,
    outcomes,
  };
}

type ClaimedDelivery = { id: string; attempts: number };

async function claim(db: Db, d: ClaimedDelivery, now: Date): Promise<ClaimedDelivery | null> {
  const { count } = await db.webhookDelivery.updateMany({
    where: { id: d.id, status: 'pending', attempts: d.attempts, nextAttemptAt: { lte: now } },
    data: { attempts: { increment: 1 }, nextAttemptAt: new Date(now.getTime() + CLAIM_LEASE_MS) },
  });
  return count === 1 ? { id: d.id, attempts: d.attempts + 1 } : null;
}

/** Attempts one pending delivery now, whether or not its webhook is enabled (test events, redelivery). */
async function deliverNow(db: Db, id: string, opts: SendOptions): Promise<AttemptOutcome> {
  const now = opts.now ?? new Date();
  const d = await db.webhookDelivery.findUnique({ where: { id }, select: { id: true, attempts: true, status: true } });
  const claimed = d && d.status === 'pending' ? await claim(db, d, now) : null;
  if (!claimed) throw new ModelDeploymentError('conflict', `Delivery ${id} is already being sent; see the delivery log.`);
  return attempt(db, claimed, now, opts);
}

async function attempt(db: Db, d: ClaimedDelivery, now: Date, opts: DispatchOptions): Promise<AttemptOutcome> {
  const row = await db.webhookDelivery.findUnique({ where: { id: d.id }, include: { webhook: { select: { url: true, secret: true } } } });
  if (!row) return { id: d.id, status: 'failed', attempts: d.attempts, statusCode: null, error: 'webhook deleted', errorCode: 'webhook_deleted', durationMs: null, nextAttemptAt: null };
  const body = JSON.stringify(row.payload);
  const timestamp = Math.floor(Date.now() / 1000);
  const headers = {
    'Content-Type': 'application/json',
    'User-Agent': USER_AGENT,
    'X-Drawbridge-Event': row.event,
    'X-Drawbridge-Delivery': row.id,
    'X-Drawbridge-Timestamp': String(timestamp),
    'X-Drawbridge-Signature': signWebhookPayload(row.webhook.secret, timestamp, body),
  };
  const sent = await sendWebhookRequest(row.webhook.url, headers, body, { egress: egressPolicy(opts.egress), timeoutMs: opts.timeoutMs ?? DELIVERY_TIMEOUT_MS });
  const { statusCode, error, errorCode, durationMs } = sent;

  let outcome: AttemptOutcome;
  const base = { id: d.id, attempts: d.attempts, statusCode, error, errorCode, durationMs };
  if (!error) {
    outcome = { ...base, status: 'delivered', nextAttemptAt: null };
  } else if (d.attempts >= MAX_ATTEMPTS) {
    outcome = { ...base, status: 'failed', nextAttemptAt: null };
  } else {
    outcome = { ...base, status: 'pending', nextAttemptAt: new Date(now.getTime() + retryDelayMs(d.attempts, opts.random)) };
  }
  // Conditional on the claim, so a stale sender never overwrites a newer attempt's record.
  await db.webhookDelivery.updateMany({
    where: { id: d.id, attempts: d.attempts, status: 'pending' },
    data: {
      status: outcome.status,
      lastStatusCode: statusCode,
      lastError: error,
      lastErrorCode: errorCode,
      lastDurationMs: durationMs,
      deliveredAt: outcome.status === 'delivered' ? now : null,
      ...(outcome.nextAttemptAt ? { nextAttemptAt: outcome.nextAttemptAt } : {}),
    },
  });
  return outcome;
}

// ---------------------------------------------------------------------------------------------
// The server's loop

/**
 * Starts the dispatcher of this process (once; later calls return the running one): a tick every
 * `intervalMs`, plus `kickDispatcher()` after commits. Timers are unref'd so they never keep a
 * process alive. Ticks never overlap; a kick during a tick runs another right after.
 */
export function startDispatcher(getDb: () => Promise<Db>, opts: DispatchOptions & { intervalMs?: number; kickDelayMs?: number } = {}): DispatcherHandle {
  const existing = currentDispatcher();
  if (existing) return existing;
  const limit = opts.limit ?? DEFAULT_BATCH;
  let running: Promise<void> | null = null;
  let again = false;
  let kickTimer: NodeJS.Timeout | null = null;

  const run = (): Promise<void> => {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      try {
        const db = await getDb();
        do {
          again = false;
          // Drain a backlog in batches, but yield to the interval after ten.
          for (let i = 0; i < 10; i++) {
            const r = await dispatchDueDeliveries(db, { ...opts, limit, now: new Date() });
            if (r.claimed < limit) break;
          }
        } while (again);
      } catch (e) {
        console.error('[drawbridge] webhook dispatch failed:', e);
      } finally {
        running = null;
      }
    })();
    return running;
  };

  const interval = setInterval(() => void run(), opts.intervalMs ?? 5_000);
  interval.unref();
  const handle: DispatcherHandle = {
    kick() {
      if (kickTimer) return;
      kickTimer = setTimeout(() => {
        kickTimer = null;
        void run();
      }, opts.kickDelayMs ?? 200);
      kickTimer.unref();
    },
    /** Stops the timers and waits for a tick in progress to finish. */
    async stop() {
      clearInterval(interval);
      if (kickTimer) clearTimeout(kickTimer);
      if (currentDispatcher() === handle) registerDispatcher(undefined);
      await running;
    },
    runNow: run,
  };
  registerDispatcher(handle);
  return handle;
}
