import 'server-only';
import crypto from 'node:crypto';
import { z } from 'zod';
import { hashPassword } from '../auth/password';
import { requirePermission, ROLES, type Actor, type Role } from '../auth/permissions';
import type { Db } from '../db';
import type { Prisma } from '../db/generated/client';
import { conflict as stateConflict, DomainError, invalidField, notFound } from '../errors';
import { recordAudit } from './audit';
import { serializable } from './transactions';

/**
 * User management (admins: `users.manage`). Every change runs in one serializable transaction
 * with its audit row, so the guard rails below hold when two admins act at once:
 *
 * - an admin never demotes or disables themselves (they could lock everyone out by accident);
 * - the last active admin is never demoted or disabled.
 *
 * Passwords are hashed here and never logged; a generated password is returned exactly once.
 */

export const MIN_PASSWORD_LENGTH = 12;
const MAX_PASSWORD_LENGTH = 1024;

export const newUserSchema = z.object({
  email: z
    .string({ message: 'Enter an email address.' })
    .trim()
    .toLowerCase()
    .min(1, 'Enter an email address.')
    .max(254, 'That email address is longer than 254 characters.')
    .pipe(z.email({ message: 'Enter a valid email address, e.g. ada@example.org.' })),
  name: z
    .string({ message: 'Enter a name.' })
    .trim()
    .min(1, 'Enter a name.')
    .max(200, 'Keep the name under 200 characters.'),
  role: z.enum(ROLES, { message: `Choose one of: ${ROLES.join(', ')}.` }),
  password: z
    .string()
    .min(MIN_PASSWORD_LENGTH, `Passwords are at least ${MIN_PASSWORD_LENGTH} characters.`)
    .max(MAX_PASSWORD_LENGTH, `Passwords are at most ${MAX_PASSWORD_LENGTH} characters.`)
    .optional(),
});
export type NewUserInput = z.input<typeof newUserSchema>;

/** Never the password hash. */
const publicFields = { id: true, email: true, name: true, role: true, createdAt: true, disabledAt: true } as const;
export type UserSummary = {
  id: string;
  email: string;
  name: string;
  role: Role;
  createdAt: Date;
  disabledAt: Date | null;
};

type Tx = Prisma.TransactionClient;

const invalid = invalidField;
const conflict = (message: string, field?: string) => stateConflict(message, field ? { field } : {});

/** A strong random password: 144 bits, 24 URL-safe characters. */
export function generatePassword(): string {
  return crypto.randomBytes(18).toString('base64url');
}

function parseRole(role: string): Role {
  if (!(ROLES as readonly string[]).includes(role))
    throw invalid(`Choose one of: ${ROLES.join(', ')} (got "${role}").`, 'role');
  return role as Role;
}

async function findUser(tx: Tx | Db, userId: string): Promise<UserSummary> {
  const user = await tx.user.findUnique({ where: { id: userId }, select: publicFields });
  if (!user) throw notFound('User', userId);
  return user;
}

/** Every user audit names the account by id and email; `change` holds what moved. */
function auditUser(
  tx: Tx,
  actor: Actor,
  user: { id: string; email: string },
  action: `user.${string}`,
  change: { before?: Record<string, unknown>; after: Record<string, unknown> },
): Promise<void> {
  return recordAudit(tx, actor, {
    action,
    subjectType: 'user',
    subjectId: user.id,
    ...(change.before && { before: { email: user.email, ...change.before } }),
    after: { email: user.email, ...change.after },
  });
}

/** Refuses a change that would leave `user` without admin rights, when they are the last active admin. */
async function guardLastAdmin(tx: Tx, user: UserSummary, what: string) {
  if (user.role !== 'admin' || user.disabledAt) return;
  const others = await tx.user.count({ where: { role: 'admin', disabledAt: null, id: { not: user.id } } });
  if (others === 0) {
    throw conflict(
      `${user.email} is the last active admin; ${what} would leave nobody able to manage users. Make another user an admin first.`,
    );
  }
}

export async function listUsers(db: Db, actor: Actor): Promise<UserSummary[]> {
  requirePermission(actor, 'users.manage');
  return db.user.findMany({ orderBy: [{ createdAt: 'asc' }, { email: 'asc' }], select: publicFields });
}

/** The user with this email (case-insensitive), for the CLI. */
export async function findUserByEmail(db: Db, actor: Actor, email: string): Promise<UserSummary> {
  requirePermission(actor, 'users.manage');
  const user = await db.user.findUnique({ where: { email: email.trim().toLowerCase() }, select: publicFields });
  if (!user)
    throw new DomainError('not_found', 'not_found', `No user with email ${email.trim().toLowerCase()}`, {
      field: 'email',
    });
  return user;
}

