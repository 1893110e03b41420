// Deployments over the REST API: only approved requests deploy, the review workflow that approves
// them, listing, rollback, undeploy, break-glass; and model_export_path traversal refused.
import { beforeAll, describe, expect, it } from 'vitest';
import { computePreviewSummaryForTest } from '@/lib/registry/test-preview';
import {
  call,
  db,
  expectError,
  exportDemoJob,
  getRequest,
  openRequest,
  REASON,
  review,
  SELF_REVIEW,
  useSeededApi,
  journeyState,
  store,
} from './test-harness';

useSeededApi();

/** The summary a reviewer's browser attaches (lib/preview/summary.ts over the server's reconstruction). */
const previewOf = (modelId: string, backend: 'wasm' | 'webgpu' = 'wasm') =>
  computePreviewSummaryForTest(db, store, modelId, { backend });

describe('REST API journey', () => {
  const s = journeyState();

  // The exports this journey deploys: the seeded 2–3 job's, the ONNX one validated.
  beforeAll(async () => {
    s.exports = await exportDemoJob(['onnx', 'pytorch', 'pickle', 'safetensors']);
    const id = s.exports.onnx.model_id;
    const validated = await call('validate', `/api/v1/training/models/validate?model_id=${id}`, {
      role: 'reviewer',
      method: 'POST',
    });
    if (validated.status !== 200) throw new Error(`validate: ${validated.status} ${await validated.text()}`);
    const detail = await (
      await call('exportOne', `/api/v1/training/models/exports/${id}`, { role: 'viewer', params: { model_id: id } })
    ).json();
    s.exports.onnx.export_path = detail.export_path;
  });

  it('deploys only an approved request: approval_required, self-review refused, two approvals with preview summaries, deploy by the request', async () => {
    const e = s.exports.onnx;
    const config = {
      model_export_path: e.export_path,
      age_group_min: 2,
      age_group_max: 3,
      deployment_environment: 'production',
    };
    const refused = await expectError(
      await call('deploy', '/api/v1/training/models/deploy', { role: 'deployer', json: config }),
      409,
      'approval_required',
    );
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
      policy: {
        deployment_environment: 'production',
        required_approvals: 2,
        require_preview_summary: true,
        is_default: true,
      },
      evaluation: { satisfied: false, approvals: 0, required: 2 },
    });
    const id = req.request_id;
    await expectError(
      await call('requestDeploy', '/x', { role: 'deployer', method: 'POST', params: { id } }),
      409,
      'not_approved',
    );

    // The requester never reviews their own request, and nothing is attached on the way.
    const summaries = await db.previewSummary.count();
    const self = await expectError(
      await review(id, 'reviewer', { decision: 'approve', preview_summary: await previewOf(e.model_id) }),
      403,
      'self_review',
    );
    expect(self.detail).toBe(SELF_REVIEW);
    expect(await db.previewSummary.count()).toBe(summaries);

    // Production's default policy: two approvals, each with the reviewer's preview summary of these bytes.
    const noPreview = await expectError(
      await review(id, 'admin', { decision: 'approve' }),
      409,
      'preview_summary_required',
    );
    expect(noPreview.detail).toMatch(/preview summary/);
    const a1 = await review(id, 'admin', {
      decision: 'approve',
      comment: 'Histogram and flips look right',
      preview_summary: await previewOf(e.model_id),
    });
    expect(a1.status).toBe(201);
    expect(await a1.json()).toMatchObject({
      review: { decision: 'approve', has_preview_summary: true, preview: { verified: true, backend: 'wasm' } },
      request: { state: 'open', evaluation: { approvals: 1, required: 2 } },
    });
    await expectError(
      await review(id, 'deployer', {
        decision: 'approve',
        preview_summary: { ...(await previewOf(e.model_id)), artifact_sha256: 'f'.repeat(64) },
      }),
      422,
      'artifact_hash_mismatch',
    );
    await expectError(
      await review(id, 'deployer', { decision: 'approve', preview_summary: ['not', 'an', 'object'] }),
      422,
      'invalid_request',
    );
    const a2 = await (
      await review(id, 'deployer', { decision: 'approve', preview_summary: await previewOf(e.model_id, 'webgpu') })
    ).json();
    expect(a2.request).toMatchObject({
      state: 'approved',
      evaluation: { satisfied: true, approvals: 2, required: 2, reasons: [] },
    });

    const detail = await getRequest(id);
    expect(detail).toMatchObject({
      state: 'approved',
      evaluation: { satisfied: true, approvals: 2 },
      latest_validation: { is_valid: true, artifact_sha256: e.checksum },
    });
    expect(
      detail.reviews.map((r: { reviewer: { email: string }; lapse: unknown; counted: boolean }) => [
        r.reviewer.email,
        r.lapse,
        r.counted,
      ]),
    ).toEqual([
      ['admin@drawbridge.test', null, true],
      ['deployer@drawbridge.test', null, true],
    ]);
    expect(detail.reviews[0].preview_summary.summary).toMatchObject({ backend: 'wasm' });
    expect(detail.reviews.map((r: { preview: { verified: boolean; backend: string } }) => r.preview)).toMatchObject([
      { verified: true, backend: 'wasm' },
      { verified: true, backend: 'webgpu' },
    ]);

    const res = await call('requestDeploy', '/x', { role: 'deployer', method: 'POST', params: { id } });
    expect(res.status).toBe(200);
    const d1 = await res.json();
    expect(d1).toMatchObject({
      success: true,
      model_id: e.model_id,
      database_updated: true,
      backup_path: null,
      request_id: id,
      break_glass: false,
      break_glass_reason: null,
    });
    expect(d1.threshold).toBeGreaterThan(0);
    s.deployments.push(d1.deployment_id);
    const after = await getRequest(id);
    expect(after).toMatchObject({
      state: 'deployed',
      deployments: [{ id: d1.deployment_id, is_active: true, model_id: e.model_id }],
    });
    // Deploying it again answers the deployment it made, and changes nothing (issue 12: idempotent).
    const again = await call('requestDeploy', '/x', { role: 'deployer', method: 'POST', params: { id } });
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ deployment_id: d1.deployment_id, database_updated: false });
  });

  it('deploys the approved request for a ModelDeploymentConfig ("false" is false); a failed deploy marks it failed; the reviewed flags govern', async () => {
    await expectError(
      await call('policy', '/x', {
        role: 'deployer',
        method: 'PUT',
        json: { required_approvals: 1 },
        params: { environment: 'production' },
      }),
      403,
      'forbidden',
    );
    const pol = await call('policy', '/x', {
      role: 'admin',
      method: 'PUT',
      json: { required_approvals: 1, require_preview_summary: false },
      params: { environment: 'production' },
    });
    expect(pol.status).toBe(200);
    expect(await pol.json()).toMatchObject({
      deployment_environment: 'production',
      required_approvals: 1,
      require_preview_summary: false,
      is_default: false,
    });
    const listed = await (await call('policies', '/api/v1/review-policies', { role: 'viewer' })).json();
    expect(
      listed.policies.find((p: { deployment_environment: string }) => p.deployment_environment === 'staging'),
    ).toMatchObject({ required_approvals: 1, is_default: true });

    const py = s.exports.pytorch.model_id;
    const keep = (await openRequest({ model_id: py, replace_existing: 'false' })).request_id;
    // An approval binds to a passing validation run of the request's bytes.
    await expectError(await review(keep, 'admin', { decision: 'approve' }), 409, 'validation_required');
    expect(
      (await call('validate', `/api/v1/training/models/validate?model_id=${py}`, { role: 'reviewer', method: 'POST' }))
        .status,
    ).toBe(200);
    // Issue 12: production 2–3 is served and the request does not replace it; that shows before the
    // deploy, and the approval does not approve it (it used to, and the deploy then failed).
    expect((await (await review(keep, 'admin', { decision: 'approve' })).json()).request).toMatchObject({
      state: 'open',
      still_missing: [
        {
          code: 'active_model_exists',
          fix: expect.stringMatching(/^Tick Replace: ages 2–3 in production are served by autoencoder_/),
        },
      ],
    });

    const pyPath = `exports/models/${py}.pth`;
    const q = (replace: string, extra = '') =>
      `/api/v1/training/models/deploy?model_export_path=${encodeURIComponent(pyPath)}&age_group_min=2&age_group_max=3&validate_before_deployment=false&replace_existing=${replace}${extra}`;
    await expectError(await call('deploy', q('nope'), { role: 'deployer', method: 'POST' }), 422, 'invalid_request');
    await expectError(await call('deploy', q('false'), { role: 'deployer', method: 'POST' }), 409, 'approval_required');
    expect(await getRequest(keep)).toMatchObject({ state: 'open', failure_reason: null });

    // The requester amends the flags; the approval stands and the request is approved.
    const amended = await call('amend', '/x', {
      role: 'reviewer',
      json: { replace_existing: true, validate_before_deployment: false },
      params: { id: keep },
    });
    expect(await amended.json()).toMatchObject({ state: 'approved', still_missing: [], evaluation: { approvals: 1 } });
    const repl = keep;
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
    const active = await (
      await call('deployed', '/api/v1/training/models/deployed?environment=production', { role: 'viewer' })
    ).json();
    expect(active.map((d: { id: number }) => d.id)).toEqual([s.deployments[1]]);
    expect(active[0]).toMatchObject({
      is_active: true,
      model_id: s.exports.pytorch.model_id,
      replaced_deployment_id: s.deployments[0],
    });
    const all = await (
      await call('deployed', '/api/v1/training/models/deployed?include_inactive=true', { role: 'viewer' })
    ).json();
    expect(all.find((d: { id: number }) => d.id === s.deployments[0])).toMatchObject({
      is_active: false,
      status: 'backup',
    });
    await expectError(
      await call('deployed', '/api/v1/training/models/deployed?include_inactive=maybe', { role: 'viewer' }),
      422,
    );
    await expectError(
      await call('deployed', '/api/v1/training/models/deployed?environment=mars', { role: 'viewer' }),
      422,
    );
  });

  it('rolls back to the backup, then has none left', async () => {
    const res = await call('rollback', '/api/v1/training/models/rollback', {
      role: 'deployer',
      json: { age_group_min: 2, age_group_max: 3 },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      success: true,
      restored: { id: s.deployments[0], is_active: true },
      retired_deployment_id: s.deployments[1],
    });
    await expectError(
      await call('rollback', '/api/v1/training/models/rollback?age_group_min=2&age_group_max=3', {
        role: 'deployer',
        method: 'POST',
      }),
      409,
      'no_backup',
    );
  });

  it('undeploys, then 404s the same id; a non-integer id is 422', async () => {
    const id = String(s.deployments[0]);
    const res = await call('undeploy', '/x', { role: 'deployer', method: 'POST', params: { id } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ success: true, deployment_id: s.deployments[0] });
    const again = await expectError(
      await call('undeploy', '/x', { role: 'deployer', method: 'POST', params: { id } }),
      404,
      'deployment_not_found',
    );
    expect(again.detail).toBe(`Deployment ${id} is not active or does not exist`);
    for (const bad of ['abc', '1.5', '-1', '0', '99999999999']) {
      await expectError(
        await call('undeploy', '/x', { role: 'deployer', method: 'POST', params: { id: bad } }),
        422,
        'invalid_request',
      );
    }
    const audit = await (await call('audit', '/api/v1/audit?action=model.undeploy', { role: 'deployer' })).json();
    expect(audit.total).toBe(1);
  });
});

