import 'server-only';
import type { Db } from '../db';
import { hashPassword, hashSecret, newSecret, verifyPassword } from './password';
import type { Actor, Role } from './permissions';
import {
  auditLockout,
  blockedFor,
  clear,
  recordFailure,
  release,
  reserveAttempt,
  throttleKey,
  TooManyAttemptsError,
  type Reservation,
} from './throttle';

export const SESSION_COOKIE = 'drawbridge_session';
export const SESSION_TTL_MS = 14 * 24 * 3600 * 1000;
export const API_TOKEN_PREFIX = 'dbt_';

type UserRow = { id: string; email: string; name: string; role: Role; disabledAt: Date | null };

function toActor(u: UserRow, via: Actor['via']): Actor {
  return { id: u.id, email: u.email, name: u.name, role: u.role, via };
}

// Verifying against a fixed hash when the email is unknown keeps response time from revealing
// which emails have accounts.
let dummyHash: Promise<string> | undefined;

export async function authenticateUser(db: Db, email: string, password: string): Promise<Actor | null> {
  const user = await db.user.findUnique({ where: { email: email.trim().toLowerCase() } });
  if (!user || user.disabledAt) {
    dummyHash ??= hashPassword('drawbridge-dummy');
    await verifyPassword(password, await dummyHash);
    return null;
  }
  return (await verifyPassword(password, user.passwordHash)) ? toActor(user, 'session') : null;
}

export type SignInResult =
  | { ok: true; actor: Actor }
  | { ok: false; reason: 'invalid' }
  | { ok: false; reason: 'throttled'; retryAfterSeconds: number; scope: 'account' | 'address' };

/**
 * authenticateUser behind the throttle (throttle.ts): per account and, when known, per client
 * address. The attempt is counted before the password is checked and taken back if it was right,
 * so parallel guesses cannot slip past; while either count is blocked, nothing is checked.
 */
export async function attemptSignIn(
  db: Db,
  email: string,
  password: string,
  client: string | null,
): Promise<SignInResult> {
  const accountKey = throttleKey('account', email);
  const account = await reserveAttempt(db, accountKey);
  if (!account)
    return { ok: false, reason: 'throttled', retryAfterSeconds: await blockedFor(db, accountKey), scope: 'account' };
  let address: Reservation | null = null;
  if (client) {
    const addressKey = throttleKey('address', client);
    address = await reserveAttempt(db, addressKey);
    if (!address) {
      await release(db, account); // never checked: not a failure of the account
      return { ok: false, reason: 'throttled', retryAfterSeconds: await blockedFor(db, addressKey), scope: 'address' };
    }
  }
  const actor = await authenticateUser(db, email, password);
  if (actor) {
    await clear(db, accountKey);
    if (address) await release(db, address);
    return { ok: true, actor };
  }
  if (account.locked) {
    const user = await db.user.findUnique({ where: { email: email.trim().toLowerCase() }, select: { id: true } });
    await auditLockout(
      db,
      account,
      user ? { type: 'user', id: user.id } : { type: 'sign_in', id: email.trim().toLowerCase().slice(0, 320) },
    );
  }
  if (address?.locked) await auditLockout(db, address, { type: 'client_address', id: client! });
  return { ok: false, reason: 'invalid' };
}

export async function createSession(db: Db, userId: string, userAgent?: string | null) {
  const token = newSecret();
  const expiresAt = new Date(Date.now() + SESSION_TTL_MS);
  await db.session.create({
    data: { tokenHash: hashSecret(token), userId, expiresAt, userAgent: userAgent?.slice(0, 300) ?? null },
  });
  return { token, expiresAt };
}

export async function resolveSession(db: Db, token: string | undefined | null): Promise<Actor | null> {
  if (!token) return null;
  const session = await db.session.findUnique({ where: { tokenHash: hashSecret(token) }, include: { user: true } });
  if (!session || session.expiresAt <= new Date() || session.user.disabledAt) return null;
  return toActor(session.user, 'session');
}

export async function deleteSession(db: Db, token: string | undefined | null): Promise<void> {
  if (!token) return;
  await db.session.deleteMany({ where: { tokenHash: hashSecret(token) } });
}

export async function createApiToken(db: Db, actor: Actor, name: string, expiresAt?: Date | null) {
  const token = newSecret(API_TOKEN_PREFIX);
  const record = await db.apiToken.create({
    data: {
      name,
      prefix: token.slice(0, API_TOKEN_PREFIX.length + 6),
      tokenHash: hashSecret(token),
      userId: actor.id,
      expiresAt: expiresAt ?? null,
    },
  });
  return { token, record };
}

