import { getDb, type Db } from '../db';
import { requirePermission, type Actor, type Permission } from '../auth/permissions';
import { SESSION_COOKIE, bearerFrom, resolveRequestActor } from '../auth/sessions';
import { ACT_AS_HEADER, resolveLocalOperator } from '../auth/local-operator';
import { clientAddress } from '../auth/throttle';
import { checkCookieMutation } from './csrf';
import { errorResponse } from './errors';
import { guardRequestTarget } from './input-guard';
import { observeRequest } from '../metrics/registry';

type Ctx<P> = { params: Promise<P> };

/** The session cookie from a raw Cookie header (handlers stay plain Request → Response functions). */
export function sessionTokenFrom(req: Request): string | undefined {
  const header = req.headers.get('cookie');
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === SESSION_COOKIE) {
      // A value with a broken %-escape is no session we issued (was a URIError → 500).
      try {
        return decodeURIComponent(part.slice(eq + 1).trim());
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

/**
 * Route-handler wrapper (after dub's withWorkspace): authenticates by bearer token or session,
 * refuses a cookie-authenticated mutation that does not prove it came from the console (csrf.ts),
 * checks the permission inside the handler, maps every error through lib/api/errors.
 */
export function withActor<P = Record<string, string>>(
  permission: Permission,
  handler: (req: Request, ctx: { actor: Actor; db: Db; params: P }) => Promise<Response>,
) {
  const handle = async (req: Request, ctx: Ctx<P>): Promise<Response> => {
    try {
      // Syntax first, before any database work: NUL, lone surrogates, broken %-escapes → 400 naming the parameter.
      guardRequestTarget(req, await ctx.params);
      const db = await getDb();
      const authorization = req.headers.get('authorization');
      // The CLI in local mode comes through the server that owns the data directory (local-operator.ts).
      const actor =
        (await resolveLocalOperator(db, authorization, req.headers.get(ACT_AS_HEADER))) ??
        (await resolveRequestActor(db, authorization, sessionTokenFrom(req), clientAddress(req.headers)));
      // A browser attaches the cookie to requests other sites make, never an Authorization header:
      // only cookie-authenticated requests are checked, before the permission, so a forged one
      // learns nothing about what the victim may do. (The local operator's actor says 'session'
      // too, as local mode records it, so the credential decides, not actor.via.)
      if (actor && !bearerFrom(authorization)) checkCookieMutation(req);
      requirePermission(actor, permission);
      return await handler(req, { actor, db, params: await ctx.params });
    } catch (e) {
      return errorResponse(e);
    }
  };
  const route = observed(handle);
  // The permission travels with the handler: the OpenAPI test holds the path table to it.
  return Object.assign(route, { permission });
}

/**
 * A public route (no actor: the OpenAPI document, the runtime files, a share link's bytes): counted
 * and timed by route pattern like withActor's, its errors answered the same way. The probes
 * (/api/health, /api/ready) and the scrape (/api/metrics) are left uncounted: they would only count
 * themselves.
 */
export function withPublic<P = Record<string, string>>(
  handler: (req: Request, ctx: Ctx<P>) => Promise<Response> | Response,
) {
  return observed<P>(async (req, ctx) => {
    try {
      return await handler(req, ctx);
    } catch (e) {
      return errorResponse(e);
    }
  });
}

/** Counted and timed by route pattern for /api/metrics (lib/metrics). */
function observed<P>(handle: (req: Request, ctx: Ctx<P>) => Promise<Response>) {
  return (req: Request, ctx: Ctx<P>) =>
    observeRequest(req, Promise.resolve(ctx?.params as unknown as Record<string, string> | undefined), () =>
      handle(req, ctx),
    );
}
