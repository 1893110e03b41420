/**
 * The REST API over HTTP-shaped calls: route handlers are plain (Request, {params}) → Response
 * functions, run here against a real embedded database and artifact store seeded with the demo jobs.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '@/lib/db';
import type { Role } from '@/lib/auth/permissions';
import type { ArtifactStore } from '@/lib/storage/types';
import { openSeededApp } from './test-app';

type Handler = (req: Request, ctx: { params: Promise<Record<string, string>> }) => Promise<Response>;
type Routes = Record<string, Record<string, Handler>>;

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const DEMO = path.join(ROOT, 'prisma', 'demo');
const FIXTURES = path.join(ROOT, 'lib', 'formats', 'fixtures');
const manifest = JSON.parse(fs.readFileSync(path.join(DEMO, 'manifest.json'), 'utf8'));
const g0 = manifest.groups[0];
const sha = (b: Uint8Array) => crypto.createHash('sha256').update(b).digest('hex');
const file = (p: string) => new Uint8Array(fs.readFileSync(p));

let tmp: string;
let db: Db;
let store: ArtifactStore;
let close: () => Promise<void>;
let r: Routes;
const tokens = {} as Record<Role, string>;

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'drawbridge-api-'));
  const app = await openSeededApp(tmp);
  ({ db, store, close } = app);
  Object.assign(tokens, app.tokens);
  r = {
    jobs: await import('@/app/api/v1/training/jobs/route'),
    job: await import('@/app/api/v1/training/jobs/[id]/route'),
    export: await import('@/app/api/v1/training/models/export/route'),
    direct: await import('@/app/api/v1/training/models/export/direct/route'),
    exports: await import('@/app/api/v1/training/models/exports/route'),
    exportOne: await import('@/app/api/v1/training/models/exports/[model_id]/route'),
    download: await import('@/app/api/v1/training/models/exports/[model_id]/download/route'),
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
    policies: await import('@/app/api/v1/review-policies/route'),
    policy: await import('@/app/api/v1/review-policies/[environment]/route'),
  } as unknown as Routes;
}, 120_000);

afterAll(async () => {
  await close?.();
  fs.rmSync(tmp, { recursive: true, force: true });
});

type CallOpts = { method?: string; role?: Role | null; token?: string; body?: BodyInit; json?: unknown; headers?: Record<string, string>; params?: Record<string, string> };

async function call(route: string, url: string, o: CallOpts = {}): Promise<Response> {
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
  return handler(new Request(`http://test${url}`, { method, headers, body }), { params: Promise.resolve(o.params ?? {}) });
}

async function expectError(res: Response, status: number, code?: string) {
  const body = await res.json();
  expect({ status: res.status, body }).toMatchObject({ status, body: code ? { code } : {} });
  expect(Object.keys(body).sort()).toEqual(['code', 'detail']);
  expect(JSON.stringify(body)).not.toMatch(/\n\s+at |node_modules|\.ts:\d+/);
  return body;
}

function jobForm(meta: unknown, files: { checkpoint?: Uint8Array; validation_set?: Uint8Array; [k: string]: Uint8Array | undefined } = {}) {
  const f = new FormData();
  f.set('metadata', typeof meta === 'string' ? meta : JSON.stringify(meta));
  for (const [k, v] of Object.entries(files)) if (v) f.set(k, new Blob([v as BlobPart]), `${k}.bin`);
  return f;
}

const metadata = (name: string, extra: Record<string, unknown> = {}) => ({
  job_name: name,
  environment: 'local',
  config_parameters: g0.config_parameters,
  dataset_path: g0.dataset_path,
  status: 'completed',
  start_timestamp: g0.start_time,
  end_timestamp: g0.end_time,
  sagemaker_job_arn: null,
  report: { final_loss: g0.report.final_loss, validation_accuracy: 0.95, best_epoch: 25, training_time_seconds: 18.4, metrics_summary: { note: 'api test' }, report_file_path: null },
  ...extra,
});

const ckpt23 = () => file(path.join(DEMO, 'age-2-3.pth'));

// The deployment review workflow over HTTP.
const SELF_REVIEW = 'You requested this deployment, so you cannot review it: a teammate has to.';
const REASON = 'Production incident 4711: the current 2–3 model flags every drawing; approvers are offline.';
async function openRequest(json: Record<string, unknown>, role: Role = 'reviewer') {
  const res = await call('requests', '/api/v1/deployment-requests', { role, json: { rationale: 'Nightly retrain of the 2–3 autoencoder', ...json } });
  expect(res.status).toBe(201);
  return (await res.json()) as { request_id: string; state: string; [k: string]: unknown };
}
const review = (id: string, role: Role, json: Record<string, unknown>) => call('reviews', '/x', { role, json, params: { id } });
const getRequest = async (id: string, role: Role = 'viewer') => {
  const res = await call('request', '/x', { role, params: { id } });
  expect(res.status).toBe(200);
  return res.json();
};
const vs23 = () => file(path.join(DEMO, 'age-2-3.validation.safetensors'));

describe('REST API journey', () => {
  const s: { jobId?: number; exports: Record<string, { model_id: string; checksum: string; export_path?: string }>; deployments: number[] } = { exports: {}, deployments: [] };

  it('registers a training job by multipart upload of a real checkpoint and validation set', async () => {
    const res = await call('jobs', '/api/v1/training/jobs', { role: 'reviewer', body: jobForm(metadata('api-upload-2-3'), { checkpoint: ckpt23(), validation_set: vs23() }) });
    expect(res.status).toBe(201);
    const job = await res.json();
    expect(job).toMatchObject({
      job_name: 'api-upload-2-3',
      status: 'completed',
      checkpoint_sha256: g0.files.checkpoint.sha256,
      validation_set_sha256: g0.files.validation.sha256,
      report: { final_loss: g0.report.final_loss, model_parameters_sha256: g0.files.checkpoint.sha256 },
    });
    s.jobId = job.id;
    const got = await call('job', `/api/v1/training/jobs/${job.id}`, { role: 'viewer', params: { id: String(job.id) } });
    expect(got.status).toBe(200);
    expect(await got.json()).toEqual(job);
    const listed = await (await call('jobs', '/api/v1/training/jobs?page_size=1', { role: 'viewer' })).json();
    expect(listed.jobs[0].id).toBe(job.id);
  });

  it('registers a job from JSON alone; artifact references in JSON are ignored', async () => {
    const res = await call('jobs', '/api/v1/training/jobs', { role: 'reviewer', json: { ...metadata('api-json'), checkpoint: { sha256: g0.files.checkpoint.sha256, sizeBytes: 1, mediaType: 'x' } } });
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({ job_name: 'api-json', checkpoint_sha256: null, validation_set_sha256: null });
  });

  it('exports the job in every format (query string and JSON body)', async () => {
    for (const fmt of ['onnx', 'pytorch', 'pickle', 'safetensors']) {
      const res =
        fmt === 'onnx'
          ? await call('export', `/api/v1/training/models/export?training_job_id=${s.jobId}&age_group_min=2&age_group_max=3&export_format=onnx`, { role: 'reviewer', method: 'POST' })
          : await call('export', '/api/v1/training/models/export', { role: 'reviewer', json: { training_job_id: s.jobId, age_group_min: 2, age_group_max: 3, export_format: fmt } });
      expect(res.status).toBe(200);
      const d = await res.json();
      expect(Object.keys(d)).toHaveLength(16);
      expect(d).toMatchObject({ training_job_id: s.jobId, export_format: fmt, input_dimension: 832, age_group_min: 2, age_group_max: 3 });
      s.exports[fmt] = d;
    }
  });

  it('exports directly from an uploaded checkpoint (training_job_id 0)', async () => {
    const f = new FormData();
    f.set('checkpoint', new Blob([file(path.join(DEMO, 'age-3-4.pth'))]), 'model.pth');
    f.set('model_info', JSON.stringify({ model_architecture: { input_dim: 832, hidden_dims: [128, 64] }, training_metrics: { final_loss: 0.001 } }));
    f.set('age_group_min', '3');
    f.set('age_group_max', '4');
    f.set('export_format', 'safetensors');
    const res = await call('direct', '/api/v1/training/models/export/direct', { role: 'reviewer', body: f });
    expect(res.status).toBe(200);
    const d = await res.json();
    expect(d).toMatchObject({ training_job_id: 0, export_format: 'safetensors', training_metrics: { final_loss: 0.001 } });
    s.exports.direct = d;
    // Nothing deploys without an approved request.
    const config = { model_id: d.model_id, age_group_min: 3, age_group_max: 4, validate_before_deployment: 'false' };
    const dep = await call('deploy', '/api/v1/training/models/deploy', { role: 'deployer', json: config });
    const refused = await expectError(dep, 409, 'approval_required');
    expect(refused.detail).toContain('POST /api/v1/deployment-requests');
    // Even an admin's break-glass: without a training job there is no validation set, so no threshold from data.
    await expectError(await call('deploy', '/api/v1/training/models/deploy', { role: 'admin', json: { ...config, break_glass_reason: REASON } }), 409, 'validation_set_missing');
  });

  it('lists exports newest first with filters and paging', async () => {
    const res = await call('exports', '/api/v1/training/models/exports?age_group_min=2&page_size=2', { role: 'viewer' });
    expect(res.status).toBe(200);
    const l = await res.json();
    expect(l).toMatchObject({ total: 4, page: 1, page_size: 2 });
    expect(l.exports.map((e: { model_id: string }) => e.model_id)).toEqual([s.exports.safetensors.model_id, s.exports.pickle.model_id]);
    const direct = await (await call('exports', '/api/v1/training/models/exports?training_job_id=0', { role: 'viewer' })).json();
    expect(direct.exports.map((e: { model_id: string }) => e.model_id)).toEqual([s.exports.direct.model_id]);
    const onnx = await (await call('exports', '/api/v1/training/models/exports?export_format=onnx', { role: 'viewer' })).json();
    expect(onnx.exports.every((e: { export_format: string }) => e.export_format === 'onnx')).toBe(true);
  });

  it('validates an export and shows the run on its detail', async () => {
    const id = s.exports.onnx.model_id;
    const res = await call('validate', `/api/v1/training/models/validate?model_id=${id}`, { role: 'reviewer', method: 'POST' });
    expect(res.status).toBe(200);
    const v = await res.json();
    expect(v).toMatchObject({ is_valid: true, errors: [] });
    expect(v.integrity_checks).toMatchObject({ checksum_verified: true, parsed: true });
    const detail = await (await call('exportOne', `/api/v1/training/models/exports/${id}`, { role: 'viewer', params: { model_id: id } })).json();
    expect(detail).toMatchObject({
      model_id: id,
      export_path: `exports/models/${id}.onnx`,
      download_url: `/api/v1/training/models/exports/${id}/download`,
      validation_runs: [{ id: v.validation_run_id, is_valid: true }],
    });
    s.exports.onnx.export_path = detail.export_path;
  });

  it('deploys only an approved request: approval_required, self-review refused, two approvals with preview summaries, deploy by the request', async () => {
    const e = s.exports.onnx;
    const config = { model_export_path: e.export_path, age_group_min: 2, age_group_max: 3, deployment_environment: 'production' };
    const refused = await expectError(await call('deploy', '/api/v1/training/models/deploy', { role: 'deployer', json: config }), 409, 'approval_required');
    expect(refused.detail).toMatch(/No approved deployment request deploys .* to production/);

    const req = await openRequest({ model_id: e.model_id, deployment_environment: 'production' });
    expect(req).toMatchObject({
      state: 'open',
      model_id: e.model_id,
      artifact_sha256: e.checksum,
      age_group_min: 2,
      age_group_max: 3,
      replace_existing: false,
      backup_existing: true,
      validate_before_deployment: true,
      requester: { email: 'reviewer@drawbridge.test' },
      policy: { deployment_environment: 'production', required_approvals: 2, require_preview_summary: true, is_default: true },
      evaluation: { satisfied: false, approvals: 0, required: 2 },
    });
    const id = req.request_id;
    await expectError(await call('requestDeploy', '/x', { role: 'deployer', method: 'POST', params: { id } }), 409, 'not_approved');

    // The requester never reviews their own request, and nothing is attached on the way.
    const summaries = await db.previewSummary.count();
    const self = await expectError(await review(id, 'reviewer', { decision: 'approve', preview_summary: { samples: 40 } }), 403, 'self_review');
    expect(self.detail).toBe(SELF_REVIEW);
    expect(await db.previewSummary.count()).toBe(summaries);

    // Production's default policy: two approvals, each with the reviewer's preview summary of these bytes.
    const noPreview = await expectError(await review(id, 'admin', { decision: 'approve' }), 409, 'preview_summary_required');
    expect(noPreview.detail).toMatch(/preview summary/);
    const a1 = await review(id, 'admin', { decision: 'approve', comment: 'Histogram and flips look right', preview_summary: { artifact_sha256: e.checksum, backend: 'wasm', samples: 40 } });
    expect(a1.status).toBe(201);
    expect(await a1.json()).toMatchObject({ review: { decision: 'approve', has_preview_summary: true }, request: { state: 'open', evaluation: { approvals: 1, required: 2 } } });
    await expectError(await review(id, 'deployer', { decision: 'approve', preview_summary: { artifact_sha256: 'f'.repeat(64) } }), 422, 'artifact_hash_mismatch');
    await expectError(await review(id, 'deployer', { decision: 'approve', preview_summary: ['not', 'an', 'object'] }), 422, 'invalid_request');
    const a2 = await (await review(id, 'deployer', { decision: 'approve', preview_summary: { backend: 'webgpu', samples: 40 } })).json();
    expect(a2.request).toMatchObject({ state: 'approved', evaluation: { satisfied: true, approvals: 2, required: 2, reasons: [] } });

    const detail = await getRequest(id);
    expect(detail).toMatchObject({ state: 'approved', evaluation: { satisfied: true, approvals: 2 }, latest_validation: { is_valid: true, artifact_sha256: e.checksum } });
    expect(detail.reviews.map((r: { reviewer: { email: string }; lapse: unknown; counted: boolean }) => [r.reviewer.email, r.lapse, r.counted])).toEqual([
      ['admin@drawbridge.test', null, true],
      ['deployer@drawbridge.test', null, true],
    ]);
    expect(detail.reviews[0].preview_summary.summary).toMatchObject({ backend: 'wasm' });

    const res = await call('requestDeploy', '/x', { role: 'deployer', method: 'POST', params: { id } });
    expect(res.status).toBe(200);
    const d1 = await res.json();
    expect(d1).toMatchObject({ success: true, model_id: e.model_id, database_updated: true, backup_path: null, request_id: id, break_glass: false, break_glass_reason: null });
    expect(d1.threshold).toBeGreaterThan(0);
    s.deployments.push(d1.deployment_id);
    const after = await getRequest(id);
    expect(after).toMatchObject({ state: 'deployed', deployments: [{ id: d1.deployment_id, is_active: true, model_id: e.model_id }] });
    await expectError(await call('requestDeploy', '/x', { role: 'deployer', method: 'POST', params: { id } }), 409, 'not_approved');
  });

  it('deploys the approved request for a ModelDeploymentConfig ("false" is false); a failed deploy marks it failed; the reviewed flags govern', async () => {
    await expectError(await call('policy', '/x', { role: 'deployer', method: 'PUT', json: { required_approvals: 1 }, params: { environment: 'production' } }), 403, 'forbidden');
    const pol = await call('policy', '/x', { role: 'admin', method: 'PUT', json: { required_approvals: 1, require_preview_summary: false }, params: { environment: 'production' } });
    expect(pol.status).toBe(200);
    expect(await pol.json()).toMatchObject({ deployment_environment: 'production', required_approvals: 1, require_preview_summary: false, is_default: false });
    const listed = await (await call('policies', '/api/v1/review-policies', { role: 'viewer' })).json();
    expect(listed.policies.find((p: { deployment_environment: string }) => p.deployment_environment === 'staging')).toMatchObject({ required_approvals: 1, is_default: true });

    const py = s.exports.pytorch.model_id;
    const keep = (await openRequest({ model_id: py, replace_existing: 'false' })).request_id;
    // An approval binds to a passing validation run of the request's bytes.
    await expectError(await review(keep, 'admin', { decision: 'approve' }), 409, 'validation_required');
    expect((await call('validate', `/api/v1/training/models/validate?model_id=${py}`, { role: 'reviewer', method: 'POST' })).status).toBe(200);
    expect((await (await review(keep, 'admin', { decision: 'approve' })).json()).request.state).toBe('approved');

    const pyPath = `exports/models/${py}.pth`;
    const q = (replace: string, extra = '') =>
      `/api/v1/training/models/deploy?model_export_path=${encodeURIComponent(pyPath)}&age_group_min=2&age_group_max=3&validate_before_deployment=false&replace_existing=${replace}${extra}`;
    await expectError(await call('deploy', q('nope'), { role: 'deployer', method: 'POST' }), 422, 'invalid_request');
    await expectError(await call('deploy', q('false'), { role: 'deployer', method: 'POST' }), 409, 'active_model_exists');
    expect(await getRequest(keep)).toMatchObject({ state: 'failed', failure_reason: expect.stringMatching(/already served/) });

    const repl = (await openRequest({ model_id: py, replace_existing: 'true', validate_before_deployment: false })).request_id;
    expect((await (await review(repl, 'admin', { decision: 'approve', comment: 'ok' })).json()).request.state).toBe('approved');
    // backup_existing=false differs from the reviewed request: the request's true is used, and said.
    const res2 = await call('deploy', q('true', '&backup_existing=false'), { role: 'deployer', method: 'POST' });
    expect(res2.status).toBe(200);
    const d2 = await res2.json();
    expect(d2).toMatchObject({ request_id: repl, break_glass: false });
    expect(d2.backup_path).toMatch(/^deployments\/production\/2-3\//);
    expect(d2.warnings).toContain('deployed without validation (validate_before_deployment was false)');
    expect(d2.warnings).toContain("the approved request's backup_existing were used, not the ones sent");
    s.deployments.push(d2.deployment_id);
  });

  it('lists deployments, active and with history', async () => {
    const active = await (await call('deployed', '/api/v1/training/models/deployed?environment=production', { role: 'viewer' })).json();
    expect(active.map((d: { id: number }) => d.id)).toEqual([s.deployments[1]]);
    expect(active[0]).toMatchObject({ is_active: true, model_id: s.exports.pytorch.model_id, replaced_deployment_id: s.deployments[0] });
    const all = await (await call('deployed', '/api/v1/training/models/deployed?include_inactive=true', { role: 'viewer' })).json();
    expect(all.find((d: { id: number }) => d.id === s.deployments[0])).toMatchObject({ is_active: false, status: 'backup' });
    await expectError(await call('deployed', '/api/v1/training/models/deployed?include_inactive=maybe', { role: 'viewer' }), 422);
    await expectError(await call('deployed', '/api/v1/training/models/deployed?environment=mars', { role: 'viewer' }), 422);
  });

  it('downloads exports and artifacts with ETag, 304, Range and 416', async () => {
    const e = s.exports.onnx;
    const bytes = await store.get(e.checksum);
    const dl = await call('download', `/x`, { role: 'viewer', params: { model_id: e.model_id } });
    expect(dl.status).toBe(200);
    expect(dl.headers.get('content-disposition')).toBe(`attachment; filename="${e.model_id}.onnx"`);
    expect(dl.headers.get('etag')).toBe(`"${e.checksum}"`);
    const got = new Uint8Array(await dl.arrayBuffer());
    expect(sha(got)).toBe(e.checksum);

    const a = (headers: Record<string, string> = {}, hash = e.checksum) => call('artifact', `/api/v1/artifacts/${hash}`, { role: 'viewer', headers, params: { sha256: hash } });
    const full = await a();
    expect(full.status).toBe(200);
    expect(Object.fromEntries(full.headers)).toMatchObject({
      etag: `"${e.checksum}"`,
      'cache-control': 'private, max-age=31536000, immutable, no-transform',
      'accept-ranges': 'bytes',
      'content-length': String(bytes.byteLength),
      'content-type': 'application/onnx',
      'x-content-type-options': 'nosniff',
    });
    expect(sha(new Uint8Array(await full.arrayBuffer()))).toBe(e.checksum);
    const notModified = await a({ 'if-none-match': `W/"x", "${e.checksum}"` });
    expect(notModified.status).toBe(304);
    expect(await notModified.text()).toBe('');
    const part = await a({ range: 'bytes=10-19' });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 10-19/${bytes.byteLength}`);
    expect(part.headers.get('content-length')).toBe('10');
    expect(new Uint8Array(await part.arrayBuffer())).toEqual(bytes.subarray(10, 20));
    const suffix = await a({ range: 'bytes=-5' });
    expect(new Uint8Array(await suffix.arrayBuffer())).toEqual(bytes.subarray(bytes.byteLength - 5));
    const bad = await a({ range: `bytes=${bytes.byteLength}-` });
    expect(bad.status).toBe(416);
    expect(bad.headers.get('content-range')).toBe(`bytes */${bytes.byteLength}`);
    expect((await a({ range: 'bytes=0-1, 4-5' })).status).toBe(200);
    // The uploaded checkpoint keeps the media type it was catalogued with.
    const ck = await a({}, g0.files.checkpoint.sha256);
    expect(ck.headers.get('content-type')).toBe('application/x-pytorch-checkpoint');
    await ck.arrayBuffer();
    for (const h of ['0'.repeat(64), 'abc', '../../etc/passwd', 'E'.repeat(64)]) await expectError(await a({}, h), 404, 'artifact_not_found');
    await expectError(await call('download', '/x', { role: 'viewer', params: { model_id: 'autoencoder_2.0_3.0_20000101_000000' } }), 404, 'model_not_found');
  });

  it('rolls back to the backup, then has none left', async () => {
    const res = await call('rollback', '/api/v1/training/models/rollback', { role: 'deployer', json: { age_group_min: 2, age_group_max: 3 } });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ success: true, restored: { id: s.deployments[0], is_active: true }, retired_deployment_id: s.deployments[1] });
    await expectError(await call('rollback', '/api/v1/training/models/rollback?age_group_min=2&age_group_max=3', { role: 'deployer', method: 'POST' }), 409, 'no_backup');
  });

  it('undeploys, then 404s the same id; a non-integer id is 422', async () => {
    const id = String(s.deployments[0]);
    const res = await call('undeploy', '/x', { role: 'deployer', method: 'POST', params: { id } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ success: true, deployment_id: s.deployments[0] });
    const again = await expectError(await call('undeploy', '/x', { role: 'deployer', method: 'POST', params: { id } }), 404, 'deployment_not_found');
    expect(again.detail).toBe(`Deployment ${id} is not active or does not exist`);
    for (const bad of ['abc', '1.5', '-1', '0', '99999999999']) {
      await expectError(await call('undeploy', '/x', { role: 'deployer', method: 'POST', params: { id: bad } }), 422, 'invalid_request');
    }
    const audit = await (await call('audit', '/api/v1/audit?action=model.undeploy', { role: 'deployer' })).json();
    expect(audit.total).toBe(1);
  });
});

describe('deployment review workflow over HTTP', () => {
  const exportOf = async (format: string) => {
    const { exports } = await (await call('exports', `/api/v1/training/models/exports?age_group_min=2&age_group_max=3&export_format=${format}`, { role: 'viewer' })).json();
    return exports[0] as { model_id: string; checksum: string };
  };

  it('lists requests: mine, by state, paged; drafts only to their requester; bad filters are 422', async () => {
    const mine = await (await call('requests', '/api/v1/deployment-requests?view=mine', { role: 'reviewer' })).json();
    expect(mine.requests.length).toBeGreaterThanOrEqual(3);
    expect(mine.requests.every((r: { requester: { email: string } }) => r.requester.email === 'reviewer@drawbridge.test')).toBe(true);
    const deployed = await (await call('requests', '/api/v1/deployment-requests?state=deployed&environment=production', { role: 'viewer' })).json();
    expect(deployed.requests.map((r: { state: string }) => r.state)).toEqual(['deployed', 'deployed']);
    const page = await (await call('requests', '/api/v1/deployment-requests?page_size=1&page=2', { role: 'viewer' })).json();
    expect(page).toMatchObject({ page: 2, page_size: 1 });
    expect(page.requests).toHaveLength(1);

    const e = await exportOf('pickle');
    const draft = await openRequest({ model_id: e.model_id, deployment_environment: 'staging', submit: false });
    expect(draft.state).toBe('draft');
    await expectError(await call('request', '/x', { role: 'admin', params: { id: 'nope' } }), 404, 'request_not_found');
    await expectError(await call('request', '/x', { role: 'deployer', params: { id: draft.request_id } }), 404, 'request_not_found');
    await expectError(await review(draft.request_id, 'admin', { decision: 'approve' }), 409, 'invalid_transition');
    const submitted = await call('submit', '/x', { role: 'reviewer', method: 'POST', params: { id: draft.request_id } });
    expect(await submitted.json()).toMatchObject({ state: 'open', evaluation: { required: 1 } });
    const awaiting = await (await call('requests', '/api/v1/deployment-requests?view=awaiting', { role: 'deployer' })).json();
    expect(awaiting.requests.map((r: { request_id: string }) => r.request_id)).toContain(draft.request_id);
    expect(awaiting.requests.every((r: { awaiting_me: boolean }) => r.awaiting_me)).toBe(true);
    // The requester withdraws it; nobody else can.
    await expectError(await call('withdraw', '/x', { role: 'deployer', method: 'POST', params: { id: draft.request_id } }), 403, 'forbidden');
    const w = await call('withdraw', '/x', { role: 'reviewer', json: { reason: 'superseded' }, params: { id: draft.request_id } });
    expect(await w.json()).toMatchObject({ state: 'withdrawn' });
    await expectError(await call('withdraw', '/x', { role: 'reviewer', method: 'POST', params: { id: draft.request_id } }), 409, 'invalid_transition');

    await expectError(await call('requests', '/api/v1/deployment-requests?state=pending', { role: 'viewer' }), 422, 'invalid_request');
    await expectError(await call('requests', '/api/v1/deployment-requests?view=theirs', { role: 'viewer' }), 422, 'invalid_request');
    await expectError(await call('requests', '/api/v1/deployment-requests', { role: 'reviewer', json: { model_id: e.model_id, rationale: 'short' } }), 422, 'invalid_request');
    await expectError(await call('requests', '/api/v1/deployment-requests', { role: 'reviewer', json: { model_id: 'autoencoder_2.0_3.0_20000101_000000', rationale: 'a good enough reason' } }), 404, 'model_not_found');
  });

  it('re-validating an export lapses the approvals bound to the older run at once; the deploy is then refused', async () => {
    const e = await exportOf('pickle');
    expect((await call('validate', `/api/v1/training/models/validate?model_id=${e.model_id}`, { role: 'reviewer', method: 'POST' })).status).toBe(200);
    const id = (await openRequest({ model_id: e.model_id, deployment_environment: 'staging' })).request_id;
    const a = await (await review(id, 'admin', { decision: 'approve', preview_summary: { samples: 40 } })).json();
    expect(a.request).toMatchObject({ state: 'approved', policy: { deployment_environment: 'staging', required_approvals: 1, require_preview_summary: true } });
    expect((await call('validate', '/api/v1/training/models/validate', { role: 'reviewer', json: { model_id: e.model_id } })).status).toBe(200);
    const d = await getRequest(id);
    expect(d).toMatchObject({ state: 'open', evaluation: { satisfied: false, approvals: 0 } });
    expect(d.reviews[0]).toMatchObject({ lapse: 'validation_changed', counted: false, lapsed_at: expect.any(String) });
    await expectError(await call('requestDeploy', '/x', { role: 'deployer', method: 'POST', params: { id } }), 409, 'not_approved');
    await expectError(await call('deploy', '/api/v1/training/models/deploy', { role: 'deployer', json: { model_id: e.model_id, age_group_min: 2, age_group_max: 3, deployment_environment: 'staging' } }), 409, 'approval_required');
  });

  it('break-glass: an admin with a written reason deploys without approvals, flagged; a deployer may not', async () => {
    const st = await exportOf('safetensors');
    const config = { model_id: st.model_id, age_group_min: 2, age_group_max: 3, deployment_environment: 'staging' };
    await expectError(await call('deploy', '/api/v1/training/models/deploy', { role: 'deployer', json: { ...config, break_glass_reason: REASON } }), 403, 'forbidden');
    await expectError(await call('deploy', '/api/v1/training/models/deploy', { role: 'admin', json: { ...config, break_glass_reason: 'because' } }), 422, 'invalid_request');
    const res = await call('deploy', '/api/v1/training/models/deploy', { role: 'admin', json: { ...config, break_glass_reason: REASON } });
    expect(res.status).toBe(200);
    const d = await res.json();
    expect(d).toMatchObject({ success: true, model_id: st.model_id, break_glass: true, break_glass_reason: REASON, request_id: expect.any(String) });
    expect(d.warnings).toContain('break-glass: deployed without approvals');
    expect(await getRequest(d.request_id)).toMatchObject({ state: 'deployed', deployments: [{ id: d.deployment_id, break_glass_reason: REASON }] });
    const staging = await (await call('deployed', '/api/v1/training/models/deployed?environment=staging', { role: 'viewer' })).json();
    expect(staging).toMatchObject([{ id: d.deployment_id, break_glass_reason: REASON }]);

    // By the request endpoint, on an open request.
    const onnx = await exportOf('onnx');
    const id = (await openRequest({ model_id: onnx.model_id, deployment_environment: 'staging', replace_existing: true })).request_id;
    await expectError(await call('breakGlass', '/x', { role: 'deployer', json: { reason: REASON }, params: { id } }), 403, 'forbidden');
    await expectError(await call('breakGlass', '/x', { role: 'admin', json: { reason: 'too short' }, params: { id } }), 422, 'break_glass_reason_required');
    await expectError(await call('breakGlass', '/x', { role: 'admin', json: {}, params: { id } }), 422, 'invalid_request');
    const bg = await call('breakGlass', '/x', { role: 'admin', json: { reason: REASON }, params: { id } });
    expect(bg.status).toBe(200);
    const d2 = await bg.json();
    expect(d2).toMatchObject({ request_id: id, break_glass: true, break_glass_reason: REASON, backup_path: expect.stringMatching(/^deployments\/staging\/2-3\//) });
    expect(await getRequest(id)).toMatchObject({ state: 'deployed' });
    const audit = await (await call('audit', '/api/v1/audit?action=model.deploy.break_glass', { role: 'deployer' })).json();
    expect(audit.total).toBe(2);

    // Leave nothing active for the tests that follow.
    expect((await call('undeploy', '/x', { role: 'deployer', method: 'POST', params: { id: String(d2.deployment_id) } })).status).toBe(200);
  });
});

describe('authentication and permissions', () => {
  // [route, method, least role that may call it]
  const table: [string, string, Role][] = [
    ['jobs', 'GET', 'viewer'],
    ['jobs', 'POST', 'reviewer'],
    ['job', 'GET', 'viewer'],
    ['export', 'POST', 'reviewer'],
    ['direct', 'POST', 'reviewer'],
    ['exports', 'GET', 'viewer'],
    ['exportOne', 'GET', 'viewer'],
    ['download', 'GET', 'viewer'],
    ['validate', 'POST', 'reviewer'],
    ['deploy', 'POST', 'deployer'],
    ['deployed', 'GET', 'viewer'],
    ['undeploy', 'POST', 'deployer'],
    ['rollback', 'POST', 'deployer'],
    ['artifact', 'GET', 'viewer'],
    ['me', 'GET', 'viewer'],
    ['audit', 'GET', 'deployer'],
    ['requests', 'GET', 'viewer'],
    ['requests', 'POST', 'reviewer'],
    ['request', 'GET', 'viewer'],
    ['reviews', 'POST', 'reviewer'],
    ['requestDeploy', 'POST', 'deployer'],
    ['breakGlass', 'POST', 'admin'],
    ['withdraw', 'POST', 'reviewer'],
    ['submit', 'POST', 'reviewer'],
    ['policies', 'GET', 'viewer'],
    ['policy', 'PUT', 'admin'],
  ];
  const order: Role[] = ['viewer', 'reviewer', 'deployer', 'admin'];
  it.each(table)('%s %s: 401 without credentials, 403 below %s', async (route, method, least) => {
    const params = { id: '1', model_id: 'autoencoder_2.0_3.0_20000101_000000', sha256: '0'.repeat(64), environment: 'production' };
    await expectError(await call(route, '/x', { method, role: null, params }), 401, 'unauthenticated');
    await expectError(await call(route, '/x', { method, token: 'dbt_not-a-token', params }), 401, 'unauthenticated');
    for (const role of order.slice(0, order.indexOf(least))) {
      await expectError(await call(route, '/x', { method, role, params }), 403, 'forbidden');
    }
  });

  it('accepts the session cookie as well as a bearer token', async () => {
    const { createSession } = await import('@/lib/auth/sessions');
    const u = await db.user.findFirstOrThrow({ where: { role: 'viewer' } });
    const { token } = await createSession(db, u.id);
    const res = await call('me', '/api/v1/me', { role: null, headers: { cookie: `other=1; drawbridge_session=${token}` } });
    expect(await res.json()).toMatchObject({ role: 'viewer', via: 'session' });
  });
});

describe('bad input', () => {
  const jobCount = () => db.trainingJob.count();

  it('bad JSON, non-object JSON, missing fields, unsupported body types', async () => {
    const raw = (route: string, url: string, body: string, type = 'application/json') =>
      call(route, url, { role: 'admin', method: 'POST', body, headers: { 'content-type': type } });
    await expectError(await raw('export', '/api/v1/training/models/export', '{"training_job_id": 1,'), 400, 'invalid_json');
    await expectError(await raw('deploy', '/api/v1/training/models/deploy', '[1,2]'), 400, 'invalid_json');
    await expectError(await raw('jobs', '/api/v1/training/jobs', 'nope'), 400, 'invalid_json');
    await expectError(await raw('rollback', '/api/v1/training/models/rollback', 'age_group_min=2', 'text/plain'), 415, 'unsupported_media_type');
    await expectError(await raw('jobs', '/api/v1/training/jobs', 'job_name=x', 'application/x-www-form-urlencoded'), 415, 'unsupported_media_type');

    const missing = await (await call('export', '/api/v1/training/models/export', { role: 'reviewer', json: {} })).json();
    expect(missing.code).toBe('invalid_request');
    const locs = missing.detail.map((d: { loc: string[] }) => d.loc.join('.'));
    expect(locs).toEqual(expect.arrayContaining(['body.training_job_id', 'body.export_format']));
    const v = await (await call('validate', '/api/v1/training/models/validate', { role: 'reviewer', method: 'POST' })).json();
    expect(v.detail[0].loc).toEqual(['body', 'model_id']);
    const dep = await (await call('deploy', '/api/v1/training/models/deploy', { role: 'deployer', json: { age_group_min: 2, age_group_max: 3 } })).json();
    expect(dep.detail[0].loc).toEqual(['body', 'model_export_path']);
    await expectError(await call('exports', '/api/v1/training/models/exports?page=abc', { role: 'viewer' }), 422);
    await expectError(await call('job', '/x', { role: 'viewer', params: { id: 'abc' } }), 422);
    await expectError(await call('job', '/x', { role: 'viewer', params: { id: '99999' } }), 404, 'training_job_not_found');
    await expectError(await call('exportOne', '/x', { role: 'viewer', params: { model_id: 'nope' } }), 404, 'model_not_found');
    await expectError(await call('validate', '/api/v1/training/models/validate?model_id=nope', { role: 'reviewer', method: 'POST' }), 404, 'model_not_found');
    await expectError(await call('export', '/api/v1/training/models/export', { role: 'reviewer', json: { training_job_id: 99999, age_group_min: 2, age_group_max: 3, export_format: 'onnx' } }), 404, 'training_job_not_found');
  });

  it('bad multipart: no metadata, bad metadata, unexpected file, validation set alone, malformed body', async () => {
    const before = await jobCount();
    const post = (body: BodyInit, headers?: Record<string, string>) => call('jobs', '/api/v1/training/jobs', { role: 'reviewer', body, headers });
    const noMeta = new FormData();
    noMeta.set('checkpoint', new Blob([ckpt23()]), 'a.pth');
    await expectError(await post(noMeta), 422, 'invalid_request');
    await expectError(await post(jobForm('{oops', { checkpoint: ckpt23() })), 400, 'invalid_json');
    const bad = await (await post(jobForm({ environment: 'moon' }, { checkpoint: ckpt23() }))).json();
    expect(bad.detail.map((d: { loc: string[] }) => d.loc.join('.'))).toEqual(expect.arrayContaining(['body.job_name', 'body.environment']));
    await expectError(await post(jobForm(metadata('x'), { checkpoint: ckpt23(), evil: new Uint8Array([1]) })), 400, 'unexpected_file');
    await expectError(await post(jobForm(metadata('x'), { validation_set: vs23() })), 422, 'validation_set_invalid');
    const boundary = 'XyZ';
    await expectError(await post(`--${boundary}\r\nContent-Disposition: form-data; name="metadata"\r\n\r\n{}`, { 'content-type': `multipart/form-data; boundary=${boundary}` }), 400, 'invalid_multipart');
    await expectError(await post('garbage', { 'content-type': `multipart/form-data; boundary=${boundary}` }), 400, 'invalid_multipart');
    await expectError(await post('x', { 'content-type': 'multipart/form-data' }), 415, 'unsupported_media_type');
    expect(await jobCount()).toBe(before);
  });

  it('refuses every malicious or non-autoencoder checkpoint with 422 and records nothing', async () => {
    const before = await jobCount();
    const artifactsBefore = await db.artifact.count();
    const dir = path.join(FIXTURES, 'malicious');
    const names = fs.readdirSync(dir).filter((n) => !n.endsWith('.json'));
    expect(names.length).toBeGreaterThan(20);
    const codes: Record<string, string> = {};
    for (const n of names) {
      const res = await call('jobs', '/api/v1/training/jobs', { role: 'reviewer', body: jobForm(metadata(`evil-${n}`), { checkpoint: file(path.join(dir, n)) }) });
      const body = await expectError(res, 422);
      codes[n] = body.code;
    }
    expect(codes['torch-os-system.pth']).toBe('unsafe_pickle_global');
    expect(codes['not-autoencoder-cnn.pth']).toBe('not_an_autoencoder');
    expect(await jobCount()).toBe(before);
    expect(await db.artifact.count()).toBe(artifactsBefore);
  });

  it('refuses a validation set that does not parse or does not match the model input_dim', async () => {
    const before = await jobCount();
    const small = file(path.join(FIXTURES, 'ae-32-16.pth'));
    await expectError(await call('jobs', '/api/v1/training/jobs', { role: 'reviewer', body: jobForm(metadata('dim'), { checkpoint: small, validation_set: vs23() }) }), 422, 'validation_set_dimension_mismatch');
    const junk = await call('jobs', '/api/v1/training/jobs', { role: 'reviewer', body: jobForm(metadata('junk'), { checkpoint: ckpt23(), validation_set: new TextEncoder().encode('not safetensors') }) });
    await expectError(junk, 422);
    expect(await jobCount()).toBe(before);
    expect(await db.artifact.findUnique({ where: { sha256: sha(small) } })).toBeNull();
  });

  it('refuses a direct export whose model_info contradicts the weights, before cataloguing the upload', async () => {
    const small = file(path.join(FIXTURES, 'ae-32-16.pth'));
    const form = (info: string) => {
      const f = new FormData();
      f.set('checkpoint', new Blob([small]), 'm.pth');
      f.set('model_info', info);
      return f;
    };
    const url = '/api/v1/training/models/export/direct?age_group_min=2&age_group_max=3&export_format=onnx';
    await expectError(await call('direct', url, { role: 'reviewer', body: form('{"input_dim": 64}') }), 422, 'architecture_mismatch');
    await expectError(await call('direct', url, { role: 'reviewer', body: form('{"model_architecture": "x"}') }), 422, 'invalid_request');
    await expectError(await call('direct', url, { role: 'reviewer', body: form('[') }), 400, 'invalid_json');
    const noFile = new FormData();
    noFile.set('model_info', '{}');
    await expectError(await call('direct', url, { role: 'reviewer', body: noFile }), 422, 'invalid_request');
    const f = form('{}');
    await expectError(await call('direct', '/api/v1/training/models/export/direct?age_group_min=2&age_group_max=3&export_format=tflite', { role: 'reviewer', body: f }), 422, 'invalid_request');
    expect(await db.artifact.findUnique({ where: { sha256: sha(small) } })).toBeNull();
  });

  it('refuses oversize uploads with 413 (limit read at call time)', async () => {
    const before = await jobCount();
    process.env.DRAWBRIDGE_MAX_ARTIFACT_MB = '0.5';
    try {
      await expectError(await call('jobs', '/api/v1/training/jobs', { role: 'reviewer', body: jobForm(metadata('big'), { checkpoint: ckpt23() }) }), 413, 'artifact_too_large');
      await expectError(
        await call('jobs', '/api/v1/training/jobs', { role: 'reviewer', body: 'x', headers: { 'content-type': 'multipart/form-data; boundary=b', 'content-length': String(10 * 1024 * 1024) } }),
        413,
        'payload_too_large',
      );
      const f = new FormData();
      f.set('checkpoint', new Blob([ckpt23()]), 'm.pth');
      await expectError(await call('direct', '/api/v1/training/models/export/direct?age_group_min=2&age_group_max=3&export_format=onnx', { role: 'reviewer', body: f }), 413, 'artifact_too_large');
    } finally {
      delete process.env.DRAWBRIDGE_MAX_ARTIFACT_MB;
    }
    await expectError(await call('export', '/api/v1/training/models/export', { role: 'reviewer', method: 'POST', body: JSON.stringify({ pad: 'x'.repeat(1_100_000) }), headers: { 'content-type': 'application/json' } }), 413, 'payload_too_large');
    expect(await jobCount()).toBe(before);
  });

  it('maps registry state conflicts to 409', async () => {
    const mk = async (meta: Record<string, unknown>) => (await (await call('jobs', '/api/v1/training/jobs', { role: 'reviewer', json: meta })).json()).id as number;
    const exp = (id: number) => call('export', '/api/v1/training/models/export', { role: 'reviewer', json: { training_job_id: id, age_group_min: 2, age_group_max: 3, export_format: 'onnx' } });
    await expectError(await exp(await mk(metadata('running', { status: 'running' }))), 409, 'training_job_not_completed');
    await expectError(await exp(await mk(metadata('no-report', { report: null }))), 409, 'training_report_missing');
    await expectError(await exp(await mk(metadata('no-checkpoint'))), 409, 'checkpoint_missing');
  });

  it('refuses path traversal in model_export_path in every spelling, body or query', async () => {
    const { exports } = await (await call('exports', '/api/v1/training/models/exports?age_group_min=2&export_format=pickle', { role: 'viewer' })).json();
    const id = exports[0].model_id;
    const evil = [
      '../../etc/passwd',
      `exports/models/../../../etc/${id}.pkl`,
      `exports/models/..%2F..%2F${id}.pkl`,
      `%2e%2e%2fexports/models/${id}.pkl`,
      `exports%2Fmodels%2F${id}.pkl`,
      `exports/models/%252e%252e/${id}.pkl`,
      `/exports/models/${id}.pkl`,
      `/etc/passwd`,
      `file:///exports/models/${id}.pkl`,
      `exports\\models\\${id}.pkl`,
      `exports/models/${id}.pkl\u0000.onnx`,
      `exports/models/${id}.pkl/`,
      `C:\\exports\\models\\${id}.pkl`,
      `exports/models/${id}.pth`, // a real export, the wrong extension for it
    ];
    for (const p of evil) {
      // A NUL is refused earlier, by the input guard (lib/api/input-guard.ts), as any NUL is.
      const code = p.includes('\u0000') ? 'invalid_request' : 'invalid_export_path';
      const body = await call('deploy', '/api/v1/training/models/deploy', { role: 'deployer', json: { model_export_path: p, age_group_min: 2, age_group_max: 3 } });
      await expectError(body, 400, code);
      const query = await call('deploy', `/api/v1/training/models/deploy?model_export_path=${encodeURIComponent(p)}&age_group_min=2&age_group_max=3`, { role: 'deployer', method: 'POST' });
      await expectError(query, 400, code);
    }
    // Raw (not re-encoded) percent-escapes in the query string decode once and still do not match.
    const raw = await call('deploy', '/api/v1/training/models/deploy?model_export_path=exports%2Fmodels%2F..%2F..%2Fetc%2Fpasswd&age_group_min=2&age_group_max=3', { role: 'deployer', method: 'POST' });
    await expectError(raw, 400, 'invalid_export_path');
    const unknown = `exports/models/autoencoder_2.0_3.0_20000101_000000.onnx`;
    await expectError(await call('deploy', '/api/v1/training/models/deploy', { role: 'deployer', json: { model_export_path: unknown, age_group_min: 2, age_group_max: 3 } }), 404, 'model_not_found');
    await expectError(
      await call('deploy', '/api/v1/training/models/deploy', { role: 'deployer', json: { model_export_path: `exports/models/${id}.pkl`, age_group_min: 3, age_group_max: 4 } }),
      409,
      'age_range_mismatch',
    );
    expect(await db.ageGroupModel.count({ where: { isActive: true } })).toBe(0);
  });
});
