/**
 * Local mode: the configured database and artifact store, opened directly, acting as a real user;
 * or, when a running server holds the embedded data directory, that server's REST API (a second
 * opener would destroy the database).
 */
import os from 'node:os';
import { openDatabase, type Db } from '../lib/db';
import { ACT_AS_HEADER } from '../lib/auth/local-operator';
import type { Actor } from '../lib/auth/permissions';
import { databaseTarget } from '../lib/config';
import {
  DataDirLockedError,
  DataDirLockUnreadableError,
  describeOwner,
  readLiveOwner,
  type LockRecord,
} from '../lib/db/data-dir-lock';
import { UsageError } from './args';
import type { CommandSpec } from './commands/types';
import { HintedError, RemoteError } from './output';
import { Remote } from './remote';

export async function withDb<T>(fn: (db: Db, where: string) => Promise<T>): Promise<T> {
  let opened;
  try {
    opened = await openDatabase();
  } catch (e) {
    if (e instanceof DataDirLockedError) throw lockedError(e.message, e.owner, null);
    throw e;
  }
  const { db, adapter, close } = opened;
  try {
    return await fn(db, `${adapter.kind} (${adapter.location})`);
  } finally {
    await close();
  }
}

/** What to run instead of a command that needs the data directory while a server holds it. */
function insteadOf(owner: LockRecord, command: string | null): string {
  const stop = `stop the server (pid ${owner.pid}${owner.hostname !== os.hostname() ? ` on ${owner.hostname}` : ''}) and run it again`;
  const url = owner.url ?? 'http://SERVER';
  if (command === 'migrate')
    return `The server applies pending migrations itself when it starts. To run "drawbridge migrate" anyway, ${stop}.`;
  if (command === 'tokens create')
    return `Create the token on ${url}/settings/tokens (signed in as its user), or ${stop}.`;
  if (command?.startsWith('users ')) return `An admin manages users on ${url}/settings/users, or ${stop}.`;
  if (command === 'seed') return `Seeding needs the database to itself: ${stop}.`;
  if (command === 'restore') return 'Restore only into an empty target: point DRAWBRIDGE_DATA_DIR at a new directory.';
  if (command === 'gc')
    return `The server sweeps unreferenced artifacts (older than DRAWBRIDGE_GC_GRACE_MINUTES) when it starts. To run "drawbridge gc" now, ${stop}.`;
  return `Run it against the server: drawbridge ${command ?? 'COMMAND'} … --server ${url} --token TOKEN (a token from ${url}/settings/tokens), or ${stop}.`;
}

function lockedError(message: string, owner: LockRecord, command: string | null): HintedError {
  if (owner.kind === 'server') return new HintedError(message, 'data_dir_in_use', insteadOf(owner, command));
  return new HintedError(
    message,
    'data_dir_in_use',
    `Wait for it to finish (or stop it: kill ${owner.pid}), then run this again.`,
  );
}

/**
 * In local mode on the embedded database: the Remote to use when a running server holds the data
 * directory (the command goes through its API with the server's local-operator credential), null
 * when the directory is free (the command opens it). A command that cannot go over HTTP is refused
 * with what to run instead.
 */
export function routeThroughOwner(command: CommandSpec, actAs: string | undefined): Remote | null {
  const target = databaseTarget();
  if (target.kind !== 'pglite') return null;
  let owner: LockRecord | null;
  try {
    owner = readLiveOwner(target.dir);
  } catch (e) {
    if (e instanceof DataDirLockUnreadableError) throw new HintedError(e.message, e.code, '');
    throw e;
  }
  if (!owner || owner.kind !== 'server') return null; // a CLI owner: opening refuses, naming it
  const message = `The embedded database at ${target.dir} is in use by ${describeOwner(owner)} since ${owner.since}.`;
  if (!command.remote)
    throw lockedError(
      `${message} "${command.name}" works on the database itself, which would make it a second opener.`,
      owner,
      command.name,
    );
  if (!owner.url || !owner.operatorSecret || owner.hostname !== os.hostname())
    throw lockedError(message, owner, command.name);
  process.stderr.write(
    `drawbridge: ${target.dir} is in use by the Drawbridge server (pid ${owner.pid}); going through it at ${owner.url}\n`,
  );
  return new Remote(owner.url, owner.operatorSecret, actAs ? { [ACT_AS_HEADER]: actAs } : {});
}

/** A refusal of the local-operator credential: the server's message says what is wrong; no --token hint. */
export function ownerRouteError(e: unknown): unknown {
  if (e instanceof RemoteError && e.status === 401) return new RemoteError(e.message, e.status, e.code, '');
  return e;
}

/**
 * The user a local command acts as: `--as EMAIL`, or the first admin. Registry functions check this
 * user's permissions and the audit trail names them, exactly as for the same action in the console.
 */
export async function resolveActor(db: Db, email: string | undefined, command: string): Promise<Actor> {
  const user = email
    ? await db.user.findUnique({ where: { email: email.trim().toLowerCase() } })
    : await db.user.findFirst({
        where: { role: 'admin', disabledAt: null },
        orderBy: [{ createdAt: 'asc' }, { email: 'asc' }],
      });
  if (!user) {
    throw new UsageError(
      email
        ? `no user with email ${email}`
        : 'this database has no active admin to act as; create one with "drawbridge users create --email E --name N --role admin" (or "drawbridge seed" for the demo team), or pass --as EMAIL',
      command,
    );
  }
  if (user.disabledAt) throw new UsageError(`user ${user.email} is disabled`, command);
  process.stderr.write(`acting as ${user.email} (${user.role})\n`);
  // 'session': the registry records this user as the author (a 'system' actor would record nobody).
  return { id: user.id, email: user.email, name: user.name, role: user.role, via: 'session' };
}
