/**
 * Route fuzzing: every route file under app/api and every HTTP method it exports, called in-process
 * with real Requests against the seeded embedded database as an admin (bearer token, so the
 * requests get past authentication to the parsers). Path parameters, query values, headers and
 * JSON fields carry NUL, lone surrogates, control characters, broken percent-escapes, huge,
 * negative, fractional and exponent numbers, deep and wide JSON and wrong content types. The
 * property: never a 5xx; every 4xx is a JSON body with a `code`. A valid-by-chance input may
 * succeed (2xx/3xx).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSeededApp } from './test-app';

type Handler = (req: Request, ctx: { params: Promise<Record<string, string>> }) => Promise<Response>;
type Route = { file: string; path: string; params: string[]; method: string; handler: Handler };

const SEED = Number(process.env.DRAWBRIDGE_FUZZ_SEED ?? 0x5eed_0010);
// DRAWBRIDGE_FUZZ_SCALE=10 for a longer local run; CI runs the budget below (>= 10 000 requests).
const SCALE = Number(process.env.DRAWBRIDGE_FUZZ_SCALE ?? 1);
const API = path.resolve(import.meta.dirname);
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

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

function routeFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = path.join(dir, d.name);
    return d.isDirectory() ? routeFiles(p) : d.name === 'route.ts' ? [p] : [];
  });
}

let tmp: string;
let close: () => Promise<void>;
let token: string;
const routes: Route[] = [];
// Names that exist in the seeded database, so some fuzzed requests reach past the look-ups.
const known = {
  id: [] as string[],
  model_id: [] as string[],
  sha256: [] as string[],
  environment: ['production', 'staging'],
};

let setupMs = 0;
beforeAll(async () => {
  const t0 = performance.now();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'drawbridge-fuzz-'));
  const app = await openSeededApp(tmp);
  close = app.close;
  token = app.tokens.admin;
  for (const file of routeFiles(API).sort()) {
    const rel = path.relative(API, path.dirname(file)).split(path.sep);
    const mod = (await import(/* @vite-ignore */ file)) as Record<string, unknown>;
    for (const method of METHODS) {
      if (typeof mod[method] !== 'function') continue;
      routes.push({
        file,
        path: `/api/${rel.join('/')}`,
        params: rel.filter((s) => /^\[.+\]$/.test(s)).map((s) => s.slice(1, -1)),
        method,
        handler: mod[method] as Handler,
      });
    }
  }
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

// --- generators -------------------------------------------------------------------------------

