/**
 * The proxy's matcher, compiled by Next.js's own matcher compiler: every route that reads an upload
 * is outside it (Next.js buffers and truncates the body of any request its proxy sees), and every
 * other API route stays inside it, so anonymous API calls keep their early 401.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { NextRequest } from 'next/server';
import { afterEach, describe, expect, it, vi } from 'vitest';
import nextConfig from './next.config';
import { config, proxy } from './proxy';
import { HSTS_VALUE, NO_CONTENT_POLICY, WORKER_POLICY } from './lib/security-headers';

const require = createRequire(import.meta.url);
const { getMiddlewareMatchers } = require('next/dist/build/analysis/get-page-static-info.js') as {
  getMiddlewareMatchers: (m: string[], c: object) => { regexp: string }[];
};
const matchers = getMiddlewareMatchers(config.matcher, {}).map((m) => new RegExp(m.regexp));
const proxied = (p: string) => matchers.some((re) => re.test(p));

const API_DIR = path.join(import.meta.dirname, 'app', 'api');
/** Each route file under app/api and the URL path it serves ([param] → a sample value). */
function apiRoutes(): { url: string; source: string }[] {
  const files = fs
    .readdirSync(API_DIR, { recursive: true, encoding: 'utf8' })
    .filter((f) => path.basename(f) === 'route.ts');
  return files.map((f) => ({
    url:
      '/api/' +
      path
        .dirname(f)
        .split(path.sep)
        .map((s) => (s.startsWith('[') ? '7' : s))
        .join('/'),
    source: fs.readFileSync(path.join(API_DIR, f), 'utf8'),
  }));
}

const APP_DIR = path.join(import.meta.dirname, 'app');
/** Each page under app/ and a URL it serves: route groups dropped, [param] → a sample value. */
function pageRoutes(): string[] {
  const files = fs
    .readdirSync(APP_DIR, { recursive: true, encoding: 'utf8' })
    .filter((f) => path.basename(f) === 'page.tsx');
  return files.map((f) => {
    const segs = path
      .dirname(f)
      .split(path.sep)
      .filter((s) => s !== '.' && !/^\(.*\)$/.test(s));
    return '/' + segs.map((s) => (s.startsWith('[') ? 'a1.b2' : s)).join('/');
  });
}

describe('proxy matcher', () => {
  const routes = apiRoutes();
  const uploads = routes.filter((r) => r.source.includes('readUploadForm('));

  it('leaves out every route that reads an upload', () => {
    expect(uploads.map((r) => r.url).sort()).toEqual([
      '/api/v1/training/jobs',
      '/api/v1/training/models/export/direct',
    ]);
    for (const r of uploads) expect(proxied(r.url), r.url).toBe(false);
  });

  it('keeps every other non-public API route and the console pages', () => {
    const publicRoutes = ['/api/health', '/api/ready', '/api/metrics', '/api/v1/openapi.json'];
    const others = routes.filter((r) => !uploads.includes(r) && !publicRoutes.includes(r.url));
    expect(others.length).toBeGreaterThan(15);
    for (const r of others) expect(proxied(r.url), r.url).toBe(true);
    // Exact paths only: the job beside the upload route, and anything below it, stay proxied.
    for (const p of [
      '/api/v1/training/jobs/3',
      '/api/v1/training/jobsx',
      '/api/v1/training/models/export',
      '/api/v1/training/models/export/direct/x',
      '/training-jobs',
      '/',
    ])
      expect(proxied(p), p).toBe(true);
    for (const p of publicRoutes) expect(proxied(p), p).toBe(false);
  });

  it('sees every page, public ones included, so each gets its CSP', () => {
    const pages = pageRoutes();
    expect(pages.length).toBeGreaterThanOrEqual(15);
    expect(pages).toEqual(expect.arrayContaining(['/', '/sign-in', '/share/a1.b2', '/models/a1.b2']));
    for (const p of [...pages, '/no-such-page', '/models/a1.b2/opengraph-image', '/ort/1.30.0/ort.wasm.min.mjs'])
      expect(proxied(p), p).toBe(true);
  });

  it('answers anonymous API calls 401 and sends anonymous visitors to sign-in', async () => {
    const api = proxy(new NextRequest('http://127.0.0.1/api/v1/me'));
    expect(api.status).toBe(401);
    expect(await api.json()).toEqual({ detail: 'Not authenticated', code: 'unauthenticated' });
    const page = proxy(new NextRequest('http://127.0.0.1/training-jobs?page=2'));
    expect(page.status).toBe(307);
    const to = new URL(page.headers.get('location')!);
    expect(to.pathname + to.search).toBe('/sign-in?next=%2Ftraining-jobs%3Fpage%3D2');
    expect(
      proxy(new NextRequest('http://127.0.0.1/api/v1/me', { headers: { authorization: 'Bearer x' } })).headers.get(
        'x-middleware-next',
      ),
    ).toBe('1');
  });
});

