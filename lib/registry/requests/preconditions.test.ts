/**
 * Issue 12 (items 2 and 3): what the deploy would refuse shows on the request while it waits, the
 * requester can amend every flag without voiding the approvals, and the deploy's own passing
 * re-check ("validate again") keeps them. Real demo jobs, real exports, PGlite (and PostgreSQL).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../../auth/permissions';
import { testTargets, type TestTarget } from '../../db/test-databases';
import { getRequestDetail } from '../review-detail';
import { deployThroughReview, exportDemoJob, openTestRegistry } from '../test-registry';
import { validateExportedModel } from '../validate';
import {
  amendRequest,
  createDeploymentRequest,
  deployFromRequest,
  reviewRequest,
  setReviewPolicy,
  submitRequest,
} from './index';

describe.each(testTargets())('deploy preconditions on %s', (target: TestTarget) => {
  let r: Awaited<ReturnType<typeof openTestRegistry>>;
  let requester: Actor;
  let rita: Actor;
  let admin: Actor;
  let deployer: Actor;
  let served: { modelId: string; deploymentId: number };

  beforeAll(async () => {
    r = await openTestRegistry(target);
    requester = r.actor('reviewer');
    admin = r.actor('admin');
    deployer = r.actor('deployer');
    const u = await r.db.user.create({
      data: { email: 'rita@pre.test', name: 'Rita Reviewer', role: 'reviewer', passwordHash: 'x' },
    });
    rita = { id: u.id, email: u.email, name: u.name, role: 'reviewer', via: 'session' };
    // Another 3–4 model already serves production.
    const a = await exportDemoJob(r, 3, 4, 'onnx');
    const d = await deployThroughReview(r, { model_id: a.modelId, age_group_min: 3, age_group_max: 4 });
    served = { modelId: a.modelId, deploymentId: d.deployment_id };
    await setReviewPolicy(r.db, admin, {
      environment: 'production',
      requiredApprovals: 2,
      requirePreviewSummary: false,
    });
  }, 180_000);
  afterAll(async () => r?.cleanup());

  const state = async (id: string) => (await r.db.deploymentRequest.findUniqueOrThrow({ where: { id } })).state;
  /** A validated 3–4 export in `format`, and the requester's request (without Replace) to deploy it. */
  async function requestFor(
    format: 'pytorch' | 'safetensors',
    environment: 'production' | 'staging',
    rationale: string,
  ) {
    const e = await exportDemoJob(r, 3, 4, format);
    expect((await validateExportedModel(r.db, r.store, requester, e.modelId)).is_valid).toBe(true);
    return { e, req: await createDeploymentRequest(r.db, requester, { modelId: e.modelId, environment, rationale }) };
  }

  it('a conflicting request shows the blocking reason before any review; amending the flag clears it; the deploy keeps the approvals', async () => {
    const { e: b, req } = await requestFor('pytorch', 'production', 'Retrained 3–4 model, without ticking Replace.');
    expect(req.replaceExisting).toBe(false);

    // Right after submit, before any review: the deploy's refusal, in words, with the fix.
    const opened = await getRequestDetail(r.db, rita, req.id);
    expect(opened.reviews).toEqual([]);
    expect(opened.evaluation.stillMissing).toEqual([
      {
        code: 'active_model_exists',
        message: `Ages 3–4 in production are served by ${served.modelId} (deployment ${served.deploymentId}), and this request does not replace it.`,
        fix: `Tick Replace: ages 3–4 in production are served by ${served.modelId} (deployment ${served.deploymentId}). Or withdraw the request.`,
      },
    ]);
    expect(opened.evaluation.satisfied).toBe(false);

    // Reviewers still review; two approvals do not approve it while the precondition is missing.
    await reviewRequest(r.db, rita, req.id, { decision: 'approve' });
    await reviewRequest(r.db, admin, req.id, { decision: 'approve' });
    expect(await state(req.id)).toBe('open');
    await expect(deployFromRequest(r.db, r.store, deployer, req.id)).rejects.toMatchObject({
      code: 'not_approved',
      message: expect.stringContaining('this request does not replace it'),
    });

    // Amend only the flag: nothing lapses, the request is approved with both approvals.
    const amended = await amendRequest(r.db, requester, req.id, { replaceExisting: true });
    expect(amended).toMatchObject({ state: 'approved', replaceExisting: true, artifactSha256: b.checksum });
    const ready = await getRequestDetail(r.db, rita, req.id);
    expect(ready.evaluation).toMatchObject({ satisfied: true, stillMissing: [], approvals: 2, lapsed: [] });
    expect(ready.reviews.map((x) => x.lapse)).toEqual([null, null]);
    const amendAudit = await r.db.auditEvent.findFirstOrThrow({
      where: { action: 'request.amend', subjectId: req.id },
    });
    expect(amendAudit.before).toMatchObject({ state: 'open', replaceExisting: false });
    expect(amendAudit.after).toMatchObject({ state: 'open', replaceExisting: true });

    // The deploy (validate again on) succeeds; afterwards the approvals read valid, not lapsed.
    const runsBefore = await r.db.validationRun.count({ where: { modelExportId: b.id } });
    const res = await deployFromRequest(r.db, r.store, deployer, req.id);
    expect(res).toMatchObject({ success: true, model_id: b.modelId });
    expect(res.validation_result?.is_valid).toBe(true);
    expect(await r.db.validationRun.count({ where: { modelExportId: b.id } })).toBe(runsBefore + 1);
    expect(await state(req.id)).toBe('deployed');
    expect(await r.db.ageGroupModel.findUniqueOrThrow({ where: { id: served.deploymentId } })).toMatchObject({
      isActive: false,
      status: 'backup',
    });
    const after = await getRequestDetail(r.db, rita, req.id);
    expect(after.reviews.map((x) => [x.lapse, x.lapsedAt])).toEqual([
      [null, null],
      [null, null],
    ]);
    expect(after.evaluation).toMatchObject({ lapsed: [], approvals: 2, stillMissing: [] });
    expect(await r.db.auditEvent.count({ where: { action: 'request.lapse', subjectId: req.id } })).toBe(0);
    served = { modelId: b.modelId, deploymentId: res.deployment_id };
  });

  it('another deployment while a request waits puts it back to missing; the failing check keeps the request from failing', async () => {
    const { req } = await requestFor('safetensors', 'staging', 'The safetensors build for staging.');
    await setReviewPolicy(r.db, admin, { environment: 'staging', requiredApprovals: 1, requirePreviewSummary: false });
    await reviewRequest(r.db, rita, req.id, { decision: 'approve' });
    expect(await state(req.id)).toBe('approved');
    expect((await getRequestDetail(r.db, rita, req.id)).evaluation.stillMissing).toEqual([]);

    // Someone else deploys 3–4 to staging meanwhile.
    const other = await exportDemoJob(r, 3, 4, 'pickle');
    const d = await deployThroughReview(r, {
      model_id: other.modelId,
      age_group_min: 3,
      age_group_max: 4,
      deployment_environment: 'staging',
    });
    const waiting = await getRequestDetail(r.db, rita, req.id);
    expect(waiting.evaluation.stillMissing.map((p) => p.code)).toEqual(['active_model_exists']);
    expect(waiting.evaluation.stillMissing[0].fix).toContain(
      `served by ${other.modelId} (deployment ${d.deployment_id})`,
    );
    expect(waiting.reviews.map((x) => x.lapse)).toEqual([null]);

    // The deploy answers with the precondition's own code and fix; the request goes back to open, not failed.
    await expect(deployFromRequest(r.db, r.store, deployer, req.id)).rejects.toMatchObject({
      code: 'active_model_exists',
      message: expect.stringContaining('Tick Replace'),
    });
    const back = await r.db.deploymentRequest.findUniqueOrThrow({ where: { id: req.id } });
    expect(back).toMatchObject({ state: 'open', failureReason: null, deployClaimToken: null });
    expect(await r.db.review.count({ where: { requestId: req.id, lapsedAt: { not: null } } })).toBe(0);
    const note = await r.db.notification.findFirstOrThrow({ where: { requestId: req.id, kind: 'request.lapsed' } });
    expect(note.message).toMatch(/is not ready to deploy any more: .*Tick Replace/);

    // Amend the flags: approved again with the same approval, and it deploys.
    await amendRequest(r.db, requester, req.id, { replaceExisting: true, backupExisting: false });
    expect(await state(req.id)).toBe('approved');
    const res = await deployFromRequest(r.db, r.store, deployer, req.id);
    expect(await r.db.ageGroupModel.findUniqueOrThrow({ where: { id: d.deployment_id } })).toMatchObject({
      status: 'retired',
    });
    expect(res.backup_path).toBeNull();
  });

  it('a request for an export without a validation set says no threshold can be derived', async () => {
    const job = r.jobs.find((j) => (j.configParameters as { age_group_min: number }).age_group_min === 9)!;
    await r.db.trainingJob.update({ where: { id: job.id }, data: { validationSha256: null } });
    const e = await exportDemoJob(r, 9, 12, 'onnx');
    const req = await createDeploymentRequest(r.db, requester, {
      modelId: e.modelId,
      environment: 'production',
      rationale: 'A 9–12 model whose job lost its validation set.',
      submit: false,
    });
    await submitRequest(r.db, requester, req.id);
    const d = await getRequestDetail(r.db, requester, req.id);
    expect(d.evaluation.stillMissing.map((p) => p.code)).toEqual(expect.arrayContaining(['validation_set_missing']));
    expect(d.evaluation.stillMissing.find((p) => p.code === 'validation_set_missing')!.message).toMatch(
      /no threshold can be derived from data/,
    );
  });
});
