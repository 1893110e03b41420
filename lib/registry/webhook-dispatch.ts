import 'server-only';
import { countEvent } from '../metrics/counts';
import crypto from 'node:crypto';
import type { Db } from '../db';
import { egressPolicy, type EgressPolicy } from './egress';
import { currentDispatcher, registerDispatcher, type DispatcherHandle } from './events';
import { sendWebhookRequest, type DeliveryErrorCode } from './webhook-delivery';

/**
 * The outbox side of webhooks (lib/registry/webhooks.ts manages them): signing, claiming due
 * deliveries, sending them with retries, and the server's dispatch loop.
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

/** Options of the calls that check or reach a receiver; `egress` overrides the configured policy (tests). */
export type EgressOptions = { egress?: Partial<EgressPolicy> };
export type SendOptions = EgressOptions & { now?: Date; timeoutMs?: number };

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
export type DispatchResult = {
  claimed: number;
  delivered: number;
  retrying: number;
  failed: number;
  outcomes: AttemptOutcome[];
};

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
  const claimed = (await Promise.all(due.map((d) => claim(db, d, now)))).filter(
    (d): d is ClaimedDelivery => d !== null,
  );
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

/**
 * The fields that write a delivery already claimed by its writer (its first attempt, leased), so the
 * background dispatcher cannot take it between the commit and `deliverClaimed` (test events,
 * redelivery: the person who clicked waits for this attempt's outcome).
 */
export function claimedByWriter(now: Date) {
  return { status: 'pending' as const, attempts: 1, nextAttemptAt: new Date(now.getTime() + CLAIM_LEASE_MS) };
}

/** Sends a delivery written with `claimedByWriter`, whether or not its webhook is enabled. */
export async function deliverClaimed(db: Db, id: string, opts: SendOptions): Promise<AttemptOutcome> {
  return attempt(db, { id, attempts: 1 }, opts.now ?? new Date(), opts);
}

async function attempt(db: Db, d: ClaimedDelivery, now: Date, opts: DispatchOptions): Promise<AttemptOutcome> {
  const row = await db.webhookDelivery.findUnique({
    where: { id: d.id },
    include: { webhook: { select: { url: true, secret: true } } },
  });
  if (!row)
    return {
      id: d.id,
      status: 'failed',
      attempts: d.attempts,
      statusCode: null,
      error: 'webhook deleted',
      errorCode: 'webhook_deleted',
      durationMs: null,
      nextAttemptAt: null,
    };
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
  const sent = await sendWebhookRequest(row.webhook.url, headers, body, {
    egress: egressPolicy(opts.egress),
    timeoutMs: opts.timeoutMs ?? DELIVERY_TIMEOUT_MS,
  });
  const { statusCode, error, errorCode, durationMs } = sent;
  if (error) countEvent('webhook_failure', { reason: errorCode ?? 'error' });

  let outcome: AttemptOutcome;
  const base = { id: d.id, attempts: d.attempts, statusCode, error, errorCode, durationMs };
  if (!error) {
    outcome = { ...base, status: 'delivered', nextAttemptAt: null };
  } else if (d.attempts >= MAX_ATTEMPTS) {
    outcome = { ...base, status: 'failed', nextAttemptAt: null };
  } else {
    outcome = {
      ...base,
      status: 'pending',
      nextAttemptAt: new Date(now.getTime() + retryDelayMs(d.attempts, opts.random)),
    };
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
export function startDispatcher(
  getDb: () => Promise<Db>,
  opts: DispatchOptions & { intervalMs?: number; kickDelayMs?: number } = {},
): DispatcherHandle {
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
