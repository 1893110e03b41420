import { NextResponse, type NextRequest } from 'next/server';

/**
 * Convenience only: sends visitors without a session cookie to sign-in before a page renders.
 * It is not the security boundary: every page, route handler and server action checks the
 * session and permission itself (lib/auth).
 */
export function proxy(request: NextRequest) {
  const hasSession = request.cookies.has('drawbridge_session');
  const hasBearer = request.headers.get('authorization')?.startsWith('Bearer ');
  if (hasSession || hasBearer) return NextResponse.next();
  const { pathname, search } = request.nextUrl;
  if (pathname.startsWith('/api/')) {
    return NextResponse.json({ detail: 'Not authenticated', code: 'unauthenticated' }, { status: 401 });
  }
  const url = request.nextUrl.clone();
  url.pathname = '/sign-in';
  url.search = `?next=${encodeURIComponent(pathname + search)}`;
  return NextResponse.redirect(url);
}

export const config = {
  // Public: sign-in, health, the OpenAPI document, public share pages (the token is the
  // credential), Next.js assets.
  // Also skipped: the upload routes (exact paths), because Next.js clones and buffers the body of
  // every request its proxy sees, in memory and cut at 10 MB, so the route would read a truncated
  // upload. They stay authenticated: withActor answers an anonymous call with the same 401.
  // proxy.test.ts holds every route that reads an upload to this list.
  matcher: [
    '/((?!sign-in|share/|api/health|api/v1/openapi.json|api/v1/training/jobs$|api/v1/training/models/export/direct$|_next/|favicon.ico).*)',
  ],
};
