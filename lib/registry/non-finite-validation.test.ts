/**
 * A validation set whose normal samples reconstruct to a non-finite error (finite embeddings of
 * 1e30: the squared error overflows float32) yields no usable threshold. Validation refuses the
 * export (is_valid false, with the reason) before anyone reviews it; a deploy of it answers a 4xx
 * with a code and leaves the request as it was (not failed).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorToResponseParts } from '../api/errors';
import { writeSafetensors } from '../formats/safetensors';
import { writeTorchCheckpoint } from '../formats/torch-write';
import { parseCheckpoint } from './parse-checkpoint';
import { readValidationSet } from '../formats/validation-set';
import { testTargets } from '../db/test-databases';
import { deployByConfig } from './deploy-entry';
import { exportModelFromTrainingJob } from './exports';
import { createDeploymentRequest, deployFromRequest, reviewRequest } from './requests';
import { openTestRegistry } from './test-registry';
import { registerTrainingJob } from './training-jobs';
import { validateExportedModel } from './validate';

const REASON = 'Incident 4711: the current 2-3 model flags every drawing; approvers are offline.';

/** A real safetensors validation set: `count` samples of `dim` values, the first `huge` of them 1e30. */
function validationSet(count: number, dim: number, huge: number): Uint8Array {
  const emb = new Float32Array(count * dim);
  for (let i = 0; i < emb.length; i++) emb[i] = Math.floor(i / dim) < huge ? 1e30 : Math.sin(i) * 0.05;
  const labels = new Uint8Array(count); // all normal
  return writeSafetensors(
    new Map([
      ['embeddings', { dtype: 'float32', shape: [count, dim], bytes: new Uint8Array(emb.buffer) }],
      ['is_anomaly', { dtype: 'uint8', shape: [count], bytes: labels }],
    ]),
  );
}

async function statusOf(p: Promise<unknown>) {
  try {
    await p;
    return { status: 200, code: null };
  } catch (e) {
    const { status, body } = errorToResponseParts(e);
    return { status, code: body.code };
  }
}

