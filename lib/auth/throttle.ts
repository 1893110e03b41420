import 'server-only';
import net from 'node:net';
import type { Db } from '../db';
import { recordAudit, SYSTEM_ACTOR } from '../registry/audit';

export { TooManyAttemptsError, waitText } from './throttle-error';

/**
 * Throttling of password and bearer-token guessing (issue 10). The counts live in the database
 * (table AuthThrottle) so every server process on one PostgreSQL database sees the same ones.
 *
 * A key counts failures: `account:<email>` (every email, known or not, so the answer never says
 * which exist), `address:<client>` for sign-ins and `token:<client>` for bearer tokens. After a
 * key's `freeFailures`-th failure each further one starts a back-off of `baseDelayS`, doubling;
 * the `lockAt`-th starts a lockout of `lockS`. While a key is blocked nothing is checked for it: a
 * correct password or token is refused like a wrong one, with the time to wait. Counts older than
 * `windowS` start again from zero; a successful sign-in clears its account.
 */
export type ThrottleKind = 'account' | 'address' | 'token';
export type ThrottlePolicy = {
  freeFailures: number;
  baseDelayS: number;
  lockAt: number;
  lockS: number;
  windowS: number;
};

export const THROTTLE_POLICIES: Record<ThrottleKind, ThrottlePolicy> = {
  // 5th failure: 2 s, then 4, 8, 16, 32; the 10th: 15 minutes, and each failure after it again.
  account: { freeFailures: 4, baseDelayS: 2, lockAt: 10, lockS: 15 * 60, windowS: 60 * 60 },
  // Higher, because one office or CI runner behind NAT is many people.
  address: { freeFailures: 19, baseDelayS: 2, lockAt: 40, lockS: 15 * 60, windowS: 60 * 60 },
  // Tokens are 256-bit secrets: this only makes guessing loud and slow, and stops log floods.
  token: { freeFailures: 9, baseDelayS: 2, lockAt: 30, lockS: 15 * 60, windowS: 60 * 60 },
};

export function throttleKey(kind: ThrottleKind, subject: string): string {
  return `${kind}:${subject.trim().toLowerCase().slice(0, 320)}`;
}

// Timestamps are TIMESTAMP(3) holding UTC, as Prisma writes them; the database's clock is the
// one clock every process shares.
const NOW = `(now() AT TIME ZONE 'UTC')`;

/** Seconds of block after the f-th failure, as SQL over the column expression `f`. */
function delaySql(p: ThrottlePolicy, f: string): string {
  return `(CASE WHEN ${f} >= ${p.lockAt} THEN ${p.lockS} WHEN ${f} > ${p.freeFailures} THEN LEAST(${p.baseDelayS} * power(2, ${f} - ${p.freeFailures} - 1), ${p.lockS}) ELSE 0 END)`;
}

function kindOf(key: string): ThrottleKind {
  return key.slice(0, key.indexOf(':')) as ThrottleKind;
}

export type Reservation = { key: string; failures: number; locked: boolean };

/**
 * Counts one attempt on `key` as a failure before it is checked, in one statement, so parallel
 * attempts (any process) cannot all pass a check made before the first failure lands; `release`
 * or `clear` takes it back when the attempt succeeds. Null: the key is blocked; see `blockedFor`.
 */
export async function reserveAttempt(db: Db, key: string): Promise<Reservation | null> {
  const p = THROTTLE_POLICIES[kindOf(key)];
  const next = `(CASE WHEN t."lastAttemptAt" < ${NOW} - make_interval(secs => ${p.windowS}) THEN 1 ELSE t."failures" + 1 END)`;
  const rows = await db.$queryRawUnsafe<{ failures: number }[]>(
    `INSERT INTO "AuthThrottle" AS t ("key", "failures", "lastAttemptAt", "blockedUntil")
     VALUES ($1, 1, ${NOW}, ${NOW} + make_interval(secs => ${delaySql(p, '1')}))
     ON CONFLICT ("key") DO UPDATE SET
       "failures" = ${next},
       "lastAttemptAt" = ${NOW},
       "blockedUntil" = ${NOW} + make_interval(secs => ${delaySql(p, next)})
     WHERE t."blockedUntil" IS NULL OR t."blockedUntil" <= ${NOW}
     RETURNING "failures"::int AS failures`,
    key,
  );
  if (!rows.length) return null;
  // A new key (a first failure) now and then sweeps the stale ones, so a spray of made-up emails
  // or addresses does not grow the table for ever; cheap, by the lastAttemptAt index.
  if (rows[0].failures === 1 && Math.random() < 1 / 64) await pruneThrottle(db);
  return { key, failures: rows[0].failures, locked: rows[0].failures >= p.lockAt };
}