const NASTY = [
  '\u0000',
  '\ud800',
  '\udfff',
  '\udc00\ud800',
  '\u0001',
  '\u001b',
  '\u007f',
  '\u0085',
  '\u2028',
  '\ufeff',
  '\uffff',
  '\n',
  '\r\n',
  '\t',
  '%',
  '%00',
  '%ZZ',
  '%ED%A0%80',
  '%C0%80',
  '%FF',
  '\\',
  '"',
  "'",
  '../',
  '..%2f',
  '/',
  '?',
  '#',
  '&',
  '=',
  '+',
  '😀',
  'é',
  '\u0301',
  ' ',
];
const nastyChar = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...NASTY) },
  { weight: 3, arbitrary: fc.char() },
  // Any UTF-16 code unit, so lone surrogates come from here too.
  { weight: 2, arbitrary: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)) },
  { weight: 1, arbitrary: fc.integer({ min: 0x10000, max: 0x10ffff }).map((c) => String.fromCodePoint(c)) },
);
const plainChar = fc.oneof(fc.char(), fc.constantFrom('é', '😀', '-', '_', '.', ' ', '\u2028', '\u0301'));
const plainString = fc.oneof(
  { weight: 6, arbitrary: fc.string({ unit: plainChar, maxLength: 24 }) },
  { weight: 1, arbitrary: fc.constantFrom('', ' ', 'null', 'true', '[]', 'x'.repeat(5000)) },
);
const nastyString = fc.oneof(
  { weight: 6, arbitrary: fc.string({ unit: nastyChar, maxLength: 24 }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom('', ' ', 'null', 'undefined', 'true', '[]', '{}', 'x'.repeat(5000), 'é'.repeat(70_000)),
  },
);
const NUMBER_SPELLINGS = [
  '1e308',
  '-1e308',
  '1e999',
  '-1',
  '0',
  '-0',
  '1.5',
  '2.000000001',
  '99999999999999999999',
  '9007199254740993',
  '2147483648',
  '4294967296',
  'NaN',
  'Infinity',
  '-Infinity',
  '0x10',
  '0b1',
  '1_000',
  ' 1 ',
  '+1',
  '١',
  '1e-400',
  '5e-324',
  '3',
  '2',
  '4',
  '25',
  '100',
  '1000001',
];
const numberText = fc.oneof(
  fc.constantFrom(...NUMBER_SPELLINGS),
  fc.integer().map(String),
  fc.double({ noNaN: true }).map(String),
);

/** A JSON node rendered as text, so numbers like 1e999 (Infinity once parsed) and deep nesting can be sent. */
type J = { t: string };
const raw = (t: string): J => ({ t });
const str = (s: string): J => raw(JSON.stringify(s));
const deepJson = fc
  .tuple(fc.integer({ min: 60, max: 5000 }), fc.boolean())
  .map(([n, arr]) => raw(arr ? '['.repeat(n) + '1' + ']'.repeat(n) : '{"a":'.repeat(n) + '1' + '}'.repeat(n)));
// Built once: generating 20 000 keys per case would cost more than the request it feeds.
const WIDE = [1000, 20_000].flatMap((n) => [
  raw(`[${Array(n).fill('0').join(',')}]`),
  raw(`{${Array.from({ length: n }, (_, i) => `"k${i}":${i}`).join(',')}}`),
]);
const wideJson = fc.constantFrom(...WIDE);

// Every field name the API reads, plus the strings known to exist for some.
const FIELDS = [
  'model_id',
  'model_export_path',
  'training_job_id',
  'age_group_min',
  'age_group_max',
  'export_format',
  'deployment_environment',
  'replace_existing',
  'backup_existing',
  'validate_before_deployment',
  'rationale',
  'submit',
  'decision',
  'comment',
  'preview_summary',
  'reason',
  'break_glass_reason',
  'required_approvals',
  'require_preview_summary',
  'job_name',
  'environment',
  'status',
  'config_parameters',
  'dataset_path',
  'start_timestamp',
  'end_timestamp',
  'sagemaker_job_arn',
  'report',
  'model_info',
  'metadata',
  'page',
  'page_size',
  'state',
  'view',
  'include_inactive',
  'action',
  'subject_type',
  'subject_id',
  'q',
  'sort',
];
const VALID_VALUES = [
  'onnx',
  'pytorch',
  'safetensors',
  'pickle',
  'production',
  'staging',
  'approve',
  'reject',
  'request_changes',
  'completed',
  'local',
  'true',
  'false',
  '2',
  '3',
  '1',
  'A reason that is long enough for break glass.',
];
/** Percent-encodes like a client would, a lone surrogate as its (invalid) CESU-8 bytes. */
function enc(s: string): string {
  try {
    return encodeURIComponent(s); // throws only on a lone surrogate
  } catch {
    /* spelled out below */
  }
  let out = '';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    out +=
      c >= 0xd800 && c <= 0xdfff
        ? `%${(0xe0 | (c >> 12)).toString(16)}%${(0x80 | ((c >> 6) & 0x3f)).toString(16)}%${(0x80 | (c & 0x3f)).toString(16)}`.toUpperCase()
        : encodeURIComponent(ch);
  }
  return out;
}
// Header values a Request can carry: latin-1 without NUL, CR, LF.
const headerValue = fc.string({
  unit: fc
    .integer({ min: 1, max: 0xff })
    .filter((c) => c !== 10 && c !== 13)
    .map((c) => String.fromCharCode(c)),
  maxLength: 40,
});
const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'application/merge-patch+json',
  'text/plain',
  'text/plain;charset=UTF-8',
  'application/x-www-form-urlencoded',
  'multipart/form-data',
  'multipart/form-data; boundary=',
  'multipart/form-data; boundary=XyZ',
  'application/octet-stream',
  'application/xml',
  'JSON',
  '',
];
const headers = fc.record(
  {
    'content-type': fc.oneof(fc.constantFrom(...CONTENT_TYPES), headerValue),
    'if-none-match': fc.oneof(headerValue, fc.constant('*'), fc.constant('"abc", W/"x"')),
    range: fc.oneof(
      headerValue,
      fc.constantFrom(
        'bytes=0-0',
        'bytes=-1',
        'bytes=999999999999999999999-',
        'bytes=5-1',
        'bytes=0-1,2-3',
        'bytes=1e3-',
      ),
    ),
    cookie: fc.oneof(
      headerValue,
      fc.constantFrom('drawbridge_session=%ZZ', 'drawbridge_session=%00', 'drawbridge_session=x; drawbridge_session=y'),
    ),
    'x-drawbridge-act-as': headerValue,
    origin: fc.oneof(headerValue, fc.constantFrom('null', 'http://evil.example', 'http://test')),
    'sec-fetch-site': fc.constantFrom('same-origin', 'cross-site', 'none', 'same-site'),
    'content-length': fc.oneof(headerValue, numberText),
    accept: headerValue,
  },
  { requiredKeys: [] },
);

