/** Local mode: the configured database and artifact store, opened directly, acting as a real user. */
import { openDatabase, type Db } from '../lib/db';
import type { Actor } from '../lib/auth/permissions';
import { UsageError } from './args';

export async function withDb<T>(fn: (db: Db, where: string) => Promise<T>): Promise<T> {
  const { db, adapter, close } = await openDatabase();
  try {
    return await fn(db, `${adapter.kind} (${adapter.location})`);
  } finally {
    await close();
  }
}

/**
 * The user a local command acts as: `--as EMAIL`, or the first admin. Registry functions check this
 * user's permissions and the audit trail names them, exactly as for the same action in the console.
 */
export async function resolveActor(db: Db, email: string | undefined, command: string): Promise<Actor> {
  const user = email
    ? await db.user.findUnique({ where: { email: email.trim().toLowerCase() } })
    : await db.user.findFirst({ where: { role: 'admin', disabledAt: null }, orderBy: [{ createdAt: 'asc' }, { email: 'asc' }] });
  if (!user) {
    throw new UsageError(
      email ? `no user with email ${email}` : 'this database has no active admin to act as; create one with "drawbridge users create --email E --name N --role admin" (or "drawbridge seed" for the demo team), or pass --as EMAIL',
      command,
    );
  }
  if (user.disabledAt) throw new UsageError(`user ${user.email} is disabled`, command);
  process.stderr.write(`acting as ${user.email} (${user.role})\n`);
  // 'session': the registry records this user as the author (a 'system' actor would record nobody).
  return { id: user.id, email: user.email, name: user.name, role: user.role, via: 'session' };
}
