import { NextResponse, type NextRequest } from 'next/server';
import { HSTS_VALUE, newNonce, NO_CONTENT_POLICY, pagePolicy } from '@/lib/security-headers';

/** Pages anyone may open: no session needed (a share link's token is its own credential). */
const PUBLIC_PAGE = /^\/(sign-in|share\/)/;
/** Generated OpenGraph images: fetched by unfurlers, never rendered as documents. */
const OG_IMAGE = /\/(opengraph|twitter)-image(-[\w-]+)?$/;
/** A share link's scoped preview files (artifacts, runtime): not documents; next.config.ts gives their headers. */
const SHARE_FILE = /^\/share\/[^/]+\/(artifacts|ort)\//;

/**
 * Two jobs, on every page request:
 * 1. The Content-Security-Policy, with a fresh nonce. Next.js reads the policy from the request
 *    headers while rendering and puts the nonce on every script it emits, so the same value goes
 *    on the request (for Next.js) and on the response (for the browser).
 * 2. Convenience only: sends visitors without a session cookie to sign-in before a page renders.
 *    It is not the security boundary: every page, route handler and server action checks the
 *    session and permission itself (lib/auth).
 * API routes and /ort/ get their (static) policies from next.config.ts.
 */
export function proxy(request: NextRequest) {
  const { pathname, search } = request.nextUrl;
  // A CORS preflight carries no credentials by design: answering it 401 here made Next.js log an
  // aborted-request exception per preflight. The route's own OPTIONS grants no CORS headers, so the
  // browser still refuses the cross-origin request.
  if (request.method === 'OPTIONS') return secure(NextResponse.next());
  const isApi = pathname.startsWith('/api/');
  const hasSession = request.cookies.has('drawbridge_session');
  const hasBearer = request.headers.get('authorization')?.startsWith('Bearer ');
  if (!hasSession && !hasBearer && !PUBLIC_PAGE.test(pathname)) {
    if (isApi)
      return secure(NextResponse.json({ detail: 'Not authenticated', code: 'unauthenticated' }, { status: 401 }));
    const url = request.nextUrl.clone();
    url.pathname = '/sign-in';
    url.search = `?next=${encodeURIComponent(pathname + search)}`;
    return secure(NextResponse.redirect(url));
  }
  if (isApi || pathname.startsWith('/ort/') || SHARE_FILE.test(pathname)) return secure(NextResponse.next());
  if (OG_IMAGE.test(pathname)) return secure(withPolicy(NextResponse.next(), NO_CONTENT_POLICY));
  const policy = pagePolicy(newNonce(), { dev: process.env.NODE_ENV === 'development', secure: secureDeployment() });
  const headers = new Headers(request.headers);
  headers.set('Content-Security-Policy', policy);
  return secure(withPolicy(NextResponse.next({ request: { headers } }), policy));
}

function withPolicy(res: NextResponse, policy: string): NextResponse {
  res.headers.set('Content-Security-Policy', policy);
  return res;
}

/** The switch that marks the session cookie Secure also says the site is HTTPS-only (README). */
function secureDeployment(): boolean {
  return process.env.DRAWBRIDGE_SECURE_COOKIES === '1';
}

/** HSTS is read at run time, so it lives here (next.config.ts headers are fixed at build time). */
function secure(res: NextResponse): NextResponse {
  if (secureDeployment()) res.headers.set('Strict-Transport-Security', HSTS_VALUE);
  return res;
}

export const config = {
  // Public but still matched (for their CSP): sign-in and share pages; the function lets them through.
  // Skipped: health, readiness, metrics (its own token) and the OpenAPI document (public, JSON; next.config.ts gives them their headers),
  // Next.js assets and the favicon (app/icon.svg: the sign-in and share pages show it to visitors without a session).
  // Also skipped: the upload routes (exact paths), because Next.js clones and buffers the body of
  // every request its proxy sees, in memory and cut at 10 MB, so the route would read a truncated
  // upload. They stay authenticated: withActor answers an anonymous call with the same 401.
  // proxy.test.ts holds every route that reads an upload to this list.
  matcher: [
    '/((?!api/health|api/ready|api/metrics|api/v1/openapi.json|api/v1/training/jobs$|api/v1/training/models/export/direct$|_next/|favicon.ico|icon.svg).*)',
  ],
};
