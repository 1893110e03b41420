import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { APIRequestContext, BrowserContext, Page } from '@playwright/test';
import { previewSummaryFromReconstruction, type ReconstructionJson } from '../lib/preview/summary-from-reconstruction';
import { expect, test } from './fixtures';
import { authFile, consolePost, openAs, pageAs } from './helpers';

// Issue 10's cross-site request forgery, in the browser: a deployer and an admin are signed in;
// a page on another origin (another port of the same host: "same-site", so the SameSite=Lax
// session cookie rides along) auto-submits forms (text/plain, urlencoded, multipart) and fires
// no-cors fetches, beacons and preflighted fetches at every mutating API route, from each of their
// browsers. Every request that reaches the server is refused (403 csrf_refused: the cookie did
// arrive, or the answer would be the proxy's 401), and the registry is unchanged, as seen through
// the API. Uses the 5–6 demo job in staging (deployments) and production (requests), which no
// other spec touches.

const ROOT = path.resolve(import.meta.dirname, '..');
const JOB = 'autoencoder-age-5-6-2026-11';
const PROBE = 'csrf_probe';
const REASON = 'Incident 4711: the 5–6 model flags every drawing and approvers are offline.';

type Json = Record<string, unknown>;
type Api = { get: (p: string) => Promise<Json>; post: (p: string, data?: Json) => Promise<Json> };

function apiOf(request: APIRequestContext): Api {
  return {
    get: async (p) => {
      const res = await request.get(p);
      expect(res.status(), `GET ${p}: ${await res.text()}`).toBe(200);
      return res.json();
    },
    post: async (p, data = {}) => {
      const res = await consolePost(request, p, data);
      expect(res.status(), `POST ${p}: ${await res.text()}`).toBeLessThan(300);
      return res.json();
    },
  };
}

/** The mutating exports (POST, PUT, PATCH, DELETE) of every API route file, as "METHOD /api/…" with {param} segments. */
function mutatingRoutes(): string[] {
  const walk = (dir: string): string[] =>
    fs
      .readdirSync(dir, { withFileTypes: true })
      .flatMap((d) =>
        d.isDirectory() ? walk(path.join(dir, d.name)) : d.name === 'route.ts' ? [path.join(dir, d.name)] : [],
      );
  return walk(path.join(ROOT, 'app', 'api')).flatMap((file) => {
    const route =
      '/' +
      path
        .relative(path.join(ROOT, 'app'), path.dirname(file))
        .split(path.sep)
        .join('/')
        .replace(/\[(\w+)\]/g, '{$1}');
    const src = fs.readFileSync(file, 'utf8');
    return [...src.matchAll(/export (?:const|async function|function) (POST|PUT|PATCH|DELETE)\b/g)].map(
      (m) => `${m[1]} ${route}`,
    );
  });
}

type Attack = {
  route: string;
  method: 'POST' | 'PUT' | 'DELETE';
  url: string;
  query?: Json;
  body: Json;
  files?: boolean;
};
type Vector =
  | 'form-text'
  | 'form-urlencoded'
  | 'form-multipart'
  | 'fetch-text'
  | 'fetch-urlencoded'
  | 'fetch-multipart'
  | 'beacon'
  | 'fetch-cors-json'
  | 'fetch-no-cors-put';
type Probe = { id: string; attack: Attack; vector: Vector; url: string; reaches: boolean };

const FORMS: Vector[] = ['form-text', 'form-urlencoded', 'form-multipart'];
const SCRIPTED: Vector[] = ['fetch-text', 'fetch-urlencoded', 'fetch-multipart', 'beacon', 'fetch-cors-json'];

