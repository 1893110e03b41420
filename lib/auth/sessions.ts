import type { Db } from '../db';
import { hashPassword, hashSecret, newSecret, verifyPassword } from './password';
import type { Actor, Role } from './permissions';

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

export async function resolveApiToken(db: Db, token: string | undefined | null): Promise<Actor | null> {
  if (!token || !token.startsWith(API_TOKEN_PREFIX)) return null;
  const row = await db.apiToken.findUnique({ where: { tokenHash: hashSecret(token) }, include: { user: true } });
  if (!row || row.revokedAt || (row.expiresAt && row.expiresAt <= new Date()) || row.user.disabledAt) return null;
  await db.apiToken.update({ where: { id: row.id }, data: { lastUsedAt: new Date() } });
  return toActor(row.user, 'token');
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

/** Resolves an `Authorization: Bearer …` header or a session cookie to an actor. */
export async function resolveRequestActor(
  db: Db,
  authorization: string | null | undefined,
  sessionToken: string | null | undefined,
): Promise<Actor | null> {
  const bearer = authorization?.match(/^Bearer\s+(\S+)$/i)?.[1];
  if (bearer) return resolveApiToken(db, bearer);
  return resolveSession(db, sessionToken);
}