describe('deployment review workflow over HTTP', () => {
  const exportOf = async (format: string) => {
    const { exports } = await (
      await call('exports', `/api/v1/training/models/exports?age_group_min=2&age_group_max=3&export_format=${format}`, {
        role: 'viewer',
      })
    ).json();
    return exports[0] as { model_id: string; checksum: string };
  };

  it('lists requests: mine, by state, paged; drafts only to their requester; bad filters are 422', async () => {
    const mine = await (await call('requests', '/api/v1/deployment-requests?view=mine', { role: 'reviewer' })).json();
    expect(mine.requests.length).toBeGreaterThanOrEqual(2);
    expect(
      mine.requests.every((r: { requester: { email: string } }) => r.requester.email === 'reviewer@drawbridge.test'),
    ).toBe(true);
    const deployed = await (
      await call('requests', '/api/v1/deployment-requests?state=deployed&environment=production', { role: 'viewer' })
    ).json();
    expect(deployed.requests.map((r: { state: string }) => r.state)).toEqual(['deployed', 'deployed']);
    const page = await (
      await call('requests', '/api/v1/deployment-requests?page_size=1&page=2', { role: 'viewer' })
    ).json();
    expect(page).toMatchObject({ page: 2, page_size: 1 });
    expect(page.requests).toHaveLength(1);

    const e = await exportOf('pickle');
    const draft = await openRequest({ model_id: e.model_id, deployment_environment: 'staging', submit: false });
    expect(draft.state).toBe('draft');
    await expectError(await call('request', '/x', { role: 'admin', params: { id: 'nope' } }), 404, 'request_not_found');
    await expectError(
      await call('request', '/x', { role: 'deployer', params: { id: draft.request_id } }),
      404,
      'request_not_found',
    );
    await expectError(await review(draft.request_id, 'admin', { decision: 'approve' }), 409, 'invalid_transition');
    const submitted = await call('submit', '/x', {
      role: 'reviewer',
      method: 'POST',
      params: { id: draft.request_id },
    });
    expect(await submitted.json()).toMatchObject({ state: 'open', evaluation: { required: 1 } });
    const awaiting = await (
      await call('requests', '/api/v1/deployment-requests?view=awaiting', { role: 'deployer' })
    ).json();
    expect(awaiting.requests.map((r: { request_id: string }) => r.request_id)).toContain(draft.request_id);
    expect(awaiting.requests.every((r: { awaiting_me: boolean }) => r.awaiting_me)).toBe(true);
    // The requester withdraws it; nobody else can.
    await expectError(
      await call('withdraw', '/x', { role: 'deployer', method: 'POST', params: { id: draft.request_id } }),
      403,
      'forbidden',
    );
    const w = await call('withdraw', '/x', {
      role: 'reviewer',
      json: { reason: 'superseded' },
      params: { id: draft.request_id },
    });
    expect(await w.json()).toMatchObject({ state: 'withdrawn' });
    await expectError(
      await call('withdraw', '/x', { role: 'reviewer', method: 'POST', params: { id: draft.request_id } }),
      409,
      'invalid_transition',
    );

    await expectError(
      await call('requests', '/api/v1/deployment-requests?state=pending', { role: 'viewer' }),
      422,
      'invalid_request',
    );
    await expectError(
      await call('requests', '/api/v1/deployment-requests?view=theirs', { role: 'viewer' }),
      422,
      'invalid_request',
    );
    await expectError(
      await call('requests', '/api/v1/deployment-requests', {
        role: 'reviewer',
        json: { model_id: e.model_id, rationale: 'short' },
      }),
      422,
      'invalid_request',
    );
    await expectError(
      await call('requests', '/api/v1/deployment-requests', {
        role: 'reviewer',
        json: { model_id: 'autoencoder_2.0_3.0_20000101_000000', rationale: 'a good enough reason' },
      }),
      404,
      'model_not_found',
    );
  });

  it('re-validating an export with a passing run keeps the approvals: they bind to the bytes and a passing verdict', async () => {
    const e = await exportOf('pickle');
    expect(
      (
        await call('validate', `/api/v1/training/models/validate?model_id=${e.model_id}`, {
          role: 'reviewer',
          method: 'POST',
        })
      ).status,
    ).toBe(200);
    const id = (await openRequest({ model_id: e.model_id, deployment_environment: 'staging' })).request_id;
    const a = await (
      await review(id, 'admin', { decision: 'approve', preview_summary: await previewOf(e.model_id) })
    ).json();
    expect(a.request).toMatchObject({
      state: 'approved',
      policy: { deployment_environment: 'staging', required_approvals: 1, require_preview_summary: true },
    });
    expect(
      (await call('validate', '/api/v1/training/models/validate', { role: 'reviewer', json: { model_id: e.model_id } }))
        .status,
    ).toBe(200);
    const d = await getRequest(id);
    expect(d).toMatchObject({ state: 'approved', evaluation: { satisfied: true, approvals: 1 }, still_missing: [] });
    expect(d.reviews[0]).toMatchObject({ lapse: null, counted: true, lapsed_at: null });
    // Left waiting (withdrawn), so later journeys' staging 2–3 deploys do not meet it.
    expect(
      (await call('withdraw', '/x', { role: 'reviewer', json: { reason: 'checked' }, params: { id } })).status,
    ).toBe(200);
  });

  it('break-glass: an admin with a written reason deploys without approvals, flagged; a deployer may not', async () => {
    const st = await exportOf('safetensors');
    const config = { model_id: st.model_id, age_group_min: 2, age_group_max: 3, deployment_environment: 'staging' };
    await expectError(
      await call('deploy', '/api/v1/training/models/deploy', {
        role: 'deployer',
        json: { ...config, break_glass_reason: REASON },
      }),
      403,
      'forbidden',
    );
    await expectError(
      await call('deploy', '/api/v1/training/models/deploy', {
        role: 'admin',
        json: { ...config, break_glass_reason: 'because' },
      }),
      422,
      'invalid_request',
    );
    const res = await call('deploy', '/api/v1/training/models/deploy', {
      role: 'admin',
      json: { ...config, break_glass_reason: REASON },
    });
    expect(res.status).toBe(200);
    const d = await res.json();
    expect(d).toMatchObject({
      success: true,
      model_id: st.model_id,
      break_glass: true,
      break_glass_reason: REASON,
      request_id: expect.any(String),
    });
    expect(d.warnings).toContain('break-glass: deployed without approvals');
    expect(await getRequest(d.request_id)).toMatchObject({
      state: 'deployed',
      deployments: [{ id: d.deployment_id, break_glass_reason: REASON }],
    });
    const staging = await (
      await call('deployed', '/api/v1/training/models/deployed?environment=staging', { role: 'viewer' })
    ).json();
    expect(staging).toMatchObject([{ id: d.deployment_id, break_glass_reason: REASON }]);

    // By the request endpoint, on an open request.
    const onnx = await exportOf('onnx');
    const id = (
      await openRequest({ model_id: onnx.model_id, deployment_environment: 'staging', replace_existing: true })
    ).request_id;
    await expectError(
      await call('breakGlass', '/x', { role: 'deployer', json: { reason: REASON }, params: { id } }),
      403,
      'forbidden',
    );
    await expectError(
      await call('breakGlass', '/x', { role: 'admin', json: { reason: 'too short' }, params: { id } }),
      422,
      'break_glass_reason_required',
    );
    await expectError(
      await call('breakGlass', '/x', { role: 'admin', json: {}, params: { id } }),
      422,
      'invalid_request',
    );
    const bg = await call('breakGlass', '/x', { role: 'admin', json: { reason: REASON }, params: { id } });
    expect(bg.status).toBe(200);
    const d2 = await bg.json();
    expect(d2).toMatchObject({
      request_id: id,
      break_glass: true,
      break_glass_reason: REASON,
      backup_path: expect.stringMatching(/^deployments\/staging\/2-3\//),
    });
    expect(await getRequest(id)).toMatchObject({ state: 'deployed' });
    const audit = await (
      await call('audit', '/api/v1/audit?action=model.deploy.break_glass', { role: 'deployer' })
    ).json();
    expect(audit.total).toBe(2);

    // Leave nothing active for the tests that follow.
    expect(
      (await call('undeploy', '/x', { role: 'deployer', method: 'POST', params: { id: String(d2.deployment_id) } }))
        .status,
    ).toBe(200);
  });
});

describe('bad input', () => {
  it('refuses path traversal in model_export_path in every spelling, body or query', async () => {
    const { exports } = await (
      await call('exports', '/api/v1/training/models/exports?age_group_min=2&export_format=pickle', { role: 'viewer' })
    ).json();
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
      const code = p.includes('\u0000') ? 'malformed_input' : 'invalid_export_path';
      const body = await call('deploy', '/api/v1/training/models/deploy', {
        role: 'deployer',
        json: { model_export_path: p, age_group_min: 2, age_group_max: 3 },
      });
      await expectError(body, 400, code);
      const query = await call(
        'deploy',
        `/api/v1/training/models/deploy?model_export_path=${encodeURIComponent(p)}&age_group_min=2&age_group_max=3`,
        { role: 'deployer', method: 'POST' },
      );
      await expectError(query, 400, code);
    }
    // Raw (not re-encoded) percent-escapes in the query string decode once and still do not match.
    const raw = await call(
      'deploy',
      '/api/v1/training/models/deploy?model_export_path=exports%2Fmodels%2F..%2F..%2Fetc%2Fpasswd&age_group_min=2&age_group_max=3',
      { role: 'deployer', method: 'POST' },
    );
    await expectError(raw, 400, 'invalid_export_path');
    const unknown = `exports/models/autoencoder_2.0_3.0_20000101_000000.onnx`;
    await expectError(
      await call('deploy', '/api/v1/training/models/deploy', {
        role: 'deployer',
        json: { model_export_path: unknown, age_group_min: 2, age_group_max: 3 },
      }),
      404,
      'model_not_found',
    );
    await expectError(
      await call('deploy', '/api/v1/training/models/deploy', {
        role: 'deployer',
        json: { model_export_path: `exports/models/${id}.pkl`, age_group_min: 3, age_group_max: 4 },
      }),
      422,
      'age_range_mismatch',
    );
    expect(await db.ageGroupModel.count({ where: { isActive: true } })).toBe(0);
  });
});
