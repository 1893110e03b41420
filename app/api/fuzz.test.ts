/**
 * Route fuzzing: every route file under app/api and every HTTP method it exports, called in-process
 * with real Requests against the seeded embedded database as an admin (bearer token, so the
 * requests get past authentication to the parsers). Path parameters, query values, headers and
 * JSON fields carry NUL, lone surrogates, control characters, broken percent-escapes, huge,
 * negative, fractional and exponent numbers, deep and wide JSON and wrong content types. The
 * property: never a 5xx; every 4xx is a JSON body with a `code`. A valid-by-chance input may
 * succeed (2xx/3xx).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase } from '@/lib/db/test-databases';
import { arbitraries, buildRequest, type Known, loadRoutes, type Route, routeFiles } from './fuzz-requests';
import { openSeededApp } from './test-app';

const SEED = Number(process.env.DRAWBRIDGE_FUZZ_SEED ?? 0x5eed_0010);
// DRAWBRIDGE_FUZZ_SCALE=10 for a longer local run; CI runs the budget below (>= 10 000 requests).
const SCALE = Number(process.env.DRAWBRIDGE_FUZZ_SCALE ?? 1);
const API = path.resolve(import.meta.dirname);

// Routes that do real work on a valid input (a backup streams the whole registry; validation,
// export, deploy and reconstruction run the model) get fewer runs; the rest share the remainder.
const RUNS_DEFAULT = 420;
const RUNS: Record<string, number> = {
  '/api/v1/backup': 8,
  '/api/v1/audit/verify': 100,
  '/api/v1/training/models/validate': 200,
  '/api/v1/training/models/export': 250,
  '/api/v1/training/models/export/direct': 250,
  '/api/v1/training/models/exports/[model_id]/reconstruction': 200,
  '/api/v1/training/models/deploy': 250,
  '/api/v1/deployment-requests/[id]/deploy': 250,
  '/api/v1/deployment-requests/[id]/break-glass': 250,
};

let tmp: string;
let close: () => Promise<void>;
let token: string;
const routes: Route[] = [];
// Names that exist in the seeded database, so some fuzzed requests reach past the look-ups.
const known: Known = {
  id: [],
  model_id: [],
  sha256: [],
  environment: ['production', 'staging'],
};

let setupMs = 0;
beforeAll(async () => {
  const t0 = performance.now();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'drawbridge-fuzz-'));
  // A migrated copy of the test template where the app looks for its database: the app opens it
  // without a migration run of its own (5–20 s of a new database on the 2-core CI machine).
  const migrated = await openTestDatabase('pglite');
  await migrated.close();
  fs.renameSync(migrated.adapter.location, path.join(tmp, 'pglite'));
  const app = await openSeededApp(tmp);
  close = app.close;
  token = app.tokens.admin;
  routes.push(...(await loadRoutes(API)));
  // One export and one open request to aim at (through the routes themselves).
  const jobs = await app.db.trainingJob.findMany({ select: { id: true, checkpointSha256: true } });
  known.id.push(...jobs.map((j) => String(j.id)));
  known.sha256.push(...jobs.flatMap((j) => (j.checkpointSha256 ? [j.checkpointSha256] : [])));
  const post = (p: string, json: unknown) => {
    const r = routes.find((x) => x.path === p && x.method === 'POST')!;
    return r.handler(
      new Request(`http://test${p}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(json),
      }),
      { params: Promise.resolve({}) },
    );
  };
  const exported = await post('/api/v1/training/models/export', {
    training_job_id: jobs[0].id,
    age_group_min: 2,
    age_group_max: 3,
    export_format: 'onnx',
  });
  expect(exported.status).toBe(200);
  known.model_id.push((await exported.json()).model_id);
  const opened = await post('/api/v1/deployment-requests', {
    model_id: known.model_id[0],
    rationale: 'fuzz target',
    submit: true,
  });
  expect(opened.status).toBe(201);
  known.id.push((await opened.json()).request_id);
  setupMs = performance.now() - t0;
}, 120_000);

afterAll(async () => {
  await close?.();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('API route fuzzing', () => {
  it('finds every route file and its methods', () => {
    expect(routes.length).toBeGreaterThanOrEqual(30);
    expect(new Set(routes.map((r) => r.file)).size).toBe(routeFiles(API).length);
  });

  it('every bad-input class of issue 10 answers a 4xx with a code (each was a 500)', async () => {
    const deep = (n: number) => '{"a":'.repeat(n) + '1' + '}'.repeat(n);
    const byPath = (p: string, m: string) => routes.find((r) => r.path === p && r.method === m)!;
    type Probe = {
      route: string;
      method?: string;
      url?: string;
      params?: Record<string, string>;
      json?: string;
      headers?: Record<string, string>;
      noToken?: boolean;
    };
    const idRoutes = [
      '/api/v1/deployment-requests/[id]',
      '/api/v1/training/models/exports/[model_id]',
      '/api/v1/training/models/exports/[model_id]/download',
      '/api/v1/training/models/exports/[model_id]/reconstruction',
    ];
    const pathProbes = (v: string): Probe[] =>
      idRoutes.map((route) => ({ route, params: { [route.includes('model_id') ? 'model_id' : 'id']: v } }));
    const jobBody = (extra: string) =>
      `{"job_name":"j","environment":"local","status":"completed","dataset_path":"d",${extra}}`;
    const classes: Record<string, Probe[]> = {
      'NUL in a path segment': pathProbes('a\u0000b'),
      'lone surrogate in a path segment': pathProbes('\ud800'),
      'NUL in a query value': [
        { route: '/api/v1/audit', url: '?action=%00' },
        { route: '/api/v1/audit', url: '?subject_id=a%00b' },
        { route: '/api/v1/training/jobs', url: '?status=%00' },
      ],
      'broken percent-escape': [
        { route: '/api/v1/audit', url: '?action=%ZZ' },
        { route: '/api/v1/training/models/exports', url: '?q=50%' },
      ],
      'percent-escaped bytes that are not UTF-8': [
        { route: '/api/v1/audit', url: '?action=%ED%A0%80' },
        { route: '/api/v1/training/jobs', url: '?status=%C0%80' },
      ],
      'NUL in a JSON string': [
        { route: '/api/v1/training/models/validate', method: 'POST', json: '{"model_id":"a\\u0000"}' },
        { route: '/api/v1/training/jobs', method: 'POST', json: jobBody('"config_parameters":{"k":"\\u0000"}') },
      ],
      'lone surrogate in a JSON string': [
        { route: '/api/v1/training/models/validate', method: 'POST', json: '{"model_id":"\\ud800"}' },
        { route: '/api/v1/training/jobs', method: 'POST', json: jobBody('"config_parameters":{"\\udfff":1}') },
      ],
      'page=1e308': [
        { route: '/api/v1/training/jobs', url: '?page=1e308' },
        { route: '/api/v1/audit', url: '?page=1e308' },
        { route: '/api/v1/training/models/exports', url: '?page=1e308' },
        { route: '/api/v1/deployment-requests', url: '?page=1e308' },
      ],
      'negative and huge integers': [
        { route: '/api/v1/training/jobs', url: '?page=-1' },
        { route: '/api/v1/audit', url: '?page=99999999999999999999' },
        { route: '/api/v1/training/models/exports', url: '?page=9007199254740991' },
        { route: '/api/v1/training/jobs/[id]', params: { id: '99999999999' } },
      ],
      'NaN and Infinity spellings': [
        { route: '/api/v1/training/jobs', url: '?page=Infinity' },
        { route: '/api/v1/audit', url: '?page=NaN' },
        {
          route: '/api/v1/training/models/rollback',
          method: 'POST',
          json: '{"age_group_min":1e999,"age_group_max":3}',
        },
      ],
      '5000-deep JSON': [
        { route: '/api/v1/training/jobs', method: 'POST', json: jobBody(`"config_parameters":${deep(5000)}`) },
        { route: '/api/v1/deployment-requests', method: 'POST', json: deep(5000) },
        { route: '/api/v1/training/models/deploy', method: 'POST', json: `[${'['.repeat(5000)}${']'.repeat(5000)}]` },
      ],
      'huge arrays and wide objects': [
        {
          route: '/api/v1/training/jobs',
          method: 'POST',
          json: jobBody(`"config_parameters":{${Array.from({ length: 100_000 }, (_, i) => `"k${i}":${i}`).join(',')}}`),
        },
        {
          route: '/api/v1/training/models/validate',
          method: 'POST',
          json: `{"model_id":[${Array(300_000).fill(0).join(',')}]}`,
        },
      ],
      'oversize fields': [
        { route: '/api/v1/deployment-requests/[id]', params: { id: 'x'.repeat(100_000) } },
        { route: '/api/v1/audit', url: `?action=${'x'.repeat(10_000)}` },
        {
          route: '/api/v1/training/models/validate',
          method: 'POST',
          json: JSON.stringify({ model_id: 'x'.repeat(2_000_000) }),
        },
      ],
      // No bearer token: the cookie alone, which is no session we issued.
      'malformed session cookie': [
        { route: '/api/v1/me', headers: { cookie: 'drawbridge_session=%ZZ' }, noToken: true },
      ],
    };
    const seen: Record<string, Record<string, number>> = {};
    for (const [name, probes] of Object.entries(classes)) {
      for (const p of probes) {
        const r = byPath(p.route, p.method ?? 'GET');
        const headers: Record<string, string> = {
          ...(p.noToken ? {} : { authorization: `Bearer ${token}` }),
          ...(p.json ? { 'content-type': 'application/json' } : {}),
          ...p.headers,
        };
        const res = await r.handler(
          new Request(`http://test${r.path}${p.url ?? ''}`, { method: r.method, headers, body: p.json }),
          { params: Promise.resolve(p.params ?? {}) },
        );
        const body = await res.json();
        const key = `${res.status} ${body.code}`;
        (seen[name] ??= {})[key] = (seen[name][key] ?? 0) + 1;
        expect({
          name,
          route: p.route,
          status: res.status >= 400 && res.status < 500 ? '4xx' : res.status,
          code: typeof body.code,
        }).toEqual({ name, route: p.route, status: '4xx', code: 'string' });
      }
    }
    console.log(
      `bad-input classes (${Object.keys(classes).length}):\n${Object.entries(seen)
        .map(([k, v]) => `  ${k}: ${JSON.stringify(v)}`)
        .join('\n')}`,
    );
    // Every string class stops at the guard as 400 malformed_input.
    for (const k of [
      'NUL in a path segment',
      'lone surrogate in a path segment',
      'NUL in a query value',
      'broken percent-escape',
      'NUL in a JSON string',
      'lone surrogate in a JSON string',
      '5000-deep JSON',
    ]) {
      expect(Object.keys(seen[k])).toEqual(['400 malformed_input']);
    }
  });

  it('answers every fuzzed request with a non-5xx status, and every 4xx with a JSON code', async () => {
    const started = performance.now();
    const histogram: Record<string, number> = {};
    const codes: Record<string, number> = {};
    const perRoute: string[] = [];
    let cases = 0;
    let unsendable = 0;
    for (const r of routes) {
      const numRuns = Math.max(1, Math.round((RUNS[r.path] ?? RUNS_DEFAULT) * SCALE));
      const t0 = performance.now();
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(
            { weight: 2, arbitrary: arbitraries(true, known)(r) },
            { weight: 1, arbitrary: arbitraries(false, known)(r) },
          ),
          async (c) => {
            const req = buildRequest(r, c, token);
            if (!req) {
              unsendable++;
              return;
            }
            cases++;
            const res = await r.handler(req, { params: Promise.resolve(c.params) });
            // 416 is the protocol's own answer to an unsatisfiable Range (RFC 9110 §15.5.17): no body, a Content-Range.
            if (
              res.status === 416 &&
              req.headers.has('range') &&
              /^bytes \*\/\d+$/.test(res.headers.get('content-range') ?? '')
            ) {
              histogram[416] = (histogram[416] ?? 0) + 1;
              return;
            }
            histogram[res.status] = (histogram[res.status] ?? 0) + 1;
            if (res.status >= 400) {
              const text = await res.text();
              let body: { code?: unknown; detail?: unknown } = {};
              try {
                body = JSON.parse(text);
              } catch {
                /* asserted below */
              }
              codes[String(body.code)] = (codes[String(body.code)] ?? 0) + 1;
              if (res.status >= 500 || typeof body.code !== 'string' || body.detail === undefined) {
                throw new Error(`${r.method} ${req.url} → ${res.status} ${text.slice(0, 300)}`);
              }
            } else await res.body?.cancel();
          },
        ),
        { seed: SEED, numRuns, endOnFailure: true },
      );
      perRoute.push(`${r.method} ${r.path}: ${numRuns} runs, ${Math.round(performance.now() - t0)} ms`);
    }
    const seconds = (performance.now() - started) / 1000;
    console.log(
      `route fuzz (seed ${SEED}): ${cases} requests over ${routes.length} route methods in ${seconds.toFixed(1)} s after ${(setupMs / 1000).toFixed(1)} s of setup (${unsendable} generated requests not constructible by fetch, skipped)\n` +
        `status histogram: ${JSON.stringify(histogram)}\nerror codes: ${JSON.stringify(codes)}\n${perRoute.join('\n')}`,
    );
    if (SCALE >= 1) expect(cases).toBeGreaterThanOrEqual(10_000);
    expect(Object.keys(histogram).filter((s) => Number(s) >= 500)).toEqual([]);
  }, 600_000);
});
