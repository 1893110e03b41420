import { getDb, type Db } from '../db';
import { requirePermission, type Actor, type Permission } from '../auth/permissions';
import { SESSION_COOKIE, resolveRequestActor } from '../auth/sessions';
import { ACT_AS_HEADER, resolveLocalOperator } from '../auth/local-operator';
import { errorResponse } from './errors';

type Ctx<P> = { params: Promise<P> };

/** The session cookie from a raw Cookie header (handlers stay plain Request → Response functions). */
export function sessionTokenFrom(req: Request): string | undefined {
  const header = req.headers.get('cookie');
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === SESSION_COOKIE) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return undefined;
}

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
      const authorization = req.headers.get('authorization');
      // The CLI in local mode comes through the server that owns the data directory (local-operator.ts).
      const actor =
        (await resolveLocalOperator(db, authorization, req.headers.get(ACT_AS_HEADER))) ??
        (await resolveRequestActor(db, authorization, sessionTokenFrom(req)));
      requirePermission(actor, permission);
      return await handler(req, { actor, db, params: await ctx.params });
    } catch (e) {
      return errorResponse(e);
    }
  };
}