function probesOf(attacks: Attack[], app: string, victim: string): Probe[] {
  return attacks.flatMap((a, i) => {
    const vectors: Vector[] =
      a.method === 'POST' ? [...FORMS, ...SCRIPTED] : [...FORMS, 'fetch-no-cors-put', 'fetch-cors-json'];
    return vectors.map((vector) => {
      const id = `${victim}-${i}-${vector}`;
      const q = new URLSearchParams({ ...(a.query as Record<string, string>), [PROBE]: id });
      // Forms and no-cors requests are sent (forms can only POST); a preflighted fetch never is, and no-cors cannot PUT.
      const reaches = vector !== 'fetch-cors-json' && vector !== 'fetch-no-cors-put';
      return { id, attack: a, vector, url: `${app}${a.url}?${q}`, reaches };
    });
  });
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

/** A page whose form posts itself the moment it opens (top level: the answer's body stays readable). */
function formPage(p: Probe): string {
  const fields = Object.entries(p.attack.body).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]);
  const enctype = {
    'form-text': 'text/plain',
    'form-urlencoded': 'application/x-www-form-urlencoded',
    'form-multipart': 'multipart/form-data',
  }[p.vector as 'form-text'];
  // text/plain: one field whose name and value join into a JSON document ({"k":"v",…,"pad":"="}).
  const inputs =
    p.vector === 'form-text'
      ? `<input type="hidden" name="${esc(JSON.stringify({ ...p.attack.body }).slice(0, -1) + ',"pad":"')}" value='"}'>`
      : fields.map(([k, v]) => `<input type="hidden" name="${esc(k)}" value="${esc(v)}">`).join('');
  return `<!doctype html><title>Win a prize</title><form method="POST" action="${esc(p.url)}" enctype="${enctype}">${inputs}</form><script>document.forms[0].submit()</script>`;
}

/** Fires every scripted vector at once; reports, per probe, whether the browser let it go. */
function scriptPage(probes: Probe[]): string {
  const list = probes.map((p) => ({
    id: p.id,
    vector: p.vector,
    url: p.url,
    method: p.attack.method,
    body: p.attack.body,
    files: !!p.attack.files,
  }));
  return `<!doctype html><title>Win a prize</title><script>
(async () => {
  const probes = ${JSON.stringify(list).replace(/</g, '\\u003c')};
  const checkpoint = await (await fetch('/checkpoint.pth')).blob();
  const form = (p) => {
    const f = new FormData();
    for (const [k, v] of Object.entries(p.body)) f.set(k, typeof v === 'string' ? v : JSON.stringify(v));
    if (p.files) f.set('checkpoint', checkpoint, 'model.pth');
    return f;
  };
  const urlencoded = (p) => new URLSearchParams(Object.entries(p.body).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]));
  const results = {};
  await Promise.all(probes.map(async (p) => {
    const base = { method: p.method, mode: 'no-cors', credentials: 'include' };
    try {
      if (p.vector === 'fetch-text') await fetch(p.url, { ...base, body: JSON.stringify(p.body) });
      else if (p.vector === 'fetch-urlencoded') await fetch(p.url, { ...base, body: urlencoded(p) });
      else if (p.vector === 'fetch-multipart') await fetch(p.url, { ...base, body: form(p) });
      else if (p.vector === 'fetch-no-cors-put') await fetch(p.url, { ...base, body: JSON.stringify(p.body) });
      else if (p.vector === 'beacon') { if (!navigator.sendBeacon(p.url, JSON.stringify(p.body))) throw new Error('beacon not queued'); }
      else if (p.vector === 'fetch-cors-json') await fetch(p.url, { ...base, mode: 'cors', headers: { 'content-type': 'application/json', 'x-drawbridge-request': '1' }, body: JSON.stringify(p.body) });
      results[p.id] = 'sent';
    } catch (e) {
      results[p.id] = 'blocked: ' + e.name;
    }
  }));
  window.__results = results;
})();
</script>`;
}

function startAttacker(port: number, checkpoint: Buffer) {
  const pages = new Map<string, string>();
  const server = http.createServer((req, res) => {
    const url = new URL(req.url!, 'http://x');
    if (url.pathname === '/checkpoint.pth')
      return res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(checkpoint);
    const html = pages.get(url.pathname);
    if (!html) return res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html);
  });
  return new Promise<{ origin: string; pages: Map<string, string>; close: () => void }>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const { port: p } = server.address() as { port: number };
      resolve({ origin: `http://127.0.0.1:${p}`, pages, close: () => server.close() });
    });
  });
}

