import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../auth/permissions';
import { AuthError } from '../auth/permissions';
import { testTargets, type TestTarget } from '../db/test-databases';
import { addComment, listComments, parseMentions } from './comments';
import { exportModelFromTrainingJob } from './exports';
import { listDeploymentRequests } from './listings';
import {
  amendRequest,
  breakGlassDeploy,
  createDeploymentRequest,
  deployFromRequest,
  isSelfReviewViolation,
  reconcileExportRequests,
  reviewRequest,
  SELF_REVIEW_MESSAGE,
  setReviewPolicy,
  submitRequest,
  withdrawRequest,
} from './requests';
import { getRequestDetail } from './review-detail';
import { attachPreviewSummary } from './review-previews';
import { computePreviewSummaryForTest } from './test-preview';
import { openTestRegistry } from './test-registry';
import { validateExportedModel } from './validate';

describe.each(testTargets())('review workflow on %s', (target: TestTarget) => {
  let r: Awaited<ReturnType<typeof openTestRegistry>>;
  let requester: Actor; // Remy, a reviewer-role ML engineer
  let rita: Actor; // a second reviewer
  let deployer: Actor;
  let admin: Actor;
  let viewer: Actor;

  beforeAll(async () => {
    r = await openTestRegistry(target);
    requester = r.actor('reviewer');
    deployer = r.actor('deployer');
    admin = r.actor('admin');
    viewer = r.actor('viewer');
    const u = await r.db.user.create({
      data: { email: 'rita@drawbridge.test', name: 'Rita Reviewer', role: 'reviewer', passwordHash: 'x' },
    });
    rita = { id: u.id, email: u.email, name: u.name, role: 'reviewer', via: 'session' };
  }, 120_000);
  afterAll(async () => r?.cleanup());

  const job = (min: number) =>
    r.jobs.find((j) => (j.configParameters as { age_group_min: number }).age_group_min === min)!;
  const ages = (min: number) => {
    const j = job(min).configParameters as { age_group_min: number; age_group_max: number };
    return { ageGroupMin: j.age_group_min, ageGroupMax: j.age_group_max };
  };
  async function validExport(min: number, exportFormat: 'onnx' | 'pytorch' | 'safetensors' = 'onnx') {
    const e = await exportModelFromTrainingJob(r.db, r.store, requester, {
      trainingJobId: job(min).id,
      ...ages(min),
      exportFormat,
    });
    const v = await validateExportedModel(r.db, r.store, requester, e.modelId);
    expect(v.is_valid).toBe(true);
    return e;
  }
  const preview = async (actor: Actor, e: { modelId: string; checksum: string }) =>
    attachPreviewSummary(r.db, r.store, actor, e.modelId, await computePreviewSummaryForTest(r.db, r.store, e.modelId));
  const state = async (id: string) => (await r.db.deploymentRequest.findUniqueOrThrow({ where: { id } })).state;
  const notes = (requestId: string, kind: string) =>
    r.db.notification.findMany({ where: { requestId, kind }, select: { userId: true, message: true } });
  const audits = async (id: string) =>
    (
      await r.db.auditEvent.findMany({
        where: { subjectType: 'deployment_request', subjectId: id },
        orderBy: { id: 'asc' },
      })
    ).map((a) => a.action);

  it('production: one approval is not enough, the deployer is blocked until the second, then deploys', async () => {
    const e = await validExport(2);
    const req = await createDeploymentRequest(r.db, requester, {
      modelId: e.modelId,
      environment: 'production',
      rationale: 'Retrained on the autumn drawings.',
    });
    expect(req).toMatchObject({
      state: 'open',
      artifactSha256: e.checksum,
      ageGroupMin: 2,
      ageGroupMax: 3,
      validateBeforeDeployment: true,
    });

    // Everyone who may review hears about it, except the requester (and the viewer, who may not review).
    const opened = await notes(req.id, 'request.opened');
    expect(opened.map((n) => n.userId).sort()).toEqual([deployer.id, admin.id, rita.id].sort());

    // The requester cannot approve: the domain says so, and the database refuses a direct write.
    await preview(requester, e);
    await expect(reviewRequest(r.db, requester, req.id, { decision: 'approve' })).rejects.toMatchObject({
      code: 'self_review',
      message: SELF_REVIEW_MESSAGE,
    });
    const raw = await r.db.review
      .create({
        data: { requestId: req.id, reviewerId: requester.id, decision: 'approve', artifactSha256: e.checksum },
      })
      .catch((x: unknown) => x);
    expect(raw).toBeInstanceOf(Error);
    expect(isSelfReviewViolation(raw)).toBe(true);
    const rawSql = await r.db
      .$executeRawUnsafe(
        `INSERT INTO "Review" (id, "requestId", "reviewerId", decision, "artifactSha256") VALUES ('raw1', $1, $2, 'approve', $3)`,
        req.id,
        requester.id,
        e.checksum,
      )
      .catch((x: unknown) => x);
    expect(rawSql).toBeInstanceOf(Error);
    expect(isSelfReviewViolation(rawSql)).toBe(true);
    expect(await r.db.review.count({ where: { requestId: req.id } })).toBe(0);

    // Production requires the reviewer's preview summary of these bytes.
    await expect(reviewRequest(r.db, deployer, req.id, { decision: 'approve' })).rejects.toMatchObject({
      code: 'preview_summary_required',
    });
    await preview(deployer, e);
    const first = await reviewRequest(r.db, deployer, req.id, {
      decision: 'approve',
      comment: 'Reconstructions look right.',
    });
    expect(first).toMatchObject({ artifactSha256: e.checksum, validationRunId: expect.any(String) });
    expect(first.previewSummary).toMatchObject({ summary: { backend: 'wasm' } });
    expect(await state(req.id)).toBe('open');
    expect((await notes(req.id, 'request.reviewed')).map((n) => n.userId)).toEqual([requester.id]);

    await expect(deployFromRequest(r.db, r.store, deployer, req.id)).rejects.toMatchObject({
      code: 'not_approved',
      message: expect.stringMatching(/1 more approval needed \(1 of 2\)/),
    });

    await preview(admin, e);
    await reviewRequest(r.db, admin, req.id, { decision: 'approve' });
    expect(await state(req.id)).toBe('approved');
    const approved = await notes(req.id, 'request.approved');
    expect(approved.map((n) => n.userId)).toContain(requester.id);

    const listed = await listDeploymentRequests(r.db, viewer, {});
    expect(listed.find((x) => x.id === req.id)).toMatchObject({ approvals: 2, required: 2, state: 'approved' });

    // Viewers and reviewers cannot deploy; the deployer (one approver of two) can.
    await expect(deployFromRequest(r.db, r.store, requester, req.id)).rejects.toBeInstanceOf(AuthError);
    const res = await deployFromRequest(r.db, r.store, deployer, req.id);
    expect(res).toMatchObject({ success: true, model_id: e.modelId });
    expect(await state(req.id)).toBe('deployed');
    const dep = await r.db.ageGroupModel.findUniqueOrThrow({ where: { id: res.deployment_id } });
    expect(dep).toMatchObject({
      requestId: req.id,
      breakGlassReason: null,
      isActive: true,
      artifactSha256: e.checksum,
    });
    expect(await audits(req.id)).toEqual([
      'request.create',
      'request.submit',
      'review.create',
      'review.create',
      'request.approval_met',
      'request.deploy',
    ]);
    const deployAudit = await r.db.auditEvent.findFirstOrThrow({
      where: { action: 'model.deploy', subjectId: String(res.deployment_id) },
    });
    expect(deployAudit.after).toMatchObject({ requestId: req.id });

    const detail = await getRequestDetail(r.db, viewer, req.id);
    expect(detail.state).toBe('deployed');
    expect(detail.history.map((h) => h.action)).toContain('request.deploy');
    expect(detail.actions).toEqual([]);
  });

  it('a deployer may not be the only approver of what they deploy', async () => {
    await setReviewPolicy(r.db, admin, { environment: 'staging', requiredApprovals: 1, requirePreviewSummary: false });
    await expect(
      setReviewPolicy(r.db, deployer, { environment: 'staging', requiredApprovals: 1, requirePreviewSummary: false }),
    ).rejects.toBeInstanceOf(AuthError);
    expect(await r.db.auditEvent.count({ where: { action: 'policy.update' } })).toBe(1);

    const e = await validExport(3);
    const req = await createDeploymentRequest(r.db, requester, {
      modelId: e.modelId,
      environment: 'staging',
      rationale: 'Staging check of the 3–4 model.',
    });
    await reviewRequest(r.db, deployer, req.id, { decision: 'approve' });
    expect(await state(req.id)).toBe('approved');
    await expect(deployFromRequest(r.db, r.store, deployer, req.id)).rejects.toMatchObject({
      code: 'policy_not_satisfied',
      message: expect.stringMatching(/only approver/),
    });
    expect(await state(req.id)).toBe('approved');
    const res = await deployFromRequest(r.db, r.store, admin, req.id);
    expect(res.success).toBe(true);
    expect(await state(req.id)).toBe('deployed');
  });

  it('approvals bind to the bytes and a passing verdict: a passing re-check keeps them, a failing one lapses them for good', async () => {
    const e = await validExport(4);
    const req = await createDeploymentRequest(r.db, requester, {
      modelId: e.modelId,
      environment: 'production',
      rationale: 'The 4–5 model, retrained.',
    });
    await preview(rita, e);
    await preview(deployer, e);
    const a = await reviewRequest(r.db, rita, req.id, { decision: 'approve' });
    await reviewRequest(r.db, deployer, req.id, { decision: 'approve' });
    expect(await state(req.id)).toBe('approved');

    // Another passing run of the same bytes: nothing lapses, the request stays approved.
    await validateExportedModel(r.db, r.store, requester, e.modelId);
    expect(await reconcileExportRequests(r.db, requester, e.modelId)).toBe(1);
    expect(await state(req.id)).toBe('approved');
    expect(await r.db.review.count({ where: { requestId: req.id, lapsedAt: { not: null } } })).toBe(0);
    expect((await getRequestDetail(r.db, rita, req.id)).reviews.map((x) => x.lapse)).toEqual([null, null]);

    // The bytes rot on disk: the failing run lapses both approvals (evaluated before anything reconciles).
    const file = path.join(r.storeDir, 'objects', e.checksum.slice(0, 2), e.checksum.slice(2, 4), e.checksum);
    const good = fs.readFileSync(file);
    const bad = Buffer.from(good);
    bad[bad.length - 3] ^= 0x40;
    fs.writeFileSync(file, bad);
    expect((await validateExportedModel(r.db, r.store, requester, e.modelId)).is_valid).toBe(false);
    await expect(deployFromRequest(r.db, r.store, admin, req.id)).rejects.toMatchObject({
      code: 'validation_failed',
      message: expect.stringMatching(/latest validation run failed/),
    });
    expect(await state(req.id)).toBe('open'); // the refused deploy put the stored state right
    expect((await r.db.review.findUniqueOrThrow({ where: { id: a.id } })).lapsedAt).toBeInstanceOf(Date);
    const lapsed = await notes(req.id, 'request.lapsed');
    expect(lapsed.map((n) => n.userId).sort()).toEqual([requester.id, rita.id, deployer.id].sort());
    expect(lapsed[0].message).toMatch(/lapsed because a validation run of these bytes failed/);
    expect(await audits(req.id)).toContain('request.lapse');

    // Restored and passing again, the lapse stands: the failing run stays in the history.
    fs.writeFileSync(file, good);
    expect((await validateExportedModel(r.db, r.store, requester, e.modelId)).is_valid).toBe(true);
    await reconcileExportRequests(r.db, requester, e.modelId);
    const detail = await getRequestDetail(r.db, rita, req.id);
    expect(detail.reviews.map((x) => x.lapse)).toEqual(['validation_failed', 'validation_failed']);
    expect(detail.evaluation.reasons.join(' ')).toMatch(
      /Rita Reviewer’s approval lapsed: a validation run of these bytes failed after it/,
    );
    const listed = (await listDeploymentRequests(r.db, rita, { view: 'awaiting' })).find((x) => x.id === req.id);
    expect(listed).toMatchObject({ approvals: 0, lapsed: 2, awaitingMe: true });

    // Re-approval after the failure counts again.
    await reviewRequest(r.db, rita, req.id, { decision: 'approve' });
    await reviewRequest(r.db, deployer, req.id, { decision: 'approve' });
    expect(await state(req.id)).toBe('approved');
  });

  it('amending to other bytes lapses approvals; another age range is refused', async () => {
    const e = await validExport(5, 'onnx');
    const other = await validExport(5, 'pytorch');
    expect(other.checksum).not.toBe(e.checksum);
    const req = await createDeploymentRequest(r.db, requester, {
      modelId: e.modelId,
      environment: 'staging',
      rationale: 'Staging run for 5–6.',
    });
    const a = await reviewRequest(r.db, rita, req.id, { decision: 'approve' });
    expect(await state(req.id)).toBe('approved');

    await expect(amendRequest(r.db, rita, req.id, { modelId: other.modelId })).rejects.toMatchObject({
      code: 'forbidden',
    });
    const wrong = await validExport(6);
    await expect(amendRequest(r.db, requester, req.id, { modelId: wrong.modelId })).rejects.toMatchObject({
      code: 'age_range_mismatch',
    });

    const amended = await amendRequest(r.db, requester, req.id, { modelId: other.modelId });
    expect(amended).toMatchObject({ state: 'open', artifactSha256: other.checksum });
    expect((await r.db.review.findUniqueOrThrow({ where: { id: a.id } })).lapsedAt).toBeInstanceOf(Date);
    expect((await notes(req.id, 'request.lapsed')).map((n) => n.userId)).toEqual([rita.id]);
    const detail = await getRequestDetail(r.db, requester, req.id);
    expect(detail.reviews[0]).toMatchObject({ lapse: 'artifact_changed', counted: false });
    expect(detail.evaluation.reasons.join(' ')).toMatch(
      /Rita Reviewer’s approval lapsed: the request now points at other bytes/,
    );
    expect(await audits(req.id)).toEqual([
      'request.create',
      'request.submit',
      'review.create',
      'request.approval_met',
      'request.amend',
      'request.lapse',
    ]);
  });

  it('failing validation blocks approval and deploy; a deploy that fails marks the request failed', async () => {
    const e = await exportModelFromTrainingJob(r.db, r.store, requester, {
      trainingJobId: job(6).id,
      ...ages(6),
      exportFormat: 'safetensors',
    });
    const req = await createDeploymentRequest(r.db, requester, {
      modelId: e.modelId,
      environment: 'staging',
      rationale: 'Staging for 6–7, safetensors.',
    });
    await expect(reviewRequest(r.db, rita, req.id, { decision: 'approve' })).rejects.toMatchObject({
      code: 'validation_required',
    });
    await validateExportedModel(r.db, r.store, requester, e.modelId);
    await reviewRequest(r.db, rita, req.id, { decision: 'approve' });
    expect(await state(req.id)).toBe('approved');

    // The bytes rot on disk after approval: the deploy's own validation catches it.
    const file = path.join(r.storeDir, 'objects', e.checksum.slice(0, 2), e.checksum.slice(2, 4), e.checksum);
    const bytes = fs.readFileSync(file);
    bytes[bytes.length - 3] ^= 0x40;
    fs.writeFileSync(file, bytes);
    await expect(deployFromRequest(r.db, r.store, deployer, req.id)).rejects.toMatchObject({
      code: 'validation_failed',
    });
    const failed = await r.db.deploymentRequest.findUniqueOrThrow({ where: { id: req.id } });
    expect(failed.state).toBe('failed');
    expect(failed.failureReason).toMatch(/failed validation/);
    expect((await notes(req.id, 'request.failed')).map((n) => n.userId)).toEqual([requester.id]);
    expect(await audits(req.id)).toContain('request.fail');

    // Resubmitted, the failing latest run blocks both approval and deploy.
    await submitRequest(r.db, requester, req.id);
    expect(await state(req.id)).toBe('open');
    await expect(reviewRequest(r.db, rita, req.id, { decision: 'approve' })).rejects.toMatchObject({
      code: 'validation_required',
    });
    const detail = await getRequestDetail(r.db, requester, req.id);
    expect(detail.evaluation.reasons).toContain(
      'The export’s latest validation run failed: validation must be passing.',
    );
    await expect(deployFromRequest(r.db, r.store, deployer, req.id)).rejects.toMatchObject({
      code: 'not_approved',
      message: expect.stringMatching(/validation must be passing/),
    });
    bytes[bytes.length - 3] ^= 0x40;
    fs.writeFileSync(file, bytes);
  });

  it('break-glass: admin only, with a written reason, flagged on the deployment and in the audit', async () => {
    const e = await validExport(7);
    const req = await createDeploymentRequest(r.db, requester, {
      modelId: e.modelId,
      environment: 'production',
      rationale: 'Hotfix for the 7–8 group.',
    });
    const reason = 'The serving model flags every drawing; this restores service tonight.';
    await expect(breakGlassDeploy(r.db, r.store, deployer, req.id, reason)).rejects.toBeInstanceOf(AuthError);
    await expect(breakGlassDeploy(r.db, r.store, admin, req.id, 'because')).rejects.toMatchObject({
      code: 'break_glass_reason_required',
      details: { field: 'reason' },
    });
    expect(await state(req.id)).toBe('open');
    const res = await breakGlassDeploy(r.db, r.store, admin, req.id, reason);
    expect(await state(req.id)).toBe('deployed');
    const dep = await r.db.ageGroupModel.findUniqueOrThrow({ where: { id: res.deployment_id } });
    expect(dep).toMatchObject({ breakGlassReason: reason, requestId: req.id });
    const audit = await r.db.auditEvent.findFirstOrThrow({
      where: { action: 'model.deploy.break_glass', subjectId: String(res.deployment_id) },
    });
    expect(audit.after).toMatchObject({ breakGlass: true, breakGlassReason: reason });
    const reqAudit = await r.db.auditEvent.findFirstOrThrow({
      where: { action: 'request.break_glass', subjectId: req.id },
    });
    expect((reqAudit.after as { bypassed: string[] }).bypassed.join(' ')).toMatch(/2 more approvals needed/);
  });

  it('reject and withdraw end a request, tell the right people, and are audited', async () => {
    const e = await validExport(8);
    const draft = await createDeploymentRequest(r.db, requester, {
      modelId: e.modelId,
      environment: 'staging',
      rationale: 'Trying the 8–9 model.',
      submit: false,
    });
    expect(draft.state).toBe('draft');
    expect(await notes(draft.id, 'request.opened')).toEqual([]);
    expect((await listDeploymentRequests(r.db, rita, {})).some((x) => x.id === draft.id)).toBe(false);
    await expect(
      createDeploymentRequest(r.db, requester, {
        modelId: e.modelId,
        environment: 'staging',
        rationale: 'A second one.',
      }),
    ).rejects.toMatchObject({ code: 'conflict' });
    await expect(
      createDeploymentRequest(r.db, viewer, {
        modelId: e.modelId,
        environment: 'staging',
        rationale: 'Viewers cannot.',
      }),
    ).rejects.toBeInstanceOf(AuthError);
    await submitRequest(r.db, requester, draft.id);
    await expect(reviewRequest(r.db, rita, draft.id, { decision: 'request_changes' })).rejects.toThrow(); // a comment is required
    await reviewRequest(r.db, rita, draft.id, { decision: 'request_changes', comment: 'Which validation set?' });
    expect((await notes(draft.id, 'request.changes_requested')).map((n) => n.userId)).toEqual([requester.id]);
    await reviewRequest(r.db, deployer, draft.id, { decision: 'reject', comment: 'Not this quarter.' });
    expect(await state(draft.id)).toBe('rejected');
    expect((await notes(draft.id, 'request.rejected')).map((n) => n.userId)).toEqual([requester.id]);
    await expect(withdrawRequest(r.db, requester, draft.id)).rejects.toMatchObject({ code: 'invalid_transition' });

    const again = await createDeploymentRequest(r.db, requester, {
      modelId: e.modelId,
      environment: 'production',
      rationale: 'Production this time.',
    });
    await expect(withdrawRequest(r.db, rita, again.id)).rejects.toMatchObject({ code: 'forbidden' });
    await withdrawRequest(r.db, requester, again.id, 'superseded');
    expect(await state(again.id)).toBe('withdrawn');
    expect(await audits(again.id)).toEqual(['request.create', 'request.submit', 'request.withdraw']);
    expect(await audits(draft.id)).toEqual([
      'request.create',
      'request.submit',
      'review.create',
      'review.create',
      'request.reject',
    ]);
  });

  it('threaded comments with @mentions on requests and model pages', async () => {
    expect(parseMentions('hi @deployer, see @admin@drawbridge.test. mail me at x@y.com @Rita.')).toEqual([
      'deployer',
      'admin@drawbridge.test',
      'rita',
    ]);
    const req = (await r.db.deploymentRequest.findFirstOrThrow({ where: { state: 'withdrawn' } }))!;
    const { comment, unresolved } = await addComment(r.db, rita, {
      requestId: req.id,
      body: 'Could @deployer and @admin@drawbridge.test look? cc @nobody',
    });
    expect(unresolved).toEqual(['nobody']);
    expect(comment.mentions.sort()).toEqual([deployer.id, admin.id].sort());
    const mentions = await r.db.notification.findMany({ where: { kind: 'comment.mention', requestId: req.id } });
    expect(mentions.map((n) => n.userId).sort()).toEqual([deployer.id, admin.id].sort());
    expect(mentions[0].link).toBe(`/reviews/${req.id}#comment-${comment.id}`);
    expect((await notes(req.id, 'request.comment')).map((n) => n.userId)).toEqual([requester.id]);

    const reply = await addComment(r.db, deployer, { requestId: req.id, parentId: comment.id, body: 'On it, @rita.' });
    expect(reply.comment.mentions).toEqual([rita.id]);
    const tree = await listComments(r.db, viewer, { requestId: req.id });
    expect(tree).toHaveLength(1);
    expect(tree[0].replies.map((x) => x.id)).toEqual([reply.comment.id]);

    const e = await r.db.modelExport.findFirstOrThrow();
    await expect(
      addComment(r.db, rita, { modelId: e.modelId, parentId: comment.id, body: 'cross-thread' }),
    ).rejects.toMatchObject({ code: 'invalid_parent' });
    const onModel = await addComment(r.db, rita, { modelId: e.modelId, body: '@reviewer nice curve' });
    expect(onModel.comment.mentions).toEqual([requester.id]);
    expect(
      await r.db.notification.count({
        where: {
          kind: 'comment.mention',
          userId: requester.id,
          link: `/models/${e.modelId}#comment-${onModel.comment.id}`,
        },
      }),
    ).toBe(1);
    await expect(addComment(r.db, viewer, { modelId: e.modelId, body: 'viewers read only' })).rejects.toBeInstanceOf(
      AuthError,
    );
    expect(await r.db.auditEvent.count({ where: { action: 'comment.create' } })).toBe(3);
  });

  it('preview summaries are bound to the export’s bytes and size-capped', async () => {
    const e = await r.db.modelExport.findFirstOrThrow();
    const real = await computePreviewSummaryForTest(r.db, r.store, e.modelId);
    const attach = (actor: Actor, summary: unknown) => attachPreviewSummary(r.db, r.store, actor, e.modelId, summary);
    await expect(attach(rita, { ...real, artifact_sha256: 'f'.repeat(64) })).rejects.toMatchObject({
      code: 'artifact_hash_mismatch',
    });
    await expect(attach(rita, { blob: 'x'.repeat(20_000) })).rejects.toMatchObject({
      code: 'payload_too_large',
    });
    await expect(attach(rita, [1, 2])).rejects.toMatchObject({
      code: 'invalid_preview_summary',
    });
    await expect(attach(viewer, {})).rejects.toBeInstanceOf(AuthError);
    const row = await attach(rita, real);
    expect(row).toMatchObject({ artifactSha256: e.checksum, userId: rita.id });
  });
});
