import { ApiError } from './errors';
import { isJson } from './params';

/**
 * Cross-site request forgery defence for the REST API. A browser attaches the session cookie to a
 * request another site makes (a page on another port of the same host is even "same-site", so
 * SameSite=Lax does not stop it), so a cookie-authenticated mutation must prove the console sent it:
 *
 * 1. `Origin` present and this server's own origin (a cross-site form or fetch cannot forge it);
 * 2. `Sec-Fetch-Site`, when the browser sends it, `same-origin` (or `none`: typed by the user);
 * 3. the custom header `X-Drawbridge-Request` or an application/json body: neither can be sent
 *    cross-origin without a CORS preflight, which this server never grants.
 *
 * API tokens and the local-operator credential travel in `Authorization`, which another site cannot
 * make a browser send; those requests are not checked. Safe methods (GET, HEAD, OPTIONS) change
 * nothing and are not checked either.
 */
export const CSRF_HEADER = 'x-drawbridge-request';
/** What the console's own fetches send (app/(console)/training-jobs/_components/training-job-upload-form.tsx). */
export const CSRF_HEADER_VALUE = '1';
const HEADER_DISPLAY = 'X-Drawbridge-Request';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function isStateChanging(req: Request): boolean {
  return !SAFE_METHODS.has(req.method.toUpperCase());
}

function firstValue(header: string | null): string | undefined {
  const v = header?.split(',')[0].trim();
  return v ? v : undefined;
}

function originOf(url: string): string | undefined {
  try {
    const o = new URL(url).origin;
    return o === 'null' ? undefined : o;
  } catch {
    return undefined;
  }
}

/**
 * The origins this server answers at: the one the request itself was addressed to (Host, or the
 * X-Forwarded-Host/-Proto a reverse proxy sets; a browser page cannot set either on a cross-site
 * request) and DRAWBRIDGE_PUBLIC_URL when the deployment names it.
 */
export function serverOrigins(req: Request): string[] {
  const url = new URL(req.url);
  const host = firstValue(req.headers.get('x-forwarded-host')) ?? firstValue(req.headers.get('host')) ?? url.host;
  const proto = (firstValue(req.headers.get('x-forwarded-proto')) ?? url.protocol.replace(/:$/, '')).toLowerCase();
  const out = new Set<string>();
  const own = originOf(`${proto}://${host}`);
  if (own) out.add(own);
  const configured = process.env.DRAWBRIDGE_PUBLIC_URL?.trim();
  const pub = configured ? originOf(configured) : undefined;
  if (pub) out.add(pub);
  return [...out];
}

/** Why a cookie-authenticated mutation is refused; empty when it may proceed. */
export function csrfProblems(req: Request): string[] {
  const problems: string[] = [];
  const origin = req.headers.get('origin');
  const allowed = serverOrigins(req);
  if (origin === null || origin.trim() === '') {
    problems.push('it has no Origin header');
  } else {
    const o = origin.trim() === 'null' ? undefined : originOf(origin.trim());
    if (!o || !allowed.includes(o))
      problems.push(
        `its Origin ${JSON.stringify(origin.slice(0, 200))} is not this server's (${allowed.join(' or ')})`,
      );
  }
  const site = req.headers.get('sec-fetch-site');
  if (site !== null && site !== 'same-origin' && site !== 'none')
    problems.push(`the browser says it came from a ${JSON.stringify(site.slice(0, 40))} page (Sec-Fetch-Site)`);
  const marked = (req.headers.get(CSRF_HEADER) ?? '').trim() !== '';
  if (!marked && !isJson(req))
    problems.push(`it carries neither the ${HEADER_DISPLAY} header nor an application/json body`);
  return problems;
}

/**
 * For a request authenticated by the session cookie (withActor decides: no bearer credential).
 * Refuses a state-changing one that does not prove it came from the
 * console (403 csrf_refused, saying what was missing), and one that carries its parameters in the
 * query string (400 query_parameters_refused): a cookie-authenticated mutation takes them from the
 * body only, so a link or a form's action URL can never carry them. Token and local-operator
 * requests keep the original service's query-string contract.
 */
export function checkCookieMutation(req: Request): void {
  if (!isStateChanging(req)) {
    checkCookieRead(req);
    return;
  }
  const problems = csrfProblems(req);
  if (problems.length > 0) {
    throw new ApiError(
      'csrf_refused',
      `Refused as a possible cross-site request: this ${req.method.toUpperCase()} is authenticated by the session cookie, but ${problems.join('; ')}. ` +
        `The console sends Origin and ${HEADER_DISPLAY}: ${CSRF_HEADER_VALUE} from its own pages; scripts and pipelines use an API token (Authorization: Bearer …).`,
    );
  }
  const names = [...new Set(new URL(req.url).searchParams.keys())];
  if (names.length > 0) {
    throw new ApiError(
      'query_parameters_refused',
      `A request authenticated by the session cookie sends its parameters in the body (JSON or form fields), not the query string (got ${names
        .slice(0, 10)
        .map((n) => JSON.stringify(n.slice(0, 60)))
        .join(', ')}). The query-string form is for API-token calls.`,
    );
  }
}

/**
 * A cookie-authenticated read that another site embeds (an <img>, <script> or no-cors fetch at an
 * API URL) cannot show that site the answer, but it still runs the route: GET /api/v1/backup writes
 * an audit row and streams the whole registry. Browsers say who asked in Sec-Fetch-Site; a
 * subresource from another site or origin is refused. Following a link (a top-level navigation) stays
 * allowed, so an artifact URL pasted in chat still downloads, except where `navigations: false`.
 */
export function checkCookieRead(req: Request, opts: { navigations?: boolean } = {}): void {
  const site = req.headers.get('sec-fetch-site');
  if (site === null || site === 'same-origin' || site === 'none') return;
  const navigate = req.headers.get('sec-fetch-mode') === 'navigate';
  if (navigate && opts.navigations !== false) return;
  throw new ApiError(
    'csrf_refused',
    `Refused as a possible cross-site request: this ${req.method.toUpperCase()} is authenticated by the session cookie but the browser says a ${JSON.stringify(site.slice(0, 40))} page asked for it (Sec-Fetch-Site). Open it from the console, or use an API token.`,
  );
}
