import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { testTargets, type TestTarget } from '../db/test-databases';
import { AuthError } from '../auth/permissions';
import { listDeployedModels, parseExportPath, rollbackDeployment, undeployModel, exportPathOf } from './deploy';
import { deployByConfig } from './deploy-entry';
import { exportMetadataToDict, exportModelDirect, exportModelFromTrainingJob, listExportedModels } from './exports';
import { validateExportedModel } from './validate';
import {
  amendRequest,
  createDeploymentRequest,
  deployFromRequest,
  evaluateRequest,
  loadRequest,
  reviewRequest,
} from './requests';
import { approveThroughReview, deployThroughReview, exportDemoJob, openTestRegistry } from './test-registry';

const manifest = JSON.parse(
  fs.readFileSync(path.join(import.meta.dirname, '..', '..', 'prisma', 'demo', 'manifest.json'), 'utf8'),
);

describe.each(testTargets())('deployment service on %s', (target: TestTarget) => {
  let r: Awaited<ReturnType<typeof openTestRegistry>>;
  beforeAll(async () => {
    r = await openTestRegistry(target);
  }, 120_000);
  afterAll(async () => r?.cleanup());

  const job = (min: number) =>
    r.jobs.find((j) => (j.configParameters as { age_group_min: number }).age_group_min === min)!;

  it('exports a completed job in every format with the original metadata, unique ids in the same second', async () => {
    const reviewer = r.actor('reviewer');
    const j = job(2);
    const made = [];
    for (const exportFormat of ['onnx', 'pytorch', 'pickle', 'safetensors'] as const) {
      made.push(
        await exportModelFromTrainingJob(r.db, r.store, reviewer, {
          trainingJobId: j.id,
          ageGroupMin: 2,
          ageGroupMax: 3,
          exportFormat,
        }),
      );
    }
    const dicts = made.map(exportMetadataToDict);
    expect(Object.keys(dicts[0]).sort()).toEqual(
      [
        'model_id',
        'export_timestamp',
        'training_job_id',
        'model_type',
        'model_version',
        'architecture_hash',
        'parameter_count',
        'input_dimension',
        'output_dimension',
        'age_group_min',
        'age_group_max',
        'training_metrics',
        'compatibility_version',
        'export_format',
        'file_size_bytes',
        'checksum',
      ].sort(),
    );
    expect(new Set(dicts.map((d) => d.model_id)).size).toBe(4);
    for (const d of dicts) {
      expect(d.model_id).toMatch(/^autoencoder_2\.0_3\.0_\d{8}_\d{6}(_\d+)?$/);
      expect(d).toMatchObject({
        training_job_id: j.id,
        input_dimension: 832,
        output_dimension: 832,
        parameter_count: 832 * 128 + 128 + 128 * 64 + 64 + 64 * 128 + 128 + 128 * 832 + 832,
        age_group_min: 2,
        age_group_max: 3,
      });
      expect(d.training_metrics).toMatchObject({ final_loss: manifest.groups[0].report.final_loss });
      expect(d.checksum).toMatch(/^[0-9a-f]{64}$/);
      expect(await r.store.size(d.checksum)).toBe(d.file_size_bytes);
    }
    const listed = await listExportedModels(r.db, r.actor('viewer'), { ageGroupMin: 2 });
    expect(listed.exports.map((e) => e.modelId)).toEqual(
      [...dicts]
        .reverse()
        .map((d) => d.model_id)
        .sort()
        .reverse(),
    );
    const audit = await r.db.auditEvent.findMany({ where: { action: 'model.export' } });
    expect(audit.length).toBeGreaterThanOrEqual(4);
  });

  it('a burst of 25 exports for one range (8–9, which no other test here reads) in one second gets 25 ids, in suffix order after those taken', async () => {
    // The clock stands still (timers still run), so every export is stamped with the same second.
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-12-02T10:20:30.400Z'));
    try {
      const reviewer = r.actor('reviewer');
      const one = () =>
        exportModelFromTrainingJob(r.db, r.store, reviewer, {
          trainingJobId: job(8).id,
          ageGroupMin: 8,
          ageGroupMax: 9,
          exportFormat: 'safetensors',
        });
      const firstOne = await one();
      expect(firstOne.modelId).toBe('autoencoder_8.0_9.0_20261202_102030');
      const burst = await Promise.all(Array.from({ length: 24 }, one));
      const suffixes = burst.map((e) => Number(/_(\d+)$/.exec(e.modelId.slice(firstOne.modelId.length))![1]));
      expect(suffixes.sort((a, b) => a - b)).toEqual(Array.from({ length: 24 }, (_, i) => i + 2));
    } finally {
      vi.useRealTimers();
    }
  }, 120_000);

  it('refuses bad export requests with stable codes', async () => {
    const reviewer = r.actor('reviewer');
    await expect(
      exportModelFromTrainingJob(r.db, r.store, reviewer, {
        trainingJobId: 99999,
        ageGroupMin: 2,
        ageGroupMax: 3,
        exportFormat: 'onnx',
      }),
    ).rejects.toMatchObject({ code: 'training_job_not_found' });
    await expect(
      exportModelFromTrainingJob(r.db, r.store, reviewer, {
        trainingJobId: job(2).id,
        ageGroupMin: 3,
        ageGroupMax: 3,
        exportFormat: 'onnx',
      }),
    ).rejects.toThrow(/greater than the minimum/);
    await expect(
      exportModelFromTrainingJob(r.db, r.store, reviewer, {
        trainingJobId: job(2).id,
        ageGroupMin: 1,
        ageGroupMax: 3,
        exportFormat: 'onnx',
      }),
    ).rejects.toThrow(/start at 2/);
    await expect(
      exportModelFromTrainingJob(r.db, r.store, reviewer, {
        trainingJobId: job(2).id,
        ageGroupMin: 2,
        ageGroupMax: 3,
        exportFormat: 'tflite' as never,
      }),
    ).rejects.toThrow(/Choose one of/);
    await r.db.trainingJob.update({ where: { id: job(9).id }, data: { status: 'running' } });
    await expect(
      exportModelFromTrainingJob(r.db, r.store, reviewer, {
        trainingJobId: job(9).id,
        ageGroupMin: 9,
        ageGroupMax: 12,
        exportFormat: 'onnx',
      }),
    ).rejects.toMatchObject({ code: 'training_job_not_completed' });
    await r.db.trainingJob.update({ where: { id: job(9).id }, data: { status: 'completed' } });
    await expect(
      exportModelFromTrainingJob(r.db, r.store, r.actor('viewer'), {
        trainingJobId: job(2).id,
        ageGroupMin: 2,
        ageGroupMax: 3,
        exportFormat: 'onnx',
      }),
    ).rejects.toBeInstanceOf(AuthError);
  });

  it('exports directly from an uploaded checkpoint and refuses a model_info that disagrees', async () => {
    const sha = job(3).checkpointSha256!;
    const e = await exportModelDirect(r.db, r.store, r.actor('reviewer'), {
      checkpointSha256: sha,
      ageGroupMin: 3,
      ageGroupMax: 4,
      exportFormat: 'onnx',
      modelInfo: { input_dim: 832, hidden_dims: [128, 64] },
    });
    expect(exportMetadataToDict(e).training_job_id).toBe(0);
    await expect(
      exportModelDirect(r.db, r.store, r.actor('reviewer'), {
        checkpointSha256: sha,
        ageGroupMin: 3,
        ageGroupMax: 4,
        exportFormat: 'onnx',
        modelInfo: { input_dim: 832, hidden_dims: [256, 64] },
      }),
    ).rejects.toMatchObject({ code: 'architecture_mismatch' });
  });

  it('validates: checksum, readers, onnxruntime-node vs the source forward pass, parity across formats', async () => {
    const { exports } = await listExportedModels(r.db, r.actor('viewer'), { ageGroupMin: 2, exportFormat: 'onnx' });
    const v = await validateExportedModel(r.db, r.store, r.actor('reviewer'), exports[0].modelId);
    expect(v.errors).toEqual([]);
    expect(v.is_valid).toBe(true);
    expect(v.integrity_checks).toMatchObject({
      checksum_verified: true,
      parsed: true,
      weights_match_source: true,
      architecture_hash_matches: true,
    });
    expect(v.performance_checks.onnxruntime_ok).toBe(true);
    expect(v.performance_checks.onnxruntime_max_rel_diff as number).toBeLessThan(1e-5);
    const parity = v.performance_checks.format_parity as { export_format: string; identical_weights: boolean }[];
    expect(parity.map((p) => p.export_format).sort()).toEqual(['pickle', 'pytorch', 'safetensors']);
    expect(parity.every((p) => p.identical_weights)).toBe(true);
    const vs = v.performance_checks.validation_set as { normal_error_median: number; anomalous_error_median: number };
    expect(vs.anomalous_error_median).toBeGreaterThan(3 * vs.normal_error_median);
    expect(await r.db.validationRun.count({ where: { modelExport: { modelId: exports[0].modelId } } })).toBe(1);
  });

  it('reports a flipped byte as invalid instead of throwing, and deploy refuses it', async () => {
    const e = await exportDemoJob(r, 4, 5, 'safetensors');
    const file = path.join(r.storeDir, 'objects', e.checksum.slice(0, 2), e.checksum.slice(2, 4), e.checksum);
    const bytes = fs.readFileSync(file);
    bytes[bytes.length - 3] ^= 0x40;
    fs.writeFileSync(file, bytes);
    const v = await validateExportedModel(r.db, r.store, r.actor('reviewer'), e.modelId);
    expect(v.is_valid).toBe(false);
    expect(v.errors.join(' ')).toMatch(/corrupt/);
    // No one can approve it (an approval binds to a passing validation run)…
    const req = await createDeploymentRequest(r.db, r.actor('reviewer'), {
      modelId: e.modelId,
      environment: 'production',
      rationale: 'Deploy the 4–5 safetensors export.',
    });
    await expect(reviewRequest(r.db, r.actor('admin'), req.id, { decision: 'approve' })).rejects.toMatchObject({
      code: 'validation_required',
    });
    // …so the deployer has nothing to deploy, and even an admin's break-glass deploy re-validates and refuses it.
    await expect(
      deployByConfig(r.db, r.store, r.actor('deployer'), { model_id: e.modelId, age_group_min: 4, age_group_max: 5 }),
    ).rejects.toMatchObject({ code: 'approval_required' });
    await expect(
      deployByConfig(
        r.db,
        r.store,
        r.actor('admin'),
        { model_id: e.modelId, age_group_min: 4, age_group_max: 5 },
        { breakGlassReason: 'Incident 42: the 4–5 model must be replaced now.' },
      ),
    ).rejects.toMatchObject({ code: 'validation_failed' });
    expect(await r.db.ageGroupModel.count({ where: { modelExportId: e.id } })).toBe(0);
  });

  it('deploys with a threshold derived from the validation set, refuses a second, replaces with backup, rolls back', async () => {
    const deployer = r.actor('deployer');
    const a = await exportDemoJob(r, 5, 6, 'onnx');
    const res = await deployThroughReview(r, {
      model_id: a.modelId,
      model_export_path: exportPathOf(a),
      age_group_min: 5,
      age_group_max: 6,
    });
    expect(res).toMatchObject({ success: true, model_id: a.modelId, database_updated: true, backup_path: null });
    expect(res.validation_result?.is_valid).toBe(true);
    // numpy's percentile over PyTorch's errors, recorded by the training script, agrees with ours
    const g = manifest.groups.find((x: { age_group_min: number }) => x.age_group_min === 5);
    expect(res.threshold).toBeCloseTo(g.report.metrics_summary.threshold_p95, 7);
    expect(res.sample_count).toBe(
      g.report.metrics_summary.validation_samples - g.report.metrics_summary.anomalies_total,
    );
    expect(await r.db.ageGroupModel.findUniqueOrThrow({ where: { id: res.deployment_id } })).toMatchObject({
      requestId: res.request_id,
      breakGlassReason: null,
    });

    // A second request for the same range without replace_existing is not approved (issue 12: it
    // used to be, and its deploy then failed): what the deploy would refuse shows while it waits…
    const b = await exportDemoJob(r, 5, 6, 'pytorch');
    await expect(approveThroughReview(r, { model_id: b.modelId, age_group_min: 5, age_group_max: 6 })).rejects.toThrow(
      /is open, not approved/,
    );
    const waiting = await r.db.deploymentRequest.findFirstOrThrow({
      where: { modelExportId: b.id },
      orderBy: { createdAt: 'desc' },
    });
    expect(waiting).toMatchObject({ state: 'open', replaceExisting: false, failureReason: null });
    const { evaluation } = await evaluateRequest(r.db, await loadRequest(r.db, waiting.id));
    expect(evaluation.stillMissing).toEqual([expect.objectContaining({ code: 'active_model_exists' })]);
    expect(evaluation.stillMissing[0].message).toMatch(new RegExp(`served by ${a.modelId}`));
    // …and amended to replace it, it is approved with the same approval and deploys, the first kept as backup.
    await amendRequest(r.db, r.actor('reviewer'), waiting.id, { replaceExisting: true });
    const res2 = await deployByConfig(r.db, r.store, deployer, {
      model_id: b.modelId,
      age_group_min: 5,
      age_group_max: 6,
      replace_existing: true,
    });
    expect(res2.request_id).toBe(waiting.id);
    expect(res2.backup_path).toContain(a.modelId);
    let active = await listDeployedModels(r.db, r.actor('viewer'), { environment: 'production' });
    expect(active.filter((d) => d.ageMin === 5).map((d) => d.modelExport.modelId)).toEqual([b.modelId]);

    const rb = await rollbackDeployment(r.db, r.store, deployer, { age_group_min: 5, age_group_max: 6 });
    expect(rb.restored.model_id).toBe(a.modelId);
    active = await listDeployedModels(r.db, r.actor('viewer'), { environment: 'production' });
    expect(active.filter((d) => d.ageMin === 5).map((d) => d.modelExport.modelId)).toEqual([a.modelId]);
    await expect(
      rollbackDeployment(r.db, r.store, deployer, { age_group_min: 5, age_group_max: 6 }),
    ).rejects.toMatchObject({ code: 'no_backup' });

    expect(await undeployModel(r.db, deployer, rb.restored.id)).toBe(true);
    expect(await undeployModel(r.db, deployer, rb.restored.id)).toBe(false);
    expect(await undeployModel(r.db, deployer, 987654)).toBe(false);
    const actions = (await r.db.auditEvent.findMany({ where: { subjectType: 'deployment' } })).map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['model.deploy', 'model.rollback', 'model.undeploy']));
  });

  it('keeps one active model when deploys race', async () => {
    const deployer = r.actor('deployer');
    const exports = [];
    for (let i = 0; i < 4; i++) {
      exports.push(await exportDemoJob(r, 6, 7, 'safetensors'));
    }
    // Four approved requests for the same range, deployed at once (by model and by request id).
    const requests: { id: string }[] = [];
    for (const e of exports) {
      requests.push(
        await approveThroughReview(r, {
          model_id: e.modelId,
          age_group_min: 6,
          age_group_max: 7,
          replace_existing: true,
          validate_before_deployment: false,
        }),
      );
    }
    const results = await Promise.allSettled(
      exports.map((e, i) =>
        i % 2 === 0
          ? deployByConfig(r.db, r.store, deployer, { model_id: e.modelId, age_group_min: 6, age_group_max: 7 })
          : deployFromRequest(r.db, r.store, deployer, requests[i].id),
      ),
    );
    expect(results.filter((x) => x.status === 'fulfilled').length).toBeGreaterThanOrEqual(1);
    expect(
      await r.db.ageGroupModel.count({ where: { environment: 'production', ageMin: 6, ageMax: 7, isActive: true } }),
    ).toBe(1);
  });

  it('accepts only the original export path form', async () => {
    const good = 'exports/models/autoencoder_2.0_3.0_20261127_070000.onnx';
    expect(parseExportPath(good)).toEqual({ modelId: 'autoencoder_2.0_3.0_20261127_070000', format: 'onnx' });
    for (const bad of [
      '../exports/models/autoencoder_2.0_3.0_20261127_070000.onnx',
      'exports/models/../../etc/passwd',
      'exports/models/%2e%2e/autoencoder_2.0_3.0_20261127_070000.onnx',
      'exports/models/%252e%252e%252fautoencoder_2.0_3.0_20261127_070000.onnx',
      'exports\\models\\autoencoder_2.0_3.0_20261127_070000.onnx',
      '/exports/models/autoencoder_2.0_3.0_20261127_070000.onnx',
      'file:///exports/models/autoencoder_2.0_3.0_20261127_070000.onnx',
      'exports/models/autoencoder_2.0_3.0_20261127_070000.onnx/../x.onnx',
      'exports/models/autoencoder_2.0_3.0_20261127_070000.exe',
    ]) {
      expect(() => parseExportPath(bad), bad).toThrow(/model_export_path must be/);
    }
    // deployByConfig resolves the path the same way, before looking for an approved request.
    for (const bad of [
      'exports/models/../../etc/passwd',
      'exports/models/%2e%2e/autoencoder_2.0_3.0_20261127_070000.onnx',
      '/exports/models/autoencoder_2.0_3.0_20261127_070000.onnx',
    ]) {
      await expect(
        deployByConfig(r.db, r.store, r.actor('deployer'), {
          model_export_path: bad,
          age_group_min: 2,
          age_group_max: 3,
        }),
        bad,
      ).rejects.toMatchObject({ code: 'invalid_export_path' });
    }
    await expect(
      deployByConfig(r.db, r.store, r.actor('deployer'), {
        model_export_path: 'exports/models/autoencoder_2.0_3.0_20000101_000000.onnx',
        age_group_min: 2,
        age_group_max: 3,
      }),
    ).rejects.toMatchObject({ code: 'model_not_found' });
    await expect(
      deployByConfig(r.db, r.store, r.actor('reviewer'), {
        model_export_path: good,
        age_group_min: 2,
        age_group_max: 3,
      }),
    ).rejects.toBeInstanceOf(AuthError);
  });
});