/** Seconds until `key` may be tried again; 0 when it may be now. */
export async function blockedFor(db: Db, key: string): Promise<number> {
  const rows = await db.$queryRawUnsafe<{ wait: number | null }[]>(
    `SELECT ceil(EXTRACT(EPOCH FROM ("blockedUntil" - ${NOW})))::int AS wait FROM "AuthThrottle" WHERE "key" = $1`,
    key,
  );
  return Math.max(0, rows[0]?.wait ?? 0);
}

/** Takes back a reserved attempt that turned out not to be a failure (it succeeded, or was never checked). */
export async function release(db: Db, r: Reservation): Promise<void> {
  const p = THROTTLE_POLICIES[kindOf(r.key)];
  await db.$executeRawUnsafe(
    `UPDATE "AuthThrottle" SET "failures" = GREATEST("failures" - 1, 0),
       "blockedUntil" = CASE WHEN "failures" - 1 > ${p.freeFailures} THEN "blockedUntil" ELSE NULL END
     WHERE "key" = $1`,
    r.key,
  );
}

/** Forgets a key: a successful sign-in clears its account's count. */
export async function clear(db: Db, key: string): Promise<void> {
  await db.authThrottle.deleteMany({ where: { key } });
}

/**
 * Records a failure on a key without reserving first (bearer tokens: a successful use writes
 * nothing). Returns the reservation, or null when the key was already blocked.
 */
export const recordFailure = reserveAttempt;

/** A failure that started a lockout goes into the audit trail, as the system (nobody is signed in). */
export async function auditLockout(db: Db, r: Reservation, subject: { type: string; id: string }): Promise<void> {
  const p = THROTTLE_POLICIES[kindOf(r.key)];
  await recordAudit(db, SYSTEM_ACTOR, {
    action: kindOf(r.key) === 'token' ? 'auth.token_lockout' : 'auth.lockout',
    subjectType: subject.type,
    subjectId: subject.id,
    after: { key: r.key, failures: r.failures, locked_for_seconds: p.lockS },
  });
}

/** Deletes counts nobody has touched for longer than any window (called now and then, cheap). */
export async function pruneThrottle(db: Db): Promise<number> {
  const longest = Math.max(...Object.values(THROTTLE_POLICIES).map((p) => Math.max(p.windowS, p.lockS)));
  return db.$executeRawUnsafe(
    `DELETE FROM "AuthThrottle" WHERE "lastAttemptAt" < ${NOW} - make_interval(secs => ${longest}) AND ("blockedUntil" IS NULL OR "blockedUntil" < ${NOW})`,
  );
}

/**
 * The client's address, for the per-address counts. Next.js's server puts the socket address in
 * X-Forwarded-For when the request has none, and keeps the header when it has one; route handlers
 * and server actions see only headers. So: with DRAWBRIDGE_TRUSTED_PROXY_HOPS=n (n reverse proxies
 * in front, each appending the address it saw), the n-th entry from the right; with none (the
 * default), the rightmost entry, which is the socket address unless the client sent the header
 * itself, and then an address of its own choosing: the per-account count does not depend on it.
 * Null when there is no header at all (in-process callers): then only the account is counted.
 */
export function clientAddress(headers: Headers): string | null {
  const raw = headers.get('x-forwarded-for');
  if (raw === null) return null;
  const hops = Math.max(1, Math.floor(Number(process.env.DRAWBRIDGE_TRUSTED_PROXY_HOPS) || 0));
  const entries = raw.split(',').map((s) => s.trim());
  const entry = entries[Math.max(0, entries.length - hops)] ?? '';
  const ip = entry.replace(/^\[|\](:\d+)?$/g, '').replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, '');
  // Garbage shares one bucket, so varying it buys nothing.
  return net.isIP(ip) ? ip.toLowerCase() : 'unparsed';
}