describe.each(testTargets())('non-finite reconstruction on %s', (target) => {
  let r: Awaited<ReturnType<typeof openTestRegistry>>;
  let modelId: string;

  /** Registers a completed copy of the first demo job over these artifacts and exports it in `exportFormat`. */
  async function exportVariant(
    jobName: string,
    checkpoint: { sha256: string; sizeBytes: number | bigint },
    validation: { sha256: string; sizeBytes: number | bigint },
    exportFormat: 'onnx' | 'safetensors',
  ) {
    const demo = r.jobs[0];
    const job = await registerTrainingJob(r.db, r.actor('reviewer'), {
      jobName,
      environment: 'local',
      status: 'completed',
      configParameters: demo.configParameters,
      datasetPath: demo.datasetPath,
      checkpoint: {
        sha256: checkpoint.sha256,
        sizeBytes: Number(checkpoint.sizeBytes),
        mediaType: 'application/x-pytorch-checkpoint',
      },
      validationSet: {
        sha256: validation.sha256,
        sizeBytes: Number(validation.sizeBytes),
        mediaType: 'application/x-safetensors',
      },
      report: { finalLoss: 0.01 },
    } as never);
    const cfg = demo.configParameters as { age_group_min: number; age_group_max: number };
    return exportModelFromTrainingJob(r.db, r.store, r.actor('reviewer'), {
      trainingJobId: job.id,
      ageGroupMin: cfg.age_group_min,
      ageGroupMax: cfg.age_group_max,
      exportFormat,
    });
  }
  beforeAll(async () => {
    r = await openTestRegistry(target);
    const demo = r.jobs[0];
    const bytes = validationSet(40, 832, 4);
    // The file itself is a valid validation set: every value is finite.
    expect(readValidationSet(bytes).embeddings.every(Number.isFinite)).toBe(true);
    const vs = await r.store.put(bytes);
    const checkpoint = await r.db.artifact.findUniqueOrThrow({ where: { sha256: demo.checkpointSha256! } });
    const exp = await exportVariant(`non-finite-${target}`, checkpoint, vs, 'onnx');
    modelId = exp.modelId;
  }, 120_000);
  afterAll(async () => r?.cleanup());

  it('validation refuses the export with the reason, and records the run as invalid', async () => {
    const v = await validateExportedModel(r.db, r.store, r.actor('reviewer'), modelId);
    expect(v.is_valid).toBe(false);
    expect(v.errors).toEqual([
      expect.stringMatching(
        /^4 of the validation set's 40 normal samples reconstruct to a non-finite error .*\(non_finite_reconstruction\)$/,
      ),
    ]);
    expect(v.performance_checks.validation_set).toMatchObject({
      samples: 40,
      normal_samples: 40,
      non_finite_normal_errors: 4,
      threshold_finite: false,
    });
    const run = await r.db.validationRun.findUniqueOrThrow({ where: { id: v.validation_run_id } });
    expect(run.isValid).toBe(false);
  });

  it('a model whose weights overflow float32 is refused at validation too (a real torch checkpoint)', async () => {
    const demo = r.jobs[0];
    const ae = parseCheckpoint(await r.store.get(demo.checkpointSha256!));
    // Finite weights (1e20 < float32's 3.4e38) whose products overflow after two layers.
    for (const l of ae.layers) for (let i = 0; i < l.weight.length; i++) l.weight[i] = l.weight[i] * 1e20;
    const ckpt = await r.store.put(writeTorchCheckpoint(ae, {}));
    const vsRow = await r.db.artifact.findUniqueOrThrow({ where: { sha256: demo.validationSha256! } });
    const exp = await exportVariant(`huge-weights-${target}`, ckpt, vsRow, 'safetensors');
    const v = await validateExportedModel(r.db, r.store, r.actor('reviewer'), exp.modelId);
    expect(v.is_valid).toBe(false);
    expect(v.performance_checks.probe_output_finite).toBe(false);
    expect(v.errors).toContainEqual(expect.stringContaining('(non_finite_output)'));
    expect(v.errors).toContainEqual(expect.stringContaining('(non_finite_reconstruction)'));
  });

  it('a deploy answers a 4xx with a code, never a 500, and the request is not marked failed', async () => {
    const age = r.jobs[0].configParameters as { age_group_min: number; age_group_max: number };
    const config = { model_id: modelId, age_group_min: age.age_group_min, age_group_max: age.age_group_max };
    const breakGlass = (over: Record<string, unknown>) =>
      statusOf(deployByConfig(r.db, r.store, r.actor('admin'), { ...config, ...over }, { breakGlassReason: REASON }));
    // Skipping validation does not get a non-finite threshold into a deployment.
    expect(await breakGlass({ validate_before_deployment: false })).toEqual({
      status: 422,
      code: 'non_finite_threshold',
    });
    // (staging: the first break-glass left its own request open for production.)
    expect(await breakGlass({ deployment_environment: 'staging' })).toEqual({ status: 422, code: 'validation_failed' });
    expect(await r.db.ageGroupModel.count({ where: { modelExport: { modelId } } })).toBe(0);

    // Through review: approved by a teammate, the deploy is refused (its latest validation is invalid).
    await r.db.reviewPolicy.upsert({
      where: { environment: 'staging' },
      create: { environment: 'staging', requiredApprovals: 1, requirePreviewSummary: false },
      update: { requiredApprovals: 1, requirePreviewSummary: false },
    });
    const req = await createDeploymentRequest(r.db, r.actor('reviewer'), {
      modelId,
      environment: 'staging',
      rationale: 'nightly retrain',
      validateBeforeDeployment: false,
    });
    await statusOf(reviewRequest(r.db, r.actor('admin'), req.id, { decision: 'approve', comment: 'looks fine' }));
    const res = await statusOf(deployFromRequest(r.db, r.store, r.actor('deployer'), req.id));
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(res.code).toMatch(/^(not_approved|policy_not_satisfied|validation_required|non_finite_threshold)$/);
    const after = await r.db.deploymentRequest.findUniqueOrThrow({ where: { id: req.id } });
    expect(after.state).not.toBe('failed');
    expect(after.failureReason).toBeNull();
  });
});
