/**
 * The proxy's matcher, compiled by Next.js's own matcher compiler: every route that reads an upload
 * is outside it (Next.js buffers and truncates the body of any request its proxy sees), and every
 * other API route stays inside it, so anonymous API calls keep their early 401.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { NextRequest } from 'next/server';
import { describe, expect, it } from 'vitest';
import { config, proxy } from './proxy';

const require = createRequire(import.meta.url);
const { getMiddlewareMatchers } = require('next/dist/build/analysis/get-page-static-info.js') as {
  getMiddlewareMatchers: (m: string[], c: object) => { regexp: string }[];
};
const matchers = getMiddlewareMatchers(config.matcher, {}).map((m) => new RegExp(m.regexp));
const proxied = (p: string) => matchers.some((re) => re.test(p));

const API_DIR = path.join(import.meta.dirname, 'app', 'api');
/** Each route file under app/api and the URL path it serves ([param] → a sample value). */
function apiRoutes(): { url: string; source: string }[] {
  const files = fs.readdirSync(API_DIR, { recursive: true, encoding: 'utf8' }).filter((f) => path.basename(f) === 'route.ts');
  return files.map((f) => ({
    url: '/api/' + path.dirname(f).split(path.sep).map((s) => (s.startsWith('[') ? '7' : s)).join('/'),
    source: fs.readFileSync(path.join(API_DIR, f), 'utf8'),
  }));
}

describe('proxy matcher', () => {
  const routes = apiRoutes();
  const uploads = routes.filter((r) => r.source.includes('readUploadForm('));

  it('leaves out every route that reads an upload', () => {
    expect(uploads.map((r) => r.url).sort()).toEqual(['/api/v1/training/jobs', '/api/v1/training/models/export/direct']);
    for (const r of uploads) expect(proxied(r.url), r.url).toBe(false);
  });

  it('keeps every other non-public API route and the console pages', () => {
    const publicRoutes = ['/api/health', '/api/v1/openapi.json'];
    const others = routes.filter((r) => !uploads.includes(r) && !publicRoutes.includes(r.url));
    expect(others.length).toBeGreaterThan(15);
    for (const r of others) expect(proxied(r.url), r.url).toBe(true);
    // Exact paths only: the job beside the upload route, and anything below it, stay proxied.
    for (const p of ['/api/v1/training/jobs/3', '/api/v1/training/jobsx', '/api/v1/training/models/export', '/api/v1/training/models/export/direct/x', '/training-jobs', '/'])
      expect(proxied(p), p).toBe(true);
    for (const p of publicRoutes) expect(proxied(p), p).toBe(false);
  });

  it('answers anonymous API calls 401 and sends anonymous visitors to sign-in', async () => {
    const api = proxy(new NextRequest('http://127.0.0.1/api/v1/me'));
    expect(api.status).toBe(401);
    expect(await api.json()).toEqual({ detail: 'Not authenticated', code: 'unauthenticated' });
    const page = proxy(new NextRequest('http://127.0.0.1/training-jobs?page=2'));
    expect(page.status).toBe(307);
    const to = new URL(page.headers.get('location')!);
    expect(to.pathname + to.search).toBe('/sign-in?next=%2Ftraining-jobs%3Fpage%3D2');
    expect(proxy(new NextRequest('http://127.0.0.1/api/v1/me', { headers: { authorization: 'Bearer x' } })).headers.get('x-middleware-next')).toBe('1');
  });
});
