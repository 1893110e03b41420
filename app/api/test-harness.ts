/**
 * What the REST API tests (app/api/<resource>.test.ts) share: route handlers are plain
 * (Request, {params}) → Response functions, called here over HTTP-shaped requests against a real
 * embedded database and artifact store seeded with the demo jobs, with an API token per role.
 * Each test file calls useSeededApi() once and gets its own data directory.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import type { Db } from '@/lib/db';
import type { Role } from '@/lib/auth/permissions';
import type { ArtifactStore } from '@/lib/storage/types';
import { openSeededApp } from './test-app';
import { pidAlive as alive } from '@/lib/pid-alive';

type Handler = (req: Request, ctx: { params: Promise<Record<string, string>> }) => Promise<Response>;
type Routes = Record<string, Record<string, Handler>>;

const ROOT = path.resolve(import.meta.dirname, '..', '..');
export const DEMO = path.join(ROOT, 'prisma', 'demo');
export const FIXTURES = path.join(ROOT, 'lib', 'formats', 'fixtures');
const manifest = JSON.parse(fs.readFileSync(path.join(DEMO, 'manifest.json'), 'utf8'));
export const g0 = manifest.groups[0];
export const sha = (b: Uint8Array) => crypto.createHash('sha256').update(b).digest('hex');
export const file = (p: string) => new Uint8Array(fs.readFileSync(p));

// Live bindings: set by useSeededApi's beforeAll, read by the tests after it.
export let db: Db;
export let store: ArtifactStore;
let r: Routes;
const tokens = {} as Record<Role, string>;

async function importRoutes(): Promise<Routes> {
  return {
    jobs: await import('@/app/api/v1/training/jobs/route'),
    job: await import('@/app/api/v1/training/jobs/[id]/route'),
    export: await import('@/app/api/v1/training/models/export/route'),
    direct: await import('@/app/api/v1/training/models/export/direct/route'),
    exports: await import('@/app/api/v1/training/models/exports/route'),
    exportOne: await import('@/app/api/v1/training/models/exports/[model_id]/route'),
    download: await import('@/app/api/v1/training/models/exports/[model_id]/download/route'),
    card: await import('@/app/api/v1/training/models/exports/[model_id]/card/route'),
    validate: await import('@/app/api/v1/training/models/validate/route'),
    deploy: await import('@/app/api/v1/training/models/deploy/route'),
    deployed: await import('@/app/api/v1/training/models/deployed/route'),
    undeploy: await import('@/app/api/v1/training/models/[id]/undeploy/route'),
    rollback: await import('@/app/api/v1/training/models/rollback/route'),
    artifact: await import('@/app/api/v1/artifacts/[sha256]/route'),
    me: await import('@/app/api/v1/me/route'),
    audit: await import('@/app/api/v1/audit/route'),
    requests: await import('@/app/api/v1/deployment-requests/route'),
    request: await import('@/app/api/v1/deployment-requests/[id]/route'),
    reviews: await import('@/app/api/v1/deployment-requests/[id]/reviews/route'),
    requestDeploy: await import('@/app/api/v1/deployment-requests/[id]/deploy/route'),
    breakGlass: await import('@/app/api/v1/deployment-requests/[id]/break-glass/route'),
    withdraw: await import('@/app/api/v1/deployment-requests/[id]/withdraw/route'),
    submit: await import('@/app/api/v1/deployment-requests/[id]/submit/route'),
    amend: await import('@/app/api/v1/deployment-requests/[id]/amend/route'),
    policies: await import('@/app/api/v1/review-policies/route'),
    policy: await import('@/app/api/v1/review-policies/[environment]/route'),
    mentions: await import('@/app/api/v1/mention-suggestions/route'),
    shareLinks: await import('@/app/api/v1/training/models/exports/[model_id]/share-links/route'),
    shareLink: await import('@/app/api/v1/share-links/[id]/route'),
    signingKeys: await import('@/app/api/v1/admin/signing-keys/route'),
    signingKeyRetire: await import('@/app/api/v1/admin/signing-keys/[id]/retire/route'),
  } as unknown as Routes;
}

/**
 * A data directory migrated and seeded once per test run (the parent vitest process) for every
 * file here to copy: migrating and seeding the demo jobs is most of a file's setup. The first file
 * to get here makes it, the others wait for it; templates of finished runs are removed.
 */