/** What the attacks could have changed, read through the API as the admin. */
async function snapshot(api: Api, s: { a: string; r1: string; r2: string; r3: string }) {
  const detail = async (id: string) => {
    const d = await api.get(`/api/v1/deployment-requests/${id}`);
    return { state: d.state, reviews: (d.reviews as unknown[]).length };
  };
  const deployed = (await api.get('/api/v1/training/models/deployed?include_inactive=true')) as unknown as {
    id: number;
    is_active: boolean;
    deployment_environment: string;
  }[];
  return {
    audit_events: (await api.get('/api/v1/audit')).total,
    jobs: (await api.get('/api/v1/training/jobs?page_size=1')).total,
    exports: (await api.get('/api/v1/training/models/exports?page_size=1')).total,
    requests: (
      (await api.get('/api/v1/deployment-requests?page_size=100')).requests as { request_id: string; state: string }[]
    )
      .map((r) => `${r.request_id}:${r.state}`)
      .sort(),
    deployments: deployed.map((d) => `${d.id}:${d.deployment_environment}:${d.is_active}`).sort(),
    validation_runs_of_a: ((await api.get(`/api/v1/training/models/exports/${s.a}`)).validation_runs as unknown[])
      .length,
    r1: await detail(s.r1),
    r2: await detail(s.r2),
    r3: await detail(s.r3),
    policies: (await api.get('/api/v1/review-policies')).policies,
    card_of_a: (await api.get(`/api/v1/training/models/exports/${s.a}/card`)).version ?? null,
    share_links_of_a: (
      (await api.get(`/api/v1/training/models/exports/${s.a}/share-links`)) as unknown as {
        id: string;
        active: boolean;
      }[]
    ).map((l) => `${l.id}:${l.active}`),
    signing_keys: (
      (await api.get('/api/v1/admin/signing-keys')).keys as {
        id: string;
        signing: boolean;
        retired_at: string | null;
      }[]
    ).map((k) => `${k.id}:${k.signing}:${k.retired_at}`),
  };
}