type Case = {
  params: Record<string, string>;
  rawPath: string | null;
  query: string;
  headers: Record<string, string>;
  body:
    | { kind: 'none' }
    | { kind: 'json'; text: string; asType: string | null }
    | { kind: 'form'; form: FormData }
    | { kind: 'text'; text: string };
};
/**
 * The request generators over one kind of text: `nasty` text (NUL, surrogates, controls, broken
 * escapes) mostly meets the input guard; plain text gets past it to the parsers and the database.
 */
function arbitraries(nasty: boolean) {
  const S = nasty ? nastyString : plainString;
  const jsonLeaf: fc.Arbitrary<J> = fc.oneof(
    S.map(str),
    numberText.filter((t) => /^-?\d+(\.\d+)?(e[-+]?\d+)?$/i.test(t)).map(raw),
    fc.constantFrom('true', 'false', 'null', '"true"', '"false"', '"1"', '"0"').map(raw),
  );
  const { tree: jsonTree } = fc.letrec<{ tree: J }>((tie) => ({
    tree: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      { weight: 5, arbitrary: jsonLeaf },
      {
        weight: 1,
        arbitrary: fc.array(tie('tree'), { maxLength: 4 }).map((a) => raw(`[${a.map((x) => x.t).join(',')}]`)),
      },
      {
        weight: 1,
        arbitrary: fc.dictionary(S, tie('tree'), { maxKeys: 4 }).map((o) =>
          raw(
            `{${Object.entries(o)
              .map(([k, v]) => `${JSON.stringify(k)}:${v.t}`)
              .join(',')}}`,
          ),
        ),
      },
    ),
  }));
  const fieldValue = () =>
    fc.oneof(
      { weight: 12, arbitrary: jsonTree },
      { weight: 6, arbitrary: fc.constantFrom(...VALID_VALUES, ...known.model_id, ...known.id).map(str) },
      { weight: 6, arbitrary: fc.constantFrom('2', '3', '4', '1', '0').map(raw) },
      { weight: nasty ? 3 : 0, arbitrary: deepJson },
      { weight: 1, arbitrary: wideJson },
      {
        weight: 3,
        arbitrary: fc
          .constantFrom(...known.id)
          .filter((s) => /^\d+$/.test(s))
          .map(raw),
      },
    );
  const jsonBody = () =>
    fc.oneof(
      {
        weight: 8,
        arbitrary: fc
          .dictionary(
            fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...FIELDS) }, { weight: 1, arbitrary: S }),
            fieldValue(),
            { maxKeys: 8 },
          )
          .map(
            (o) =>
              `{${Object.entries(o)
                .map(([k, v]) => `${JSON.stringify(k)}:${v.t}`)
                .join(',')}}`,
          ),
      },
      { weight: 1, arbitrary: fc.oneof(jsonTree, nasty ? deepJson : jsonTree, wideJson).map((j) => j.t) },
      {
        weight: nasty ? 1 : 0,
        arbitrary: fc.constantFrom(
          '',
          '{',
          '{"a":',
          '[1,]',
          'nul',
          '{"a":1}{',
          '\u0000',
          '{"a":"\\ud800"}',
          '{"a":"\\u0000"}',
          '{"__proto__":{"x":1}}',
          '{"constructor":{"prototype":{"x":1}}}',
        ),
      },
    );

  const queryValue = () =>
    fc.oneof(
      S.map(enc),
      numberText.map(enc),
      fc.constantFrom(
        ...(nasty ? ['%00', '%ZZ', '%', '%ED%A0%80', '%C0%80', '%FF%FE', 'a%2', '%E2%82'] : []),
        '1e308',
        ...VALID_VALUES.map(enc),
        ...known.model_id,
        ...known.id,
      ),
    );
  const queryString = () =>
    fc
      .array(
        fc.tuple(
          fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...FIELDS) }, { weight: 1, arbitrary: S.map(enc) }),
          queryValue(),
        ),
        { maxLength: 5 },
      )
      .map((kv) => (kv.length ? `?${kv.map(([k, v]) => `${k}=${v}`).join('&')}` : ''));

  const pathValue = (name: string) =>
    fc.oneof(
      { weight: 3, arbitrary: S },
      {
        weight: 2,
        arbitrary: fc.constantFrom(
          ...((known as Record<string, string[]>)[name] ?? known.id),
          ...known.model_id,
          ...known.id,
        ),
      },
      { weight: 1, arbitrary: numberText },
      {
        weight: 1,
        arbitrary: fc.constantFrom(
          '0'.repeat(64),
          crypto.createHash('sha256').update('x').digest('hex'),
          '../../etc/passwd',
          '%2e%2e%2f',
          ...(nasty ? ['a'.repeat(10_000)] : []),
        ),
      },
    );

  /** A multipart body with hostile text fields (and now and then a small junk file). */
  const multipartBody = () =>
    fc
      .tuple(
        fc.dictionary(
          fc.oneof(
            fc.constantFrom(
              'metadata',
              'model_info',
              'age_group_min',
              'age_group_max',
              'export_format',
              'checkpoint',
              'validation_set',
            ),
            S,
          ),
          fc.oneof(jsonBody(), S, numberText),
          { maxKeys: 5 },
        ),
        fc.option(fc.uint8Array({ maxLength: 64 })),
      )
      .map(([fields, junk]) => {
        const f = new FormData();
        for (const [k, v] of Object.entries(fields)) f.append(k, v);
        if (junk) f.append('checkpoint', new Blob([junk as BlobPart]), 'junk.pth');
        return f;
      });

  const caseFor = (r: Route): fc.Arbitrary<Case> =>
    fc.record({
      params: fc.record(Object.fromEntries(r.params.map((n) => [n, pathValue(n)]))) as fc.Arbitrary<
        Record<string, string>
      >,
      rawPath: nasty
        ? fc.option(fc.constantFrom('/%ZZ', '/%00', '/%ED%A0%80', '/%C0%AF', '/a%2', '/%F0%9F%98'), { freq: 20 })
        : fc.constant(null),
      query: fc.oneof({ weight: 1, arbitrary: fc.constant('') }, { weight: 2, arbitrary: queryString() }),
      headers,
      body:
        r.method === 'GET' || r.method === 'HEAD'
          ? fc.constant({ kind: 'none' as const })
          : fc.oneof(
              {
                weight: 6,
                arbitrary: fc.record({
                  kind: fc.constant('json' as const),
                  text: jsonBody(),
                  asType: fc.option(fc.constantFrom(...CONTENT_TYPES), { freq: 4 }),
                }),
              },
              { weight: 2, arbitrary: multipartBody().map((form) => ({ kind: 'form' as const, form })) },
              { weight: 1, arbitrary: fc.oneof(S, jsonBody()).map((text) => ({ kind: 'text' as const, text })) },
              { weight: 1, arbitrary: fc.constant({ kind: 'none' as const }) },
            ),
    });
  return caseFor;
}

