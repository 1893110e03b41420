import { cookies } from 'next/headers';
import { getDb, type Db } from '../db';
import { requirePermission, type Actor, type Permission } from '../auth/permissions';
import { SESSION_COOKIE, resolveRequestActor } from '../auth/sessions';
import { errorResponse } from './errors';

type Ctx<P> = { params: Promise<P> };

/**
 * Route-handler wrapper (after dub's withWorkspace): authenticates by bearer token or session,
 * checks the permission inside the handler, maps every error through lib/api/errors.
 */
export function withActor<P = Record<string, string>>(
  permission: Permission,
  handler: (req: Request, ctx: { actor: Actor; db: Db; params: P }) => Promise<Response>,
) {
  return async (req: Request, ctx: Ctx<P>): Promise<Response> => {
    try {
      const db = await getDb();
      const jar = await cookies();
      const actor = await resolveRequestActor(db, req.headers.get('authorization'), jar.get(SESSION_COOKIE)?.value);
      requirePermission(actor, permission);
      return await handler(req, { actor, db, params: await ctx.params });
    } catch (e) {
      return errorResponse(e);
    }
  };
}