/**
 * Creates an account. Without a password, a strong one is generated and returned once as
 * `generatedPassword` (null when the caller chose the password).
 */
export async function createUser(
  db: Db,
  actor: Actor,
  raw: NewUserInput,
): Promise<{ user: UserSummary; generatedPassword: string | null }> {
  requirePermission(actor, 'users.manage');
  const parsed = newUserSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw invalid(issue.message, String(issue.path[0] ?? 'email'));
  }
  const input = parsed.data;
  const generatedPassword = input.password === undefined ? generatePassword() : null;
  const passwordHash = await hashPassword(input.password ?? generatedPassword!);
  const taken = () => conflict(`A user with email ${input.email} already exists.`, 'email');
  try {
    const user = await serializable(db, async (tx) => {
      if (await tx.user.findUnique({ where: { email: input.email }, select: { id: true } })) throw taken();
      const created = await tx.user.create({
        data: { email: input.email, name: input.name, role: input.role, passwordHash },
        select: publicFields,
      });
      await auditUser(tx, actor, created, 'user.create', { after: { name: created.name, role: created.role } });
      return created;
    });
    return { user, generatedPassword };
  } catch (e) {
    // A concurrent create of the same email that won the race.
    if ((e as { code?: string }).code === 'P2002') throw taken();
    throw e;
  }
}

export async function setUserRole(
  db: Db,
  actor: Actor,
  userId: string,
  role: Role | string,
): Promise<{ user: UserSummary; changed: boolean }> {
  requirePermission(actor, 'users.manage');
  const next = parseRole(role);
  return serializable(db, async (tx) => {
    const user = await findUser(tx, userId);
    if (user.role === next) return { user, changed: false };
    if (next !== 'admin') {
      if (user.id === actor.id) throw conflict('You cannot change your own role: ask another admin to do it.', 'role');
      await guardLastAdmin(tx, user, `making them ${next}`);
    }
    const updated = await tx.user.update({ where: { id: user.id }, data: { role: next }, select: publicFields });
    await auditUser(tx, actor, user, 'user.role', { before: { role: user.role }, after: { role: next } });
    return { user: updated, changed: true };
  });
}

/**
 * Disables (or re-enables) an account. Disabling signs the user out everywhere: their sessions are
 * deleted and their API tokens revoked (re-enabling restores neither).
 */
export async function setUserDisabled(
  db: Db,
  actor: Actor,
  userId: string,
  disabled: boolean,
): Promise<{ user: UserSummary; changed: boolean; sessionsEnded: number; tokensRevoked: number }> {
  requirePermission(actor, 'users.manage');
  return serializable(db, async (tx) => {
    const user = await findUser(tx, userId);
    if (!!user.disabledAt === disabled) return { user, changed: false, sessionsEnded: 0, tokensRevoked: 0 };
    if (!disabled) {
      const updated = await tx.user.update({
        where: { id: user.id },
        data: { disabledAt: null },
        select: publicFields,
      });
      await auditUser(tx, actor, user, 'user.enable', {
        before: { disabledAt: user.disabledAt },
        after: { disabledAt: null },
      });
      return { user: updated, changed: true, sessionsEnded: 0, tokensRevoked: 0 };
    }
    if (user.id === actor.id) throw conflict('You cannot disable your own account: ask another admin to do it.');
    await guardLastAdmin(tx, user, 'disabling them');
    const now = new Date();
    const updated = await tx.user.update({ where: { id: user.id }, data: { disabledAt: now }, select: publicFields });
    const sessions = await tx.session.deleteMany({ where: { userId: user.id } });
    const tokens = await tx.apiToken.updateMany({
      where: { userId: user.id, revokedAt: null },
      data: { revokedAt: now },
    });
    await auditUser(tx, actor, user, 'user.disable', {
      before: { disabledAt: null },
      after: { disabledAt: now, sessionsEnded: sessions.count, tokensRevoked: tokens.count },
    });
    return { user: updated, changed: true, sessionsEnded: sessions.count, tokensRevoked: tokens.count };
  });
}

/** Sets a new generated password, returned this once, and ends the user's sessions. */
export async function resetPassword(
  db: Db,
  actor: Actor,
  userId: string,
): Promise<{ user: UserSummary; password: string; sessionsEnded: number }> {
  requirePermission(actor, 'users.manage');
  const password = generatePassword();
  const passwordHash = await hashPassword(password);
  return serializable(db, async (tx) => {
    const user = await findUser(tx, userId);
    await tx.user.update({ where: { id: user.id }, data: { passwordHash } });
    const sessions = await tx.session.deleteMany({ where: { userId: user.id } });
    await auditUser(tx, actor, user, 'user.password_reset', { after: { sessionsEnded: sessions.count } });
    return { user, password, sessionsEnded: sessions.count };
  });
}
