/**
 * The CSRF check (csrf.ts): the header rules on their own, then through the real route handlers on
 * a seeded embedded database: every mutating route refuses a forged cookie request before it reads
 * anything, the console's shape of request goes through, and API tokens and the local operator
 * keep the original query-string contract.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '@/lib/db';
import type { Role } from '@/lib/auth/permissions';
import { openSeededApp } from '@/app/api/test-app';
import { computePreviewSummaryForTest } from '@/lib/registry/test-preview';
import type { ArtifactStore } from '@/lib/storage/types';
import { checkCookieMutation, checkCookieRead, csrfProblems, serverOrigins } from './csrf';
import { ApiError } from './errors';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const SELF = 'http://127.0.0.1:3110';
// Another port of the same host: "same-site", so the browser sends the SameSite=Lax cookie.
const EVIL = 'http://127.0.0.1:3111';

function req(url: string, o: { method?: string; headers?: Record<string, string>; body?: BodyInit } = {}) {
  return new Request(url, { method: o.method ?? 'POST', headers: o.headers, body: o.body });
}

describe('csrfProblems / checkCookieMutation', () => {
  const good = { host: '127.0.0.1:3110', origin: SELF, 'sec-fetch-site': 'same-origin', 'x-drawbridge-request': '1' };
  const refusal = (r: Request) => {
    try {
      checkCookieMutation(r);
      return null;
    } catch (e) {
      expect(e).toBeInstanceOf(ApiError);
      return { code: (e as ApiError).code, status: (e as ApiError).status, message: (e as ApiError).message };
    }
  };

  // [what, headers, content type, refused?, words the message must contain]
  const table: [string, Record<string, string | undefined>, string | undefined, boolean, string[]][] = [
    ['console fetch with the header', {}, undefined, false, []],
    ['console JSON without the header', { 'x-drawbridge-request': undefined }, 'application/json', false, []],
    ['no Origin', { origin: undefined }, undefined, true, ['no Origin header']],
    ['Origin "null" (sandboxed or file page)', { origin: 'null' }, undefined, true, ['"null"', "is not this server's"]],
    ['another port of the same host', { origin: EVIL }, undefined, true, [EVIL, SELF]],
    ['localhost for 127.0.0.1', { origin: 'http://localhost:3110' }, undefined, true, ['http://localhost:3110']],
    ['https for http', { origin: 'https://127.0.0.1:3110' }, undefined, true, ['https://127.0.0.1:3110']],
    [
      'Origin with a suffix host',
      { origin: 'http://127.0.0.1:3110.evil.example' },
      undefined,
      true,
      ["is not this server's"],
    ],
    ['Sec-Fetch-Site same-site', { 'sec-fetch-site': 'same-site' }, undefined, true, ['"same-site"', 'Sec-Fetch-Site']],
    ['Sec-Fetch-Site cross-site', { 'sec-fetch-site': 'cross-site' }, undefined, true, ['"cross-site"']],
    ['Sec-Fetch-Site none (typed by the user)', { 'sec-fetch-site': 'none' }, undefined, false, []],
    ['no Sec-Fetch-Site (older browser)', { 'sec-fetch-site': undefined }, undefined, false, []],
    [
      'text/plain form, no header',
      { 'x-drawbridge-request': undefined },
      'text/plain',
      true,
      ['neither the X-Drawbridge-Request header nor an application/json body'],
    ],
    [
      'urlencoded form, no header',
      { 'x-drawbridge-request': undefined },
      'application/x-www-form-urlencoded',
      true,
      ['X-Drawbridge-Request'],
    ],
    [
      'multipart form, no header',
      { 'x-drawbridge-request': undefined },
      'multipart/form-data; boundary=x',
      true,
      ['X-Drawbridge-Request'],
    ],
    ['empty header value', { 'x-drawbridge-request': '' }, 'text/plain', true, ['X-Drawbridge-Request']],
    [
      'a forged form: every rule broken',
      { origin: EVIL, 'sec-fetch-site': 'same-site', 'x-drawbridge-request': undefined },
      'text/plain',
      true,
      [EVIL, '"same-site"', 'X-Drawbridge-Request', 'API token'],
    ],
  ];

  it.each(table)('%s', (_what, override, type, refused, words) => {
    const headers: Record<string, string> = { ...good };
    for (const [k, v] of Object.entries(override)) {
      if (v === undefined) delete headers[k];
      else headers[k] = v;
    }
    if (type) headers['content-type'] = type;
    const r = refusal(req(`${SELF}/api/v1/training/models/deploy`, { headers }));
    if (!refused) return expect(r).toBeNull();
    expect(r).toMatchObject({ code: 'csrf_refused', status: 403 });
    for (const w of words) expect(r!.message).toContain(w);
  });

  it('lists every problem of a request at once', () => {
    expect(
      csrfProblems(
        req(`${SELF}/x`, {
          headers: { host: '127.0.0.1:3110', 'sec-fetch-site': 'cross-site', 'content-type': 'text/plain' },
        }),
      ),
    ).toHaveLength(3);
  });

  it('safe methods are not checked; every other method is', () => {
    for (const method of ['GET', 'HEAD', 'OPTIONS'])
      expect(refusal(req(`${SELF}/x?page=2`, { method, headers: { origin: EVIL } }))).toBeNull();
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE'])
      expect(refusal(req(`${SELF}/x`, { method, headers: { origin: EVIL } }))?.code).toBe('csrf_refused');
  });

  it("the server origin follows Host, then a reverse proxy's X-Forwarded-Host/-Proto, plus DRAWBRIDGE_PUBLIC_URL", () => {
    expect(serverOrigins(req('http://0.0.0.0:3000/x', { headers: { host: 'drawbridge.internal:3000' } }))).toEqual([
      'http://drawbridge.internal:3000',
    ]);
    const proxied = req('http://0.0.0.0:3000/x', {
      headers: {
        host: '0.0.0.0:3000',
        'x-forwarded-host': 'models.example.org, proxy.local',
        'x-forwarded-proto': 'https',
      },
    });
    expect(serverOrigins(proxied)).toEqual(['https://models.example.org']);
    const before = process.env.DRAWBRIDGE_PUBLIC_URL;
    try {
      process.env.DRAWBRIDGE_PUBLIC_URL = 'https://drawbridge.example.org:443/some/path';
      expect(serverOrigins(req('http://10.0.0.5:3000/x'))).toEqual([
        'http://10.0.0.5:3000',
        'https://drawbridge.example.org',
      ]);
      const viaPublic = req('http://10.0.0.5:3000/x', {
        headers: { origin: 'https://drawbridge.example.org', 'x-drawbridge-request': '1' },
      });
      expect(refusal(viaPublic)).toBeNull();
    } finally {
      if (before === undefined) delete process.env.DRAWBRIDGE_PUBLIC_URL;
      else process.env.DRAWBRIDGE_PUBLIC_URL = before;
    }
  });

  it('a cookie mutation carrying its parameters in the query string is refused (400), not ignored', () => {
    const r = refusal(
      req(`${SELF}/api/v1/deployment-requests/x/break-glass?reason=incident&reason=again&x=`, { headers: good }),
    );
    expect(r).toMatchObject({ code: 'query_parameters_refused', status: 400 });
    expect(r!.message).toContain('"reason", "x"');
  });
});

// ---------------------------------------------------------------------------------------------
// Through the real route handlers.

type Handler = (req: Request, ctx: { params: Promise<Record<string, string>> }) => Promise<Response>;
const MUTATING = ['POST', 'PUT', 'PATCH', 'DELETE'] as const;

function routeFiles(dir = path.join(ROOT, 'app', 'api')): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = path.join(dir, d.name);
    return d.isDirectory() ? routeFiles(p) : d.name === 'route.ts' ? [p] : [];
  });
}

let tmp: string;
let db: Db;
let store: ArtifactStore;
let close: () => Promise<void>;
const tokens = {} as Record<Role, string>;
const cookies = {} as Record<Role, string>;

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'drawbridge-csrf-'));
  const app = await openSeededApp(tmp);
  ({ db, store, close } = app);
  Object.assign(tokens, app.tokens);
  const { createSession } = await import('@/lib/auth/sessions');
  for (const u of await db.user.findMany())
    cookies[u.role as Role] = `drawbridge_session=${(await createSession(db, u.id)).token}`;
}, 120_000);

afterAll(async () => {
  await close?.();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('every mutating route handler', () => {
  it("refuses a forged cookie request before reading it, and accepts the console's shape", async () => {
    const seen: string[] = [];
    const auditBefore = await db.auditEvent.count();
    for (const file of routeFiles()) {
      const mod = (await import(file)) as Record<string, Handler | undefined>;
      const rel = path.relative(path.join(ROOT, 'app'), path.dirname(file));
      const params: Record<string, string> = {};
      const url =
        '/' +
        rel.replace(
          /\[(\w+)\]/g,
          (_m, name: string) => ((params[name] = name === 'environment' ? 'staging' : '1'), params[name]),
        );
      for (const method of MUTATING) {
        const handler = mod[method];
        if (!handler) continue;
        seen.push(`${method} ${url}`);
        const call = (headers: Record<string, string>, body?: BodyInit) =>
          handler(new Request(`${SELF}${url}`, { method, headers: { host: '127.0.0.1:3110', ...headers }, body }), {
            params: Promise.resolve(params),
          });
        // What a cross-site auto-submitted form sends from the deployer's and the admin's browsers.
        for (const role of ['deployer', 'admin'] as const) {
          const forged = await call(
            { cookie: cookies[role], origin: EVIL, 'sec-fetch-site': 'same-site', 'content-type': 'text/plain' },
            '{"reason":"x"}',
          );
          expect({ route: `${method} ${url}`, status: forged.status, code: (await forged.json()).code }).toEqual({
            route: `${method} ${url}`,
            status: 403,
            code: 'csrf_refused',
          });
          const noOrigin = await call({ cookie: cookies[role], 'content-type': 'application/json' }, '{}');
          expect((await noOrigin.json()).code).toBe('csrf_refused');
        }
        // The console's request passes the check (and then fails or succeeds on its own merits).
        const consoleShaped = await call(
          {
            cookie: cookies.viewer,
            origin: SELF,
            'sec-fetch-site': 'same-origin',
            'x-drawbridge-request': '1',
            'content-type': 'application/json',
          },
          '{}',
        );
        expect([consoleShaped.status, (await consoleShaped.json()).code]).toEqual([403, 'forbidden']);
      }
    }
    // Nothing the forged requests named was written.
    expect(await db.auditEvent.count()).toBe(auditBefore);
    expect(seen.length).toBeGreaterThanOrEqual(14);
    console.log(
      `csrf: ${seen.length} mutating route handlers, each refused 4 forged cookie requests:\n  ${seen.join('\n  ')}`,
    );
  });
});

describe('a deployment through the real handlers', () => {
  const r = {} as Record<string, Record<string, Handler>>;
  const jsonOf = async (res: Response) => ({ status: res.status, body: await res.json() });

  async function call(
    route: string,
    url: string,
    o: {
      method?: string;
      auth: { token?: Role; cookie?: Role; local?: Role };
      headers?: Record<string, string>;
      json?: unknown;
      params?: Record<string, string>;
    },
  ) {
    const headers: Record<string, string> = { host: '127.0.0.1:3110', ...(o.headers ?? {}) };
    if (o.auth.token) headers.authorization = `Bearer ${tokens[o.auth.token]}`;
    if (o.auth.cookie) headers.cookie = cookies[o.auth.cookie];
    if (o.json !== undefined) headers['content-type'] = 'application/json';
    const method = o.method ?? 'POST';
    return jsonOf(
      await r[route][method](
        new Request(`${SELF}${url}`, {
          method,
          headers,
          body: o.json === undefined ? undefined : JSON.stringify(o.json),
        }),
        { params: Promise.resolve(o.params ?? {}) },
      ),
    );
  }
  const asConsole = { origin: SELF, 'sec-fetch-site': 'same-origin', 'x-drawbridge-request': '1' };

  beforeAll(async () => {
    const mods = {
      export: await import('@/app/api/v1/training/models/export/route'),
      validate: await import('@/app/api/v1/training/models/validate/route'),
      requests: await import('@/app/api/v1/deployment-requests/route'),
      reviews: await import('@/app/api/v1/deployment-requests/[id]/reviews/route'),
      deploy: await import('@/app/api/v1/deployment-requests/[id]/deploy/route'),
      breakGlass: await import('@/app/api/v1/deployment-requests/[id]/break-glass/route'),
      withdraw: await import('@/app/api/v1/deployment-requests/[id]/withdraw/route'),
      me: await import('@/app/api/v1/me/route'),
    };
    Object.assign(r, mods as unknown as typeof r);
  });

  it('forged and query-string cookie requests change nothing; the console, tokens and the local operator work', async () => {
    const job = await db.trainingJob.findFirstOrThrow({ where: { jobName: { contains: '2-3' } } });
    // A pipeline's token still exports and validates with the query string (the original contract).
    const exportOne = async () => {
      const exp = await call(
        'export',
        `/api/v1/training/models/export?training_job_id=${job.id}&age_group_min=2&age_group_max=3&export_format=onnx`,
        { auth: { token: 'reviewer' } },
      );
      expect(exp.status).toBe(200);
      const v = await call(
        'validate',
        `/api/v1/training/models/validate?model_id=${encodeURIComponent(exp.body.model_id)}`,
        { auth: { token: 'reviewer' } },
      );
      expect(v.body.is_valid).toBe(true);
      return exp.body as { model_id: string; checksum: string };
    };
    const open = async () => {
      const e = await exportOne();
      const c = await call('requests', '/api/v1/deployment-requests', {
        auth: { token: 'reviewer' },
        json: {
          model_id: e.model_id,
          deployment_environment: 'staging',
          replace_existing: true,
          rationale: 'Staging deploy of the 2–3 model for the CSRF test.',
        },
      });
      if (c.status !== 201) throw new Error(JSON.stringify(c.body));
      return { id: c.body.request_id as string, checksum: e.checksum, modelId: e.model_id };
    };
    const first = await open();
    const approved = first.id;
    const a = await call('reviews', '/x', {
      auth: { token: 'admin' },
      params: { id: approved },
      json: { decision: 'approve', preview_summary: await computePreviewSummaryForTest(db, store, first.modelId) },
    });
    expect(a.body.request.state).toBe('approved');

    const other = (await open()).id;
    const audit = () => db.auditEvent.count();
    const deployments = () => db.ageGroupModel.count();
    const before = { audit: await audit(), deployments: await deployments() };

    // The deployer's browser, forged from another port: refused, the request stays approved.
    const forged = await call('deploy', '/x', {
      auth: { cookie: 'deployer' },
      params: { id: approved },
      headers: { origin: EVIL, 'sec-fetch-site': 'same-site', 'content-type': 'text/plain' },
    });
    expect([forged.status, forged.body.code]).toEqual([403, 'csrf_refused']);
    expect(forged.body.detail).toContain(`its Origin "${EVIL}" is not this server's (${SELF})`);
    // The admin's break-glass with ?reason=, even shaped like the console: 400, never read from the query.
    const reason = 'Production incident 4711: approvers are offline tonight.';
    const q = await call('breakGlass', `/x?reason=${encodeURIComponent(reason)}`, {
      auth: { cookie: 'admin' },
      params: { id: other },
      headers: asConsole,
    });
    expect([q.status, q.body.code]).toEqual([400, 'query_parameters_refused']);
    expect(await db.deploymentRequest.findUniqueOrThrow({ where: { id: approved } })).toMatchObject({
      state: 'approved',
    });
    expect(await db.deploymentRequest.findUniqueOrThrow({ where: { id: other } })).toMatchObject({ state: 'open' });
    expect({ audit: await audit(), deployments: await deployments() }).toEqual(before);

    // The console's request deploys; the admin's break-glass with the reason in its JSON body too.
    const ok = await call('deploy', '/x', {
      auth: { cookie: 'deployer' },
      params: { id: approved },
      headers: asConsole,
    });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ success: true, request_id: approved, break_glass: false });
    const bg = await call('breakGlass', '/x', {
      auth: { cookie: 'admin' },
      params: { id: other },
      headers: { ...asConsole, 'x-drawbridge-request': '' },
      json: { reason },
    });
    expect(bg.body).toMatchObject({ success: true, break_glass: true, break_glass_reason: reason });
    expect(await deployments()).toBe(before.deployments + 2);

    // A token withdraws with ?reason= as before; the local operator is not a cookie either.
    const third = (await open()).id;
    expect(
      (await call('withdraw', `/x?reason=superseded`, { auth: { token: 'reviewer' }, params: { id: third } })).body
        .state,
    ).toBe('withdrawn');
    const { startLocalOperator, stopLocalOperator } = await import('@/lib/auth/local-operator');
    try {
      const secret = startLocalOperator();
      const fourth = (await open()).id;
      const local = await r.withdraw.POST(
        new Request(`${SELF}/x?reason=local`, {
          method: 'POST',
          headers: { authorization: `Bearer ${secret}`, 'x-drawbridge-act-as': 'reviewer@drawbridge.test' },
        }),
        { params: Promise.resolve({ id: fourth }) },
      );
      const lb = await local.json();
      expect([local.status, lb.state, lb]).toEqual([200, 'withdrawn', lb]);
    } finally {
      stopLocalOperator();
    }
    // Reads by cookie: the console's own (same-origin) and a followed link work; another site's
    // embedding (no-cors subresource) is refused.
    const me = await call('me', '/api/v1/me', {
      method: 'GET',
      auth: { cookie: 'viewer' },
      headers: { 'sec-fetch-site': 'same-origin', 'sec-fetch-mode': 'cors' },
    });
    expect(me.body).toMatchObject({ role: 'viewer', via: 'session' });
    const link = await call('me', '/api/v1/me', {
      method: 'GET',
      auth: { cookie: 'viewer' },
      headers: { 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'navigate' },
    });
    expect(link.body).toMatchObject({ role: 'viewer' });
    const embedded = await call('me', '/api/v1/me', {
      method: 'GET',
      auth: { cookie: 'viewer' },
      headers: { origin: EVIL, 'sec-fetch-site': 'same-site', 'sec-fetch-mode': 'no-cors' },
    });
    expect(embedded.body).toMatchObject({ code: 'csrf_refused' });
  });
});

describe('checkCookieRead: cookie GETs another site embeds', () => {
  const code = (headers: Record<string, string>, opts?: { navigations?: boolean }) => {
    try {
      checkCookieRead(new Request('http://127.0.0.1:3110/api/v1/backup', { headers }), opts);
      return 'allowed';
    } catch (e) {
      expect(e).toBeInstanceOf(ApiError);
      return `${(e as ApiError).status} ${(e as ApiError).code}`;
    }
  };
  it.each([
    [{ 'sec-fetch-site': 'same-origin', 'sec-fetch-mode': 'cors' }, undefined, 'allowed'],
    [{ 'sec-fetch-site': 'none', 'sec-fetch-mode': 'navigate' }, undefined, 'allowed'],
    [{}, undefined, 'allowed'],
    [{ 'sec-fetch-site': 'same-site', 'sec-fetch-mode': 'no-cors' }, undefined, '403 csrf_refused'],
    [{ 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'no-cors' }, undefined, '403 csrf_refused'],
    [{ 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'navigate' }, undefined, 'allowed'],
    [{ 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'navigate' }, { navigations: false }, '403 csrf_refused'],
    [{ 'sec-fetch-site': 'same-origin', 'sec-fetch-mode': 'navigate' }, { navigations: false }, 'allowed'],
  ])('%o %o → %s', (headers, opts, want) => {
    expect(code(headers, opts)).toBe(want);
  });

  it('a GET with the cookie and an embedding site is refused by withActor before the route runs', () => {
    const r = new Request('http://127.0.0.1:3110/api/v1/backup', {
      headers: { 'sec-fetch-site': 'same-site', 'sec-fetch-mode': 'no-cors' },
    });
    expect(() => checkCookieMutation(r)).toThrow(/Sec-Fetch-Site/);
  });
});
