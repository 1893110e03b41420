// The operators' endpoints: /api/metrics behind its token, counting deploys and requests by route;
// /api/ready naming what is not ready (migrations missing, store unreachable).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FsArtifactStore } from '@/lib/storage/fs-store';
import { routePattern } from '@/lib/metrics/route-pattern';
import { GET as metricsGET } from './metrics/route';
import { GET as readyGET } from './ready/route';
import { GET as openApiGET } from './v1/openapi.json/route';
import { GET as ortGET } from '../ort/[version]/[file]/route';
import { call, expectError, exportDemoJob, openRequest, REASON, useSeededApi } from './test-harness';

useSeededApi();

const TOKEN = 'metrics-token-for-the-operators-test';
const scrape = (authorization?: string) =>
  metricsGET(new Request('http://test/api/metrics', { headers: authorization ? { authorization } : {} }));

/** The value of one sample of the exposition, 0 when the series is absent. */
function sample(text: string, name: string, labels: Record<string, string>): number {
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    const m = /^(\w+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (m && m[1] === name && want.every((l) => (m[2] ?? '').split(',').includes(l))) return Number(m[3]);
  }
  return 0;
}

describe('/api/metrics', () => {
  afterEach(() => {
    delete process.env.DRAWBRIDGE_METRICS_TOKEN;
  });

  it('is off (404) without a configured token, and refuses a missing or wrong token (401)', async () => {
    await expectError(await scrape(`Bearer ${TOKEN}`), 404, 'not_found');
    process.env.DRAWBRIDGE_METRICS_TOKEN = TOKEN;
    const none = await scrape();
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
    await expectError(none, 401, 'unauthenticated');
    await expectError(await scrape(`Bearer ${TOKEN}x`), 401, 'unauthenticated');
    await expectError(await scrape(TOKEN), 401, 'unauthenticated');
    const ok = await scrape(`Bearer ${TOKEN}`);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toMatch(/^text\/plain/);
    // Default Node metrics are on.
    expect(await ok.text()).toMatch(/^drawbridge_process_cpu_user_seconds_total \d/m);
  });

  it('shows the deploy, validation and request counters moving across a deploy', async () => {
    process.env.DRAWBRIDGE_METRICS_TOKEN = TOKEN;
    const { onnx } = await exportDemoJob(['onnx']);
    const req = await openRequest({
      model_id: onnx.model_id,
      deployment_environment: 'staging',
      replace_existing: true,
    });
    const url = `/api/v1/deployment-requests/${req.request_id}/break-glass`;
    const route = '/api/v1/deployment-requests/[id]/break-glass';
    const before = await (await scrape(`Bearer ${TOKEN}`)).text();

    const bg = await call('breakGlass', url, {
      role: 'admin',
      json: { reason: REASON },
      params: { id: req.request_id },
    });
    expect(bg.status).toBe(200);
    const after = await (await scrape(`Bearer ${TOKEN}`)).text();

    const deployed = (t: string) =>
      sample(t, 'drawbridge_deploys_total', { environment: 'staging', outcome: 'deployed' }) +
      sample(t, 'drawbridge_deploys_total', { environment: 'staging', outcome: 'replaced' });
    expect(deployed(after) - deployed(before)).toBe(1);
    const valid = (t: string) => sample(t, 'drawbridge_validations_total', { outcome: 'valid' });
    expect(valid(after) - valid(before)).toBe(1);
    const requests = (t: string) =>
      sample(t, 'drawbridge_http_requests_total', { route, method: 'POST', status: '200' });
    expect([requests(before), requests(after)]).toEqual([0, 1]);
    expect(sample(after, 'drawbridge_http_request_duration_seconds_count', { route, method: 'POST' })).toBe(1);
    // The raw URL (with its id) is never a label: one series per route.
    expect(after).not.toContain(req.request_id);
    expect(sample(after, 'drawbridge_artifact_bytes', {})).toBeGreaterThan(100_000);
    expect(after).toMatch(/^drawbridge_webhook_deliveries_pending \d+$/m);
  });

  it('counts the public routes too (the OpenAPI document, the runtime files), by pattern', async () => {
    process.env.DRAWBRIDGE_METRICS_TOKEN = TOKEN;
    const read = async () => (await scrape(`Bearer ${TOKEN}`)).text();
    const count = (t: string, route: string, status: string) =>
      sample(t, 'drawbridge_http_requests_total', { route, method: 'GET', status });
    const before = await read();
    const doc = await openApiGET(new Request('http://test/api/v1/openapi.json'), { params: Promise.resolve({}) });
    expect(doc.status).toBe(200);
    const params = { version: '0.0.0', file: 'nope.wasm' };
    const miss = await ortGET(new Request('http://test/ort/0.0.0/nope.wasm'), { params: Promise.resolve(params) });
    expect(miss.status).toBe(404);
    const after = await read();
    expect(count(after, '/api/v1/openapi.json', '200') - count(before, '/api/v1/openapi.json', '200')).toBe(1);
    expect(count(after, '/ort/[version]/[file]', '404') - count(before, '/ort/[version]/[file]', '404')).toBe(1);
  });

  it('labels a request by its route pattern, not its URL', () => {
    expect(routePattern('http://h/api/v1/training/models/exports/m%201/download?x=1', { model_id: 'm 1' })).toBe(
      '/api/v1/training/models/exports/[model_id]/download',
    );
    expect(routePattern('http://h/api/v1/me', {})).toBe('/api/v1/me');
  });
});

describe('/api/ready', () => {
  const g = globalThis as unknown as { __drawbridgeStore?: unknown };

  it('is ready on a healthy database and store', async () => {
    const res = await readyGET();
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      status: 'ready',
      checks: { database: { ok: true }, store: { ok: true }, migrations: { ok: true } },
    });
  });

  it('is not ready (503) while a migration this server ships is not applied', async () => {
    const shipped = path.resolve(import.meta.dirname, '..', '..', 'prisma', 'migrations');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'drawbridge-migrations-'));
    fs.cpSync(shipped, dir, { recursive: true });
    fs.mkdirSync(path.join(dir, '99991231000000_not_yet'));
    fs.writeFileSync(path.join(dir, '99991231000000_not_yet', 'migration.sql'), 'SELECT 1;');
    process.env.DRAWBRIDGE_MIGRATIONS_DIR = dir;
    try {
      const res = await readyGET();
      expect(res.status).toBe(503);
      expect(await res.json()).toMatchObject({
        status: 'not_ready',
        checks: {
          database: { ok: true },
          store: { ok: true },
          migrations: {
            ok: false,
            pending: ['99991231000000_not_yet'],
            error: expect.stringMatching(/drawbridge migrate/),
          },
        },
      });
    } finally {
      delete process.env.DRAWBRIDGE_MIGRATIONS_DIR;
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('is not ready (503) when the artifact store cannot be reached', async () => {
    const saved = g.__drawbridgeStore;
    const notADir = path.join(os.tmpdir(), `drawbridge-not-a-store-${process.pid}`);
    fs.writeFileSync(notADir, '');
    g.__drawbridgeStore = new FsArtifactStore(notADir);
    try {
      const res = await readyGET();
      expect(res.status).toBe(503);
      const body = await res.json();
      expect(body).toMatchObject({ status: 'not_ready', checks: { database: { ok: true }, store: { ok: false } } });
      expect(body.checks.store.error).toMatch(/^artifact store unreachable: ENOTDIR/);
    } finally {
      g.__drawbridgeStore = saved;
      fs.rmSync(notADir, { force: true });
    }
  });
});