test("a page on another origin changes nothing through a signed-in deployer's or admin's browser", async ({
  browser,
  baseURL,
}, testInfo) => {
  test.setTimeout(240_000);
  const app = new URL(baseURL!).origin;
  const contexts: Record<'reviewer' | 'deployer' | 'admin', BrowserContext> = {} as never;
  const pages = {} as Record<keyof typeof contexts, Page>;
  for (const role of ['reviewer', 'deployer', 'admin'] as const) {
    contexts[role] = await browser.newContext({ storageState: authFile(role) });
    pages[role] = await contexts[role].newPage();
    await openAs(pages[role], role, '/');
  }
  const api = {
    reviewer: apiOf(contexts.reviewer.request),
    deployer: apiOf(contexts.deployer.request),
    admin: apiOf(contexts.admin.request),
  };

  // Seed through the console's own (same-origin) API calls: two staging deployments of 5–6 (an
  // active one and its backup), an approved request ready to deploy (R1), an open production
  // request (R2) for the backup's export and a draft (R3).
  const tSeed = Date.now();
  const jobs = (await api.reviewer.get('/api/v1/training/jobs?page_size=100')).jobs as {
    id: number;
    job_name: string;
  }[];
  const jobId = jobs.find((j) => j.job_name === JOB)!.id;
  const exportOne = async () => {
    const e = (await api.reviewer.post('/api/v1/training/models/export', {
      training_job_id: jobId,
      age_group_min: 5,
      age_group_max: 6,
      export_format: 'onnx',
    })) as { model_id: string; checksum: string };
    expect((await api.reviewer.post('/api/v1/training/models/validate', { model_id: e.model_id })).is_valid).toBe(true);
    return e;
  };
  const approvedRequest = async (e: { model_id: string; checksum: string }) => {
    const r = await api.reviewer.post('/api/v1/deployment-requests', {
      model_id: e.model_id,
      deployment_environment: 'staging',
      replace_existing: true,
      rationale: 'Staging run of the 5–6 model (CSRF spec).',
    });
    const id = r.request_id as string;
    await api.admin.post(`/api/v1/deployment-requests/${id}/reviews`, {
      decision: 'approve',
      comment: 'ok',
      // What the browser's preview would attach: the server verifies it against its own run.
      preview_summary: previewSummaryFromReconstruction(
        (await api.admin.get(
          `/api/v1/training/models/exports/${e.model_id}/reconstruction`,
        )) as unknown as ReconstructionJson,
      ),
    });
    return id;
  };
  const [c, b, a] = [await exportOne(), await exportOne(), await exportOne()];
  await api.deployer.post(`/api/v1/deployment-requests/${await approvedRequest(c)}/deploy`);
  const active = await api.deployer.post(`/api/v1/deployment-requests/${await approvedRequest(b)}/deploy`);
  const r1 = await approvedRequest(a);
  const r2 = (
    await api.deployer.post('/api/v1/deployment-requests', {
      model_id: c.model_id,
      deployment_environment: 'production',
      rationale: 'Production run of the 5–6 model (CSRF spec).',
    })
  ).request_id as string;
  const r3 = (
    await api.deployer.post('/api/v1/deployment-requests', {
      model_id: a.model_id,
      deployment_environment: 'production',
      rationale: 'Draft for the 5–6 model (CSRF spec).',
      submit: false,
    })
  ).request_id as string;
  expect((await api.admin.get(`/api/v1/deployment-requests/${r1}`)).state).toBe('approved');
  expect((await api.admin.get(`/api/v1/deployment-requests/${r3}`)).state).toBe('draft');
  // A share link of A to revoke, and a key that no longer signs (so one a forged retire could retire).
  const link = (await api.deployer.post(`/api/v1/training/models/exports/${a.model_id}/share-links`, {})) as {
    id: string;
  };
  await api.admin.post('/api/v1/admin/signing-keys', {});
  const keys = (await api.admin.get('/api/v1/admin/signing-keys')).keys as {
    id: string;
    signing: boolean;
    retired_at: string | null;
  }[];
  const retirable = keys.find((k) => !k.signing && !k.retired_at)!.id;

  const metadata = {
    job_name: 'csrf-forged-job',
    environment: 'local',
    config_parameters: {},
    dataset_path: 'x',
    status: 'completed',
    report: { final_loss: 0.1, validation_accuracy: 0.9, best_epoch: 1, training_time_seconds: 1, metrics_summary: {} },
  };
  const staging56 = { age_group_min: '5', age_group_max: '6', deployment_environment: 'staging' };
  // Each with its parameters as the original service took them (query) and in the body.
  const attacks: Attack[] = [
    {
      route: 'POST /api/v1/deployment-requests',
      method: 'POST',
      url: '/api/v1/deployment-requests',
      body: { model_id: a.model_id, deployment_environment: 'staging', rationale: 'Forged request from another site.' },
    },
    {
      route: 'POST /api/v1/deployment-requests/{id}/deploy',
      method: 'POST',
      url: `/api/v1/deployment-requests/${r1}/deploy`,
      body: {},
    },
    {
      route: 'POST /api/v1/deployment-requests/{id}/break-glass',
      method: 'POST',
      url: `/api/v1/deployment-requests/${r2}/break-glass`,
      query: { reason: REASON },
      body: { reason: REASON },
    },
    {
      route: 'POST /api/v1/deployment-requests/{id}/reviews',
      method: 'POST',
      url: `/api/v1/deployment-requests/${r2}/reviews`,
      body: { decision: 'reject', comment: 'forged' },
    },
    {
      route: 'POST /api/v1/deployment-requests/{id}/amend',
      method: 'POST',
      url: `/api/v1/deployment-requests/${r2}/amend`,
      query: { replace_existing: 'true' },
      body: { replace_existing: true, rationale: 'Forged amendment from another site.' },
    },
    {
      route: 'POST /api/v1/deployment-requests/{id}/submit',
      method: 'POST',
      url: `/api/v1/deployment-requests/${r3}/submit`,
      body: {},
    },
    {
      route: 'POST /api/v1/deployment-requests/{id}/withdraw',
      method: 'POST',
      url: `/api/v1/deployment-requests/${r2}/withdraw`,
      query: { reason: 'forged' },
      body: { reason: 'forged' },
    },
    {
      route: 'PUT /api/v1/review-policies/{environment}',
      method: 'PUT',
      url: '/api/v1/review-policies/production',
      body: { required_approvals: 1, require_preview_summary: false },
    },
    {
      route: 'PUT /api/v1/training/models/exports/{model_id}/card',
      method: 'PUT',
      url: `/api/v1/training/models/exports/${a.model_id}/card`,
      body: { markdown: '# Forged card from another site' },
    },
    {
      route: 'POST /api/v1/training/jobs',
      method: 'POST',
      url: '/api/v1/training/jobs',
      body: { metadata },
      files: true,
    },
    {
      route: 'POST /api/v1/training/models/{id}/undeploy',
      method: 'POST',
      url: `/api/v1/training/models/${active.deployment_id}/undeploy`,
      body: {},
    },
    {
      route: 'POST /api/v1/training/models/deploy',
      method: 'POST',
      url: '/api/v1/training/models/deploy',
      query: { model_id: a.model_id, ...staging56, replace_existing: 'true' },
      body: { model_id: a.model_id, ...staging56, replace_existing: 'true' },
    },
    {
      route: 'POST /api/v1/training/models/deploy',
      method: 'POST',
      url: '/api/v1/training/models/deploy',
      query: { model_id: c.model_id, age_group_min: '5', age_group_max: '6', break_glass_reason: REASON },
      body: { model_id: c.model_id, age_group_min: '5', age_group_max: '6', break_glass_reason: REASON },
    },
    {
      route: 'POST /api/v1/training/models/export/direct',
      method: 'POST',
      url: '/api/v1/training/models/export/direct',
      query: { age_group_min: '5', age_group_max: '6', export_format: 'onnx' },
      body: { age_group_min: '5', age_group_max: '6', export_format: 'onnx' },
      files: true,
    },
    {
      route: 'POST /api/v1/training/models/export',
      method: 'POST',
      url: '/api/v1/training/models/export',
      query: { training_job_id: String(jobId), age_group_min: '5', age_group_max: '6', export_format: 'onnx' },
      body: { training_job_id: jobId, age_group_min: 5, age_group_max: 6, export_format: 'onnx' },
    },
    {
      route: 'POST /api/v1/training/models/rollback',
      method: 'POST',
      url: '/api/v1/training/models/rollback',
      query: staging56,
      body: staging56,
    },
    {
      route: 'POST /api/v1/training/models/validate',
      method: 'POST',
      url: '/api/v1/training/models/validate',
      query: { model_id: a.model_id },
      body: { model_id: a.model_id },
    },
    {
      route: 'POST /api/v1/training/models/exports/{model_id}/share-links',
      method: 'POST',
      url: `/api/v1/training/models/exports/${a.model_id}/share-links`,
      body: { expires_in_days: '3' },
    },
    { route: 'DELETE /api/v1/share-links/{id}', method: 'DELETE', url: `/api/v1/share-links/${link.id}`, body: {} },
    { route: 'POST /api/v1/admin/signing-keys', method: 'POST', url: '/api/v1/admin/signing-keys', body: {} },
    {
      route: 'POST /api/v1/admin/signing-keys/{id}/retire',
      method: 'POST',
      url: `/api/v1/admin/signing-keys/${retirable}/retire`,
      body: {},
    },
  ];
  // Every mutating route file is attacked; a new one fails here until it is added above.
  expect([...new Set(attacks.map((x) => x.route))].sort()).toEqual(mutatingRoutes().sort());

  const seedMs = Date.now() - tSeed;
  const t0 = Date.now();
  const attacker = await startAttacker(
    Number(process.env.E2E_CSRF_ATTACKER_PORT || 0),
    fs.readFileSync(path.join(ROOT, 'prisma', 'demo', 'age-5-6.pth')),
  );
  expect(new URL(attacker.origin).hostname).toBe(new URL(app).hostname); // same site, other origin
  expect(attacker.origin).not.toBe(app);
  const before = await snapshot(api.admin, { a: a.model_id, r1, r2, r3 });

  type Seen = { method: string; status: number; code: unknown };
  const seen = new Map<string, Seen[]>();
  const outcomes: Record<string, string> = {};
  const probes: Probe[] = [];
  try {
    for (const victim of ['deployer', 'admin'] as const) {
      const ctx = contexts[victim];
      const record = (res: import('@playwright/test').Response) => {
        const id = new URL(res.url()).searchParams.get(PROBE);
        if (!id || res.request().method() === 'OPTIONS') return;
        void res
          .text()
          .catch(() => '')
          .then((t) => {
            let code: unknown = null;
            try {
              code = JSON.parse(t).code;
            } catch {
              // Not JSON (an HTML error page or an empty body): recorded with no code.
            }
            seen.set(id, [...(seen.get(id) ?? []), { method: res.request().method(), status: res.status(), code }]);
          });
      };
      ctx.on('response', record);
      const mine = probesOf(attacks, app, victim);
      probes.push(...mine);
      // One auto-submitting form per page load, as a link to the attacker's page would open it;
      // a tab per form type.
      await Promise.all(
        FORMS.map(async (vector) => {
          const tab = await ctx.newPage();
          for (const p of mine.filter((x) => x.vector === vector)) {
            attacker.pages.set(`/${p.id}`, formPage(p));
            await Promise.all([
              tab.waitForResponse((r) => r.url().includes(`${PROBE}=${p.id}`)),
              tab.goto(`${attacker.origin}/${p.id}`),
            ]);
          }
          await tab.close();
        }),
      );
      // Then the scripted requests, all at once from one page.
      attacker.pages.set(`/${victim}`, scriptPage(mine.filter((x) => !FORMS.includes(x.vector))));
      const page = await ctx.newPage();
      await page.goto(`${attacker.origin}/${victim}`);
      await page.waitForFunction(() => (window as unknown as { __results?: unknown }).__results, null, {
        timeout: 60_000,
      });
      Object.assign(
        outcomes,
        await page.evaluate(() => (window as unknown as { __results: Record<string, string> }).__results),
      );
      const expected = mine.filter((x) => x.reaches).map((x) => x.id);
      await expect.poll(() => expected.filter((id) => !seen.has(id)), { timeout: 30_000 }).toEqual([]);
      ctx.off('response', record);
      await page.close();
    }
  } finally {
    attacker.close();
  }

  const attackMs = Date.now() - t0;
  // Every request that reached the server was refused, by the CSRF check (so with the session:
  // without it the proxy answers 401) or, for a form's POST at a PUT- or DELETE-only route, by the method.
  const table = probes.map((p) => ({
    id: p.id,
    route: p.attack.route,
    vector: p.vector,
    outcome: outcomes[p.id] ?? 'loaded',
    answers: seen.get(p.id) ?? [],
  }));
  await testInfo.attach('csrf-probes', { body: JSON.stringify(table, null, 2), contentType: 'application/json' });
  for (const row of table) {
    const p = probes.find((x) => x.id === row.id)!;
    if (!p.reaches) {
      // Preflighted (or no-cors PUT): the browser refused to send it; nothing with its tag reached the app.
      expect(row, row.id).toMatchObject({ outcome: 'blocked: TypeError', answers: [] });
    } else if (p.attack.method !== 'POST') {
      // A form can only POST: at a PUT- or DELETE-only route that is the method refused.
      expect(row.answers, row.id).toEqual([{ method: 'POST', status: 405, code: null }]);
    } else if (FORMS.includes(p.vector)) {
      expect(row.answers, row.id).toEqual([{ method: 'POST', status: 403, code: 'csrf_refused' }]);
    } else {
      // A no-cors answer is opaque: Chromium's opaque-response blocking empties a JSON body before
      // anyone (Playwright included) sees it, so the status is what the Network events show.
      expect(row.answers, row.id).toEqual([{ method: 'POST', status: 403, code: null }]);
    }
  }
  const count = (f: (r: (typeof table)[number]) => boolean) => table.filter(f).length;
  const reached = count((r) => r.answers.length > 0);
  console.log(
    `csrf: ${attacks.length} attacks on ${new Set(attacks.map((x) => x.route)).size} routes × 2 victims = ${probes.length} probes; ${reached} reached the server: ` +
      `${count((r) => r.answers[0]?.code === 'csrf_refused')} forms answered 403 csrf_refused, ${count((r) => r.answers[0]?.status === 403 && r.answers[0].code === null)} no-cors fetches/beacons 403 (opaque), ` +
      `${count((r) => r.answers[0]?.status === 405)} form POSTs at PUT- or DELETE-only routes 405; ${probes.length - reached} never left the browser (preflight or no-cors PUT refused); seeding took ${(seedMs / 1000).toFixed(1)} s, the attacks ${(attackMs / 1000).toFixed(1)} s`,
  );

  // And nothing changed.
  expect(await snapshot(api.admin, { a: a.model_id, r1, r2, r3 })).toEqual(before);

  // The console itself still works from the same browser (real Origin and Sec-Fetch-Site): the
  // deployer deploys R1 with a same-origin fetch carrying the header.
  await pages.deployer.goto('/deployments');
  const deployed = await pages.deployer.evaluate(async (id) => {
    const res = await fetch(`/api/v1/deployment-requests/${id}/deploy`, {
      method: 'POST',
      headers: { 'X-Drawbridge-Request': '1' },
    });
    return { status: res.status, body: await res.json() };
  }, r1);
  expect(deployed).toMatchObject({ status: 200, body: { success: true, request_id: r1 } });
  // Tidy: the production requests go, so other specs' inboxes stay as they were.
  await api.deployer.post(`/api/v1/deployment-requests/${r2}/withdraw`, { reason: 'CSRF spec done' });
  await api.deployer.post(`/api/v1/deployment-requests/${r3}/withdraw`, { reason: 'CSRF spec done' });
});

