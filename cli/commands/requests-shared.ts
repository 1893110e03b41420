/** What every review-workflow command shares: the request id argument, local-or-remote dispatch, flag helpers. */
import type { Actor } from '../../lib/auth/permissions';
import type { Db } from '../../lib/db';
import { UsageError, type Values } from '../args';
import { resolveActor, withDb } from '../local';
import type { Remote } from '../remote';

export const ENV_HELP = `--env E                  production (default) or staging.`;

export function requestId(args: string[], command: string): string {
  const id = args[0];
  if (!id || !/^[A-Za-z0-9_-]{1,64}$/.test(id))
    throw new UsageError(`${command} needs a REQUEST_ID (see "drawbridge requests list")`, command);
  return id;
}

/** Runs `local` on the database as --as (or the first admin), or `remote` over --server. */
export async function act<T>(
  ctx: { v: Values; remote: Remote | null },
  command: string,
  remote: (r: Remote) => Promise<T>,
  local: (db: Db, actor: Actor) => Promise<T>,
): Promise<T> {
  if (ctx.remote) return remote(ctx.remote);
  return withDb(async (db) => local(db, await resolveActor(db, ctx.v.as, command)));
}

export function dropUndefined(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, x]) => x !== undefined));
}

/** --X / --no-X: true, false, or undefined (leave it as it is); both is a usage error. */
export function eitherWay(v: Values, name: 'replace' | 'backup' | 'validate', cmd: string): boolean | undefined {
  const yes = v[name];
  const no = v[`no-${name}`];
  if (yes && no) throw new UsageError(`give --${name} or --no-${name}, not both`, cmd);
  return yes ? true : no ? false : undefined;
}