/** lastUsedAt is written at most this often: a write per API call was most of authentication's cost. */
export const TOKEN_TOUCH_INTERVAL_S = 60;

type TokenRow = UserRow & { tokenId: string; usable: boolean; wait: number | null };

/**
 * A bearer token's actor. With the client's address, failures are counted per address
 * (throttle.ts) and, while it is blocked, even a valid token is refused with
 * TooManyAttemptsError (429): otherwise a guesser would still learn which guess was right.
 *
 * One statement: the address's block (the same read as throttle.ts's blockedFor), the token
 * joined to its user, and lastUsedAt refreshed when it is more than a minute old, a usable
 * token's and an unblocked address's only. Only a failure writes anything more (the throttle).
 */
export async function resolveApiToken(
  db: Db,
  token: string | undefined | null,
  client: string | null = null,
): Promise<Actor | null> {
  if (!token) return null;
  const key = client ? throttleKey('token', client) : null;
  const hash = token.startsWith(API_TOKEN_PREFIX) ? hashSecret(token) : null;
  // Timestamps are stored as UTC without a zone: compare with UTC now, whatever the session's zone.
  const [row] = await db.$queryRawUnsafe<TokenRow[]>(
    `WITH now_utc AS (SELECT (now() AT TIME ZONE 'UTC') AS at),
     block AS (
       SELECT ceil(EXTRACT(EPOCH FROM (t."blockedUntil" - n.at)))::int AS wait
       FROM "AuthThrottle" t, now_utc n WHERE t."key" = $2
     ),
     found AS (
       SELECT k."id" AS "tokenId", k."lastUsedAt", u."id", u."email", u."name", u."role", u."disabledAt",
         (k."revokedAt" IS NULL AND (k."expiresAt" IS NULL OR k."expiresAt" > n.at) AND u."disabledAt" IS NULL) AS usable
       FROM "ApiToken" k JOIN "User" u ON u."id" = k."userId", now_utc n
       WHERE k."tokenHash" = $1
     ),
     touched AS (
       UPDATE "ApiToken" k SET "lastUsedAt" = n.at FROM found f, now_utc n
       WHERE k."id" = f."tokenId" AND f.usable
         AND (f."lastUsedAt" IS NULL OR f."lastUsedAt" < n.at - make_interval(secs => ${TOKEN_TOUCH_INTERVAL_S}))
         AND COALESCE((SELECT wait FROM block), 0) <= 0
       RETURNING 1
     )
     SELECT f."tokenId", f."id", f."email", f."name", f."role", f."disabledAt", f.usable, b.wait
     FROM (SELECT 1) one LEFT JOIN found f ON true LEFT JOIN block b ON true`,
    hash,
    key,
  );
  if (key && (row?.wait ?? 0) > 0) throw new TooManyAttemptsError(row!.wait!);
  if (!row?.tokenId || !row.usable) {
    if (key) {
      const failure = await recordFailure(db, key);
      if (failure?.locked) await auditLockout(db, failure, { type: 'client_address', id: client! });
    }
    return null;
  }
  return toActor(row, 'token');
}

export async function listApiTokens(db: Db, actor: Actor) {
  return db.apiToken.findMany({
    where: { userId: actor.id },
    orderBy: { createdAt: 'desc' },
    select: { id: true, name: true, prefix: true, createdAt: true, lastUsedAt: true, expiresAt: true, revokedAt: true },
  });
}

export async function revokeApiToken(db: Db, actor: Actor, id: string): Promise<boolean> {
  // Scoped to the actor: one user can never revoke (or learn about) another's token.
  const { count } = await db.apiToken.updateMany({
    where: { id, userId: actor.id, revokedAt: null },
    data: { revokedAt: new Date() },
  });
  return count === 1;
}

/** The credential of an `Authorization: Bearer …` header, or undefined (then the cookie decides). */
export function bearerFrom(authorization: string | null | undefined): string | undefined {
  return authorization?.match(/^Bearer\s+(\S+)$/i)?.[1];
}

/** Resolves an `Authorization: Bearer …` header or a session cookie to an actor. */
export async function resolveRequestActor(
  db: Db,
  authorization: string | null | undefined,
  sessionToken: string | null | undefined,
  client: string | null = null,
): Promise<Actor | null> {
  const bearer = bearerFrom(authorization);
  if (bearer) return resolveApiToken(db, bearer, client);
  return resolveSession(db, sessionToken);
}