const session = { cookie: 'drawbridge_session=s' };
const cspOf = (res: Response) => res.headers.get('content-security-policy');
const directives = (policy: string) =>
  new Map(policy.split('; ').map((d) => [d.split(' ')[0], d.split(' ').slice(1)] as const));

describe('Content-Security-Policy from the proxy', () => {
  afterEach(() => vi.unstubAllEnvs());

  it('is on every page, signed in or (for public pages) not, with the same policy handed to Next.js for its nonces', () => {
    const pages = [...pageRoutes(), '/no-such-page'];
    const seen = new Set<string>();
    for (const p of pages) {
      for (const headers of [session, {}]) {
        const res = proxy(new NextRequest(`http://127.0.0.1${p}`, { headers }));
        if (!('cookie' in headers) && !/^\/(sign-in|share\/)/.test(p)) {
          // anonymous on a console page: still sent to sign-in, as before
          expect(res.status, p).toBe(307);
          continue;
        }
        expect(res.headers.get('x-middleware-next'), p).toBe('1');
        const policy = cspOf(res)!;
        expect(policy, p).toMatch(/^default-src 'self'; script-src 'nonce-[A-Za-z0-9+/]{22}==' 'strict-dynamic'; /);
        // Next.js renders with the request's headers: the same policy (so the same nonce) goes there
        expect(res.headers.get('x-middleware-request-content-security-policy'), p).toBe(policy);
        expect(res.headers.get('x-middleware-override-headers'), p).toContain('content-security-policy');
        seen.add(policy.match(/'nonce-([^']+)'/)![1]);
      }
    }
    // a fresh nonce per request: pages × (signed in + public anonymous) requests, all different
    const requests = pages.length + pages.filter((p) => /^\/(sign-in|share\/)/.test(p)).length;
    expect(seen.size).toBe(requests);
  });

  it('is strict: nonce scripts only, no inline or eval, no wasm on pages, locked-down framing, forms, base and plugins', () => {
    const d = directives(cspOf(proxy(new NextRequest('http://127.0.0.1/models/x', { headers: session })))!);
    const script = d.get('script-src')!;
    expect(script).toHaveLength(2);
    expect(script[0]).toMatch(/^'nonce-/);
    expect(script[1]).toBe("'strict-dynamic'");
    for (const bad of ["'unsafe-inline'", "'unsafe-eval'", "'wasm-unsafe-eval'", '*', 'data:', 'blob:'])
      expect(script).not.toContain(bad);
    expect(d.get('style-src')).toEqual(["'self'", script[0]]);
    expect(d.get('style-src-attr')).toEqual(["'unsafe-inline'"]);
    expect(d.get('worker-src')).toEqual(["'self'", 'blob:']);
    expect(d.get('connect-src')).toEqual(["'self'"]);
    expect(d.get('object-src')).toEqual(["'none'"]);
    expect(d.get('base-uri')).toEqual(["'self'"]);
    expect(d.get('form-action')).toEqual(["'self'"]);
    expect(d.get('frame-ancestors')).toEqual(["'none'"]);
    expect(d.has('upgrade-insecure-requests')).toBe(false); // plain HTTP unless secure
  });

  it('gives OG images the no-content policy and leaves API, /ort and the share-scoped files to next.config.ts', () => {
    for (const p of ['/models/x/opengraph-image', '/share/a.b/opengraph-image', '/share/a.b/twitter-image-1x2y'])
      expect(cspOf(proxy(new NextRequest(`http://127.0.0.1${p}`, { headers: session }))), p).toBe(NO_CONTENT_POLICY);
    const shareFiles = ['/share/a.b/ort/1.30.0/ort.wasm.min.mjs', `/share/a.b/artifacts/${'a'.repeat(64)}`];
    for (const p of ['/api/v1/me', '/ort/1.30.0/ort.wasm.min.mjs', ...shareFiles]) {
      const res = proxy(new NextRequest(`http://127.0.0.1${p}`, { headers: session }));
      expect(res.headers.get('x-middleware-next'), p).toBe('1');
      expect(cspOf(res), p).toBeNull();
    }
  });

  it('next.config.ts: API routes load nothing; wasm may compile only in the preview worker and the ORT files', async () => {
    const rules = await nextConfig.headers!();
    const csp = (source: string) =>
      rules.find((r) => r.source === source)?.headers.find((h) => h.key === 'Content-Security-Policy')?.value;
    expect(csp('/api/:path*')).toBe("default-src 'none'; frame-ancestors 'none'");
    expect(csp('/ort/:path*')).toBe(WORKER_POLICY);
    expect(csp('/share/:token/ort/:path*')).toBe(WORKER_POLICY);
    expect(csp('/_next/static/chunks/:file(turbopack-worker-[^/]+\\.js)')).toBe(WORKER_POLICY);
    expect(WORKER_POLICY).toContain("script-src 'self' 'wasm-unsafe-eval'");
    expect(WORKER_POLICY).not.toMatch(/'unsafe-eval'|'unsafe-inline'/);
    // no rule puts a CSP on pages: that is the proxy's, per request
    const withCsp = rules
      .filter((r) => r.headers.some((h) => h.key === 'Content-Security-Policy'))
      .map((r) => r.source);
    expect(withCsp.sort()).toEqual([
      '/_next/static/chunks/:file(turbopack-worker-[^/]+\\.js)',
      '/api/:path*',
      '/ort/:path*',
      '/share/:token/ort/:path*',
    ]);
  });

  it('adds HSTS (and upgrade-insecure-requests) only when DRAWBRIDGE_SECURE_COOKIES=1', () => {
    const responses = () => [
      proxy(new NextRequest('http://127.0.0.1/models', { headers: session })),
      proxy(new NextRequest('http://127.0.0.1/sign-in')),
      proxy(new NextRequest('http://127.0.0.1/models')), // redirect
      proxy(new NextRequest('http://127.0.0.1/api/v1/me')), // 401
      proxy(new NextRequest('http://127.0.0.1/api/v1/me', { headers: session })),
    ];
    for (const v of [undefined, '0', 'true']) {
      vi.stubEnv('DRAWBRIDGE_SECURE_COOKIES', v);
      for (const r of responses()) expect(r.headers.get('strict-transport-security'), String(v)).toBeNull();
    }
    vi.stubEnv('DRAWBRIDGE_SECURE_COOKIES', '1');
    const rs = responses();
    expect(rs.map((r) => r.status)).toEqual([200, 200, 307, 401, 200]);
    for (const r of rs) expect(r.headers.get('strict-transport-security')).toBe(HSTS_VALUE);
    expect(HSTS_VALUE).toBe('max-age=63072000; includeSubDomains');
    expect(cspOf(rs[0])).toMatch(/; upgrade-insecure-requests$/);
  });
});
