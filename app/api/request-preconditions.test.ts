/**
 * Issue 12 over REST: a request that would conflict says so (still_missing, with the fix) right
 * after it opens, before any review; amending the flag clears it and keeps the approval; the
 * deploy, validating again, succeeds and the approval still reads valid.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { call, db, expectError, exportDemoJob, getRequest, openRequest, review, useSeededApi } from './test-harness';

useSeededApi();

describe('REST: deploy preconditions while a request waits', () => {
  let a: { model_id: string; checksum: string };
  let b: { model_id: string; checksum: string };

  beforeAll(async () => {
    ({ onnx: a, pytorch: b } = await exportDemoJob(['onnx', 'pytorch']));
    for (const e of [a, b]) {
      const v = await call('validate', '/api/v1/training/models/validate', {
        role: 'reviewer',
        json: { model_id: e.model_id },
      });
      if (v.status !== 200) throw new Error(`validate: ${v.status} ${await v.text()}`);
    }
    await db.reviewPolicy.upsert({
      where: { environment: 'staging' },
      create: { environment: 'staging', requiredApprovals: 1, requirePreviewSummary: false },
      update: { requiredApprovals: 1, requirePreviewSummary: false },
    });
  });

  const deploy = (id: string) => call('requestDeploy', '/x', { role: 'deployer', method: 'POST', params: { id } });

  it('shows the blocking reason before any approval; amending replace_existing clears it; the deploy keeps the approval', async () => {
    // A serves staging 2–3.
    const first = await openRequest({ model_id: a.model_id, deployment_environment: 'staging' });
    await review(first.request_id, 'admin', { decision: 'approve' });
    const served = await deploy(first.request_id);
    expect(served.status).toBe(200);
    const deploymentId = (await served.json()).deployment_id as number;

    // B without Replace: the refusal, in words and with the fix, before anyone reviews.
    const opened = await openRequest({ model_id: b.model_id, deployment_environment: 'staging' });
    expect(opened).toMatchObject({ state: 'open', replace_existing: false, evaluation: { satisfied: false } });
    expect(opened.still_missing).toEqual([
      {
        code: 'active_model_exists',
        message: `Ages 2–3 in staging are served by ${a.model_id} (deployment ${deploymentId}), and this request does not replace it.`,
        fix: `Tick Replace: ages 2–3 in staging are served by ${a.model_id} (deployment ${deploymentId}). Or withdraw the request.`,
      },
    ]);
    const id = opened.request_id;
    expect((await getRequest(id)).reviews).toEqual([]);

    // Reviewing is not blocked; the approval does not approve it while the precondition is missing.
    const approved = await (await review(id, 'admin', { decision: 'approve' })).json();
    expect(approved.request).toMatchObject({ state: 'open', evaluation: { approvals: 1 } });
    const refused = await expectError(await deploy(id), 409, 'not_approved');
    expect(refused.detail).toContain('this request does not replace it');

    // Only the requester amends; a flag must be a boolean.
    await expectError(
      await call('amend', '/x', { role: 'admin', json: { replace_existing: true }, params: { id } }),
      403,
      'forbidden',
    );
    await expectError(
      await call('amend', '/x', { role: 'reviewer', json: { replace_existing: 'yes please' }, params: { id } }),
      422,
      'invalid_request',
    );
    const amended = await call('amend', '/x', { role: 'reviewer', json: { replace_existing: true }, params: { id } });
    expect(amended.status).toBe(200);
    expect(await amended.json()).toMatchObject({
      state: 'approved',
      replace_existing: true,
      artifact_sha256: b.checksum,
      still_missing: [],
      evaluation: { satisfied: true, approvals: 1, lapsed: [] },
    });

    // The deploy validates again (on by default) and succeeds; the approval reads valid afterwards.
    const res = await deploy(id);
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toMatchObject({ success: true, model_id: b.model_id, validation_result: { is_valid: true } });
    const after = await getRequest(id);
    expect(after).toMatchObject({ state: 'deployed', still_missing: [], evaluation: { lapsed: [] } });
    expect(after.reviews).toEqual([expect.objectContaining({ lapse: null, lapsed_at: null, counted: true })]);
    expect(after.deployments[0]).toMatchObject({ id: body.deployment_id, replaced_deployment_id: deploymentId });
  });
});
