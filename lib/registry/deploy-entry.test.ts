import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testTargets, type TestTarget } from '../db/test-databases';
import { AuthError } from '../auth/permissions';
import { deployModel, deploymentToDict } from './deploy';
import { deployByConfig } from './deploy-entry';
import { createDeploymentRequest } from './requests';
import { approveThroughReview, exportDemoJob, openTestRegistry } from './test-registry';

const REASON = 'Incident 7: the 2–3 model flags every drawing; restoring service now.';

describe.each(testTargets())('deployByConfig on %s', (target: TestTarget) => {
  let r: Awaited<ReturnType<typeof openTestRegistry>>;
  beforeAll(async () => {
    r = await openTestRegistry(target);
  }, 120_000);
  afterAll(async () => r?.cleanup());

  const exportOf = (min: number, max: number, exportFormat: 'onnx' | 'pytorch' | 'pickle' | 'safetensors' = 'onnx') =>
    exportDemoJob(r, min, max, exportFormat);
  const activeOf = (min: number, max: number, environment = 'production') =>
    r.db.ageGroupModel.findMany({ where: { environment, ageMin: min, ageMax: max, isActive: true } });

  it('the deploy primitive refuses a deploy that carries out no request', async () => {
    const e = await exportOf(3, 4);
    const config = { model_id: e.modelId, age_group_min: 3, age_group_max: 4 };
    await expect(deployModel(r.db, r.store, r.actor('admin'), config)).rejects.toMatchObject({
      code: 'approval_required',
    });
    await expect(deployModel(r.db, r.store, r.actor('deployer'), config, { requestId: 'x' })).rejects.toMatchObject({
      code: 'approval_required',
    });
    expect(await activeOf(3, 4)).toEqual([]);
  });

  it('refuses without an approved request (none, or one still open), saying what to do', async () => {
    const e = await exportOf(3, 4);
    const cfg = { model_id: e.modelId, age_group_min: 3, age_group_max: 4 };
    await expect(deployByConfig(r.db, r.store, r.actor('deployer'), cfg)).rejects.toMatchObject({
      code: 'approval_required',
      message: expect.stringMatching(/open one .*approved/),
    });
    // an open request (not yet approved) does not count, nor does one approved for another environment
    await createDeploymentRequest(r.db, r.actor('reviewer'), {
      modelId: e.modelId,
      environment: 'production',
      rationale: 'Deploy the new 3–4 model.',
    });
    await approveThroughReview(r, { ...cfg, deployment_environment: 'staging' });
    await expect(deployByConfig(r.db, r.store, r.actor('deployer'), cfg)).rejects.toMatchObject({
      code: 'approval_required',
    });
    // an admin without a reason is refused the same way: break-glass is never implicit
    await expect(deployByConfig(r.db, r.store, r.actor('admin'), cfg)).rejects.toMatchObject({
      code: 'approval_required',
    });
    expect(await activeOf(3, 4)).toEqual([]);
    await expect(deployByConfig(r.db, r.store, r.actor('reviewer'), cfg)).rejects.toBeInstanceOf(AuthError);
  });

  it('deploys the approved request, whose reviewed flags govern over the ones sent', async () => {
    const a = await exportOf(9, 12);
    const first = await approveThroughReview(r, {
      model_id: a.modelId,
      age_group_min: 9,
      age_group_max: 12,
      deployment_environment: 'staging',
    });
    const d1 = await deployByConfig(r.db, r.store, r.actor('deployer'), {
      model_id: a.modelId,
      age_group_min: 9,
      age_group_max: 12,
      deployment_environment: 'staging',
    });
    expect(d1).toMatchObject({ success: true, model_id: a.modelId, request_id: first.id, backup_path: null });
    expect(await r.db.deploymentRequest.findUniqueOrThrow({ where: { id: first.id } })).toMatchObject({
      state: 'deployed',
    });
    const row = await r.db.ageGroupModel.findUniqueOrThrow({ where: { id: d1.deployment_id } });
    expect(row).toMatchObject({ environment: 'staging', requestId: first.id, breakGlassReason: null, isActive: true });

    // Reviewed: replace, without backup and without validating again. Sent: none of that.
    const b = await exportOf(9, 12, 'safetensors');
    const second = await approveThroughReview(r, {
      model_id: b.modelId,
      age_group_min: 9,
      age_group_max: 12,
      deployment_environment: 'staging',
      replace_existing: true,
      backup_existing: false,
      validate_before_deployment: false,
    });
    const d2 = await deployByConfig(r.db, r.store, r.actor('deployer'), {
      model_id: b.modelId,
      age_group_min: 9,
      age_group_max: 12,
      deployment_environment: 'staging',
      replace_existing: false,
      backup_existing: true,
      validate_before_deployment: true,
    });
    expect(d2).toMatchObject({ request_id: second.id, backup_path: null, validation_result: null });
    expect(d2.warnings).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /approved request's replace_existing, backup_existing, validate_before_deployment were used/,
        ),
        expect.stringMatching(/without validation/),
      ]),
    );
    expect(await r.db.ageGroupModel.findUniqueOrThrow({ where: { id: d1.deployment_id } })).toMatchObject({
      isActive: false,
      status: 'retired',
    });
    expect((await activeOf(9, 12, 'staging')).map((d) => d.id)).toEqual([d2.deployment_id]);
    // the deployed request is spent: deploying again needs a new approval
    await expect(
      deployByConfig(r.db, r.store, r.actor('deployer'), {
        model_id: b.modelId,
        age_group_min: 9,
        age_group_max: 12,
        deployment_environment: 'staging',
      }),
    ).rejects.toMatchObject({ code: 'approval_required' });
    const audit = await r.db.auditEvent.findMany({
      where: { subjectType: 'deployment', subjectId: { in: [String(d1.deployment_id), String(d2.deployment_id)] } },
    });
    expect(audit.map((x) => x.action).sort()).toEqual(['model.deploy', 'model.deploy']);
  });

  it('lets only an admin break glass, with a written reason of at least 20 characters; flagged and audited', async () => {
    const e = await exportOf(2, 3);
    const cfg = { model_id: e.modelId, age_group_min: 2, age_group_max: 3 };
    // a deployer may not break glass
    await expect(
      deployByConfig(r.db, r.store, r.actor('deployer'), cfg, { breakGlassReason: REASON }),
    ).rejects.toBeInstanceOf(AuthError);
    // a reason too short (or only whitespace) is refused before anything is written
    for (const reason of ['because', '   urgent fix now      ', '']) {
      await expect(
        deployByConfig(r.db, r.store, r.actor('admin'), cfg, { breakGlassReason: reason }),
        reason,
      ).rejects.toThrow(/at least 20 characters/);
    }
    expect(await r.db.deploymentRequest.count({ where: { modelExportId: e.id } })).toBe(0);
    expect(await activeOf(2, 3)).toEqual([]);

    const res = await deployByConfig(r.db, r.store, r.actor('admin'), cfg, { breakGlassReason: `  ${REASON}  ` });
    expect(res).toMatchObject({ success: true, model_id: e.modelId });
    expect(res.warnings).toContain('break-glass: deployed without approvals');
    const row = await r.db.ageGroupModel.findUniqueOrThrow({ where: { id: res.deployment_id } });
    expect(row).toMatchObject({ isActive: true, breakGlassReason: REASON, requestId: res.request_id });
    const req = await r.db.deploymentRequest.findUniqueOrThrow({ where: { id: res.request_id } });
    expect(req).toMatchObject({ state: 'deployed', requesterId: r.actor('admin').id, modelExportId: e.id });
    expect(req.rationale).toContain(REASON);
    const audit = await r.db.auditEvent.findMany({
      where: { subjectType: 'deployment', subjectId: String(res.deployment_id) },
    });
    expect(audit.map((a) => a.action)).toEqual(['model.deploy.break_glass']);
    expect(audit[0].after).toMatchObject({ breakGlass: true, breakGlassReason: REASON, requestId: res.request_id });
    const reqAudit = await r.db.auditEvent.findMany({
      where: { subjectType: 'deployment_request', subjectId: res.request_id },
      orderBy: { id: 'asc' },
    });
    expect(reqAudit.map((a) => a.action)).toEqual(
      expect.arrayContaining(['request.create', 'request.submit', 'request.break_glass']),
    );
    // flagged wherever deployments are listed (REST, CLI, pages)
    expect(deploymentToDict(row)).toMatchObject({ break_glass_reason: REASON, is_active: true });
  });
});