function buildRequest(r: Route, c: Case): Request | null {
  let p = r.path;
  for (const n of r.params) p = p.replace(`[${n}]`, enc(c.params[n]));
  if (c.rawPath) p += c.rawPath;
  const h = new Headers();
  try {
    for (const [k, v] of Object.entries(c.headers)) h.set(k, v);
  } catch {
    return null;
  }
  h.set('authorization', `Bearer ${token}`);
  let body: BodyInit | undefined;
  if (c.body.kind === 'json') {
    body = c.body.text;
    h.set('content-type', c.body.asType ?? 'application/json');
  } else if (c.body.kind === 'text') body = c.body.text;
  else if (c.body.kind === 'form') {
    body = c.body.form;
    h.delete('content-type'); // the Request sets multipart/form-data with its boundary
  }
  if (body === undefined) h.delete('content-length');
  try {
    return new Request(`http://test${p}${c.query}`, { method: r.method, headers: h, body });
  } catch {
    return null;
  }
}

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
    // Every string class stops at the guard as 400 invalid_request.
    for (const k of [
      'NUL in a path segment',
      'lone surrogate in a path segment',
      'NUL in a query value',
      'broken percent-escape',
      'NUL in a JSON string',
      'lone surrogate in a JSON string',
      '5000-deep JSON',
    ]) {
      expect(Object.keys(seen[k])).toEqual(['400 invalid_request']);
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
          fc.oneof({ weight: 2, arbitrary: arbitraries(true)(r) }, { weight: 1, arbitrary: arbitraries(false)(r) }),
          async (c) => {
            const req = buildRequest(r, c);
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