// The console's own writes are server actions, which Next.js refuses when Origin is not the host.
// The attacker replays a real "Create token" form (its hidden action fields copied from the page)
// from another origin: no token. The same fields posted from the console's origin do create one,
// so only the origin made the difference.
test('a server action (create an API token) posted from another origin is refused', async ({ browser, baseURL }) => {
  const app = new URL(baseURL!).origin;
  const admin = await pageAs(browser, 'admin', '/settings/tokens');
  // The form as the server renders it (hydration swaps the hidden action fields for a function).
  const served = await (await admin.request.get('/settings/tokens')).text();
  const fields = (name: string) =>
    admin.evaluate(
      ({ served, name }) => {
        const f = new DOMParser()
          .parseFromString(served, 'text/html')
          .querySelector('form:has(#token-name)') as HTMLFormElement;
        const d = new FormData(f);
        d.set('name', name);
        return [...d].map(([k, v]) => [k, String(v)] as [string, string]);
      },
      { served, name },
    );
  const forged = await fields('forged-from-another-origin');
  expect(forged.some(([k]) => k.startsWith('$ACTION'))).toBe(true);
  const html = (entries: [string, string][]) =>
    `<!doctype html><form method="POST" action="${app}/settings/tokens" enctype="multipart/form-data">${entries.map(([k, v]) => `<input type="hidden" name="${esc(k)}" value="${esc(v)}">`).join('')}</form><script>document.forms[0].submit()</script>`;

  const attacker = await startAttacker(Number(process.env.E2E_CSRF_ATTACKER_PORT || 0), Buffer.alloc(0));
  try {
    attacker.pages.set('/token', html(forged));
    const [res] = await Promise.all([
      admin.waitForResponse((r) => r.url() === `${app}/settings/tokens` && r.request().method() === 'POST'),
      admin.goto(`${attacker.origin}/token`),
    ]);
    console.log(`csrf: the forged server action answered ${res.status()}`);
    // Next.js's own refusal ("Invalid Server Actions request"): a 500 of the framework, not ours.
    expect(res.status()).toBe(500);
  } finally {
    attacker.close();
  }
  await admin.goto('/settings/tokens');
  await expect(admin.getByText('forged-from-another-origin')).toHaveCount(0);

  // Control: the same form from the console's own origin creates the token.
  const control = await fields('same-origin-control');
  const post = () =>
    admin.waitForResponse((r) => r.url() === `${app}/settings/tokens` && r.request().method() === 'POST');
  const [ok] = await Promise.all([
    post(),
    admin.evaluate(
      ({ entries, action }) => {
        const f = Object.assign(document.createElement('form'), {
          method: 'POST',
          action,
          enctype: 'multipart/form-data',
        });
        for (const [name, value] of entries)
          f.append(Object.assign(document.createElement('input'), { type: 'hidden', name, value }));
        document.body.append(f);
        f.submit();
      },
      { entries: control, action: `${app}/settings/tokens` },
    ),
  ]);
  expect(ok.status()).toBe(200);
  const list = await admin.context().newPage();
  await list.goto('/settings/tokens');
  await expect(list.getByText('same-origin-control')).toBeVisible();
  await expect(list.getByText('forged-from-another-origin')).toHaveCount(0);
});