async function seededTemplate(): Promise<string> {
  const name = (pid: number) => path.join(os.tmpdir(), `drawbridge-api-template-${pid}`);
  const dir = name(process.ppid);
  const ready = path.join(dir, '.ready');
  try {
    fs.mkdirSync(dir);
  } catch {
    for (let waited = 0; !fs.existsSync(ready); waited += 200) {
      if (waited > 120_000) throw new Error(`no seeded template appeared in ${dir}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    return dir;
  }
  for (const old of fs.readdirSync(os.tmpdir())) {
    const pid = Number(/^drawbridge-api-template-(\d+)$/.exec(old)?.[1]);
    if (pid && pid !== process.ppid && !alive(pid)) fs.rmSync(name(pid), { recursive: true, force: true });
  }
  // Not the app's own database (getDatabase keeps one per process): the tests open theirs after this.
  const { openDatabase } = await import('@/lib/db');
  const { FsArtifactStore } = await import('@/lib/storage/fs-store');
  const { seedDemo } = await import('@/lib/registry/seed-demo');
  const opened = await openDatabase({ kind: 'pglite', dir: path.join(dir, 'pglite') });
  try {
    await seedDemo(opened.db, new FsArtifactStore(path.join(dir, 'artifacts')), { demoDir: DEMO });
  } finally {
    await opened.close();
  }
  fs.writeFileSync(ready, '');
  return dir;
}

/** Opens the seeded app for the calling test file (before its tests) and removes it after them. */
export function useSeededApi() {
  let tmp: string;
  let close: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'drawbridge-api-'));
    fs.cpSync(await seededTemplate(), tmp, { recursive: true, filter: (src) => path.basename(src) !== '.ready' });
    const app = await openSeededApp(tmp);
    ({ db, store, close } = app);
    Object.assign(tokens, app.tokens);
    r = await importRoutes();
  }, 120_000);
  afterAll(async () => {
    await close?.();
    fs.rmSync(tmp, { recursive: true, force: true });
  });
}

/** The seeded API token of `role` (for a client of its own: the CLI over --server). */
export const tokenFor = (role: Role): string => tokens[role];

type CallOpts = {
  method?: string;
  role?: Role | null;
  token?: string;
  body?: BodyInit;
  json?: unknown;
  headers?: Record<string, string>;
  params?: Record<string, string>;
};

export async function call(route: string, url: string, o: CallOpts = {}): Promise<Response> {
  const method = o.method ?? (o.body !== undefined || o.json !== undefined ? 'POST' : 'GET');
  const headers: Record<string, string> = { ...(o.headers ?? {}) };
  const token = o.token ?? (o.role === null ? undefined : tokens[o.role ?? 'admin']);
  if (token) headers.authorization = `Bearer ${token}`;
  let body = o.body;
  if (o.json !== undefined) {
    body = JSON.stringify(o.json);
    headers['content-type'] = 'application/json';
  }
  const handler = r[route][method];
  if (!handler) throw new Error(`${route} has no ${method}`);
  return handler(new Request(`http://test${url}`, { method, headers, body }), {
    params: Promise.resolve(o.params ?? {}),
  });
}

export async function expectError(res: Response, status: number, code?: string) {
  const body = await res.json();
  expect({ status: res.status, body }).toMatchObject({ status, body: code ? { code } : {} });
  expect(Object.keys(body).sort()).toEqual(['code', 'detail']);
  expect(JSON.stringify(body)).not.toMatch(/\n\s+at |node_modules|\.ts:\d+/);
  return body;
}

export function jobForm(
  meta: unknown,
  files: { checkpoint?: Uint8Array; validation_set?: Uint8Array; [k: string]: Uint8Array | undefined } = {},
) {
  const f = new FormData();
  f.set('metadata', typeof meta === 'string' ? meta : JSON.stringify(meta));
  for (const [k, v] of Object.entries(files)) if (v) f.set(k, new Blob([v as BlobPart]), `${k}.bin`);
  return f;
}

export const metadata = (name: string, extra: Record<string, unknown> = {}) => ({
  job_name: name,
  environment: 'local',
  config_parameters: g0.config_parameters,
  dataset_path: g0.dataset_path,
  status: 'completed',
  start_timestamp: g0.start_time,
  end_timestamp: g0.end_time,
  sagemaker_job_arn: null,
  report: {
    final_loss: g0.report.final_loss,
    validation_accuracy: 0.95,
    best_epoch: 25,
    training_time_seconds: 18.4,
    metrics_summary: { note: 'api test' },
    report_file_path: null,
  },
  ...extra,
});

export const ckpt23 = () => file(path.join(DEMO, 'age-2-3.pth'));
export const vs23 = () => file(path.join(DEMO, 'age-2-3.validation.safetensors'));

// The deployment review workflow over HTTP.
export const SELF_REVIEW = 'You requested this deployment, so you cannot review it: a teammate has to.';
export const REASON = 'Production incident 4711: the current 2–3 model flags every drawing; approvers are offline.';
export async function openRequest(json: Record<string, unknown>, role: Role = 'reviewer') {
  const res = await call('requests', '/api/v1/deployment-requests', {
    role,
    json: { rationale: 'Nightly retrain of the 2–3 autoencoder', ...json },
  });
  expect(res.status).toBe(201);
  return (await res.json()) as { request_id: string; state: string; [k: string]: unknown };
}
export const review = (id: string, role: Role, json: Record<string, unknown>) =>
  call('reviews', '/x', { role, json, params: { id } });
export const getRequest = async (id: string, role: Role = 'viewer') => {
  const res = await call('request', '/x', { role, params: { id } });
  expect(res.status).toBe(200);
  return res.json();
};

/** The seeded demo training job of the 2–3 age group (a real checkpoint and validation set). */
export async function demoJobId(): Promise<number> {
  return (await db.trainingJob.findFirstOrThrow({ where: { jobName: g0.job_name } })).id;
}

/** Exports the demo 2–3 job in each format, in order, as a reviewer would. */
export async function exportDemoJob(formats: string[]) {
  const training_job_id = await demoJobId();
  const exported: Record<string, { model_id: string; checksum: string; export_path?: string }> = {};
  for (const export_format of formats) {
    const json = { training_job_id, age_group_min: 2, age_group_max: 3, export_format };
    const res = await call('export', '/api/v1/training/models/export', { role: 'reviewer', json });
    if (res.status !== 200) throw new Error(`export ${export_format}: ${res.status} ${await res.text()}`);
    exported[export_format] = await res.json();
  }
  return exported;
}

/** What a journey's tests hand on to the next ones in the file (they run in order). */
export type JourneyState = {
  jobId?: number;
  exports: Record<string, { model_id: string; checksum: string; export_path?: string }>;
  deployments: number[];
};
export const journeyState = (): JourneyState => ({ exports: {}, deployments: [] });
