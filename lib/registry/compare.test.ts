import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reconstructionErrors } from '../formats/forward';
import { readAutoencoderArtifact } from '../formats/read-artifact';
import { readValidationSet } from '../formats/validation-set';
import { testTargets, type TestTarget } from '../db/test-databases';
import { computeComparisonReference, getModelComparison } from './compare';
import { exportModelDirect } from './exports';
import { deployThroughReview, exportDemoJob, openTestRegistry } from './test-registry';

const DEMO = path.join(import.meta.dirname, '..', '..', 'prisma', 'demo');

/** p95 by linear interpolation between order statistics, written out here rather than imported. */
function p95(values: number[]): number {
  const s = [...values].sort((x, y) => x - y);
  const pos = (s.length - 1) * 0.95;
  const lo = Math.floor(pos);
  return s[lo] + (s[Math.ceil(pos)] - s[lo]) * (pos - lo);
}

describe.each(testTargets())('compare two models on %s', (target: TestTarget) => {
  let r: Awaited<ReturnType<typeof openTestRegistry>>;
  beforeAll(async () => {
    r = await openTestRegistry(target);
  }, 120_000);
  afterAll(async () => r?.cleanup());

  it('two exports of one checkpoint (ONNX, safetensors) give identical errors and no flips', async () => {
    const onnx = await exportDemoJob(r, 5, 6, 'onnx');
    const st = await exportDemoJob(r, 5, 6, 'safetensors');
    const ref = await computeComparisonReference(r.db, r.store, r.actor('viewer'), onnx.modelId, st.modelId);
    console.log(`same checkpoint, ONNX vs safetensors: max |error A - error B| = ${ref.max_abs_difference}`);
    expect(ref.samples).toBeGreaterThan(0);
    expect(ref.a.errors).toHaveLength(ref.samples);
    expect(ref.max_abs_difference).toBeLessThanOrEqual(1e-6);
    expect(ref.flips).toEqual([]);
    expect(ref.a.threshold_source).toBe(ref.b.threshold_source);
    expect(ref.validation_set_of).toBe('a');
  });

  it('two different models flag differently, and the flips equal a computation done here', async () => {
    const a = await exportDemoJob(r, 2, 3, 'onnx');
    const b = await exportDemoJob(r, 3, 4, 'pytorch');
    // B serves staging, so B flags with its deployment threshold; A is not deployed (p95 of its normals).
    await deployThroughReview(r, {
      model_id: b.modelId,
      age_group_min: 3,
      age_group_max: 4,
      deployment_environment: 'staging',
    });
    const dep = await r.db.ageGroupModel.findFirstOrThrow({ where: { modelExport: { modelId: b.modelId } } });
    const ref = await computeComparisonReference(r.db, r.store, r.actor('viewer'), a.modelId, b.modelId);

    // Independent: the pure-TS forward pass of each checkpoint over A's validation set, read from disk.
    const vs = readValidationSet(fs.readFileSync(path.join(DEMO, 'age-2-3.validation.safetensors')));
    const errs = (file: string) =>
      Array.from(
        reconstructionErrors(
          readAutoencoderArtifact(fs.readFileSync(path.join(DEMO, file)), 'pytorch'),
          vs.embeddings,
          vs.count,
        ),
      );
    const ea = errs('age-2-3.pth');
    const eb = errs('age-3-4.pth');
    const ta = p95(ea.filter((_, i) => !vs.isAnomaly![i]));
    const tb = dep.threshold;
    const expected = ea.flatMap((e, i) =>
      e > ta !== eb[i] > tb ? [{ index: i, flagged_by: e > ta ? 'a' : 'b' }] : [],
    );
    console.log(
      `2-3 vs 3-4 on the 2-3 validation set (${vs.count} samples): thresholds ${ref.a.threshold} (${ref.a.threshold_source}) / ${ref.b.threshold} (${ref.b.threshold_source}); ${ref.flips.length} flips (${ref.flips.filter((f) => f.flagged_by === 'a').length} flagged by A only), first ${JSON.stringify(ref.flips.slice(0, 3))}`,
    );
    expect(ref.samples).toBe(vs.count);
    expect(ref.a.threshold_source).toBe('p95-normal');
    expect(ref.b.threshold_source).toBe('deployment');
    expect(ref.b.threshold).toBe(tb);
    expect(Math.abs(ref.a.threshold - ta)).toBeLessThanOrEqual(1e-4 * ta);
    ref.a.errors.forEach((e, i) => expect(Math.abs(e - ea[i])).toBeLessThanOrEqual(1e-4 * ea[i]));
    ref.b.errors.forEach((e, i) => expect(Math.abs(e - eb[i])).toBeLessThanOrEqual(1e-4 * eb[i]));
    expect(ref.flips.length).toBeGreaterThan(0);
    expect(ref.flips).toEqual(expected);
    expect(ref.max_abs_difference).toBeGreaterThan(0);

    const page = await getModelComparison(r.db, r.actor('viewer'), a.modelId, b.modelId);
    expect(page.validationSet?.of).toBe('a');
    expect(page.validationSet?.note).toContain("A's validation set");
    expect(page.b.preview.deploymentThreshold?.environment).toBe('staging');
    expect(page.dimensionMismatch).toBeNull();
  });

  it('refuses models of different input dimension (422) and unknown ids (404)', async () => {
    const a = await exportDemoJob(r, 2, 3, 'onnx');
    const small = await r.store.put(fs.readFileSync(path.join(DEMO, '..', '..', 'lib/formats/fixtures/ae-32-16.pth')));
    const b = await exportModelDirect(r.db, r.store, r.actor('reviewer'), {
      checkpointSha256: small.sha256,
      ageGroupMin: 2,
      ageGroupMax: 3,
      exportFormat: 'onnx',
    });
    await expect(
      computeComparisonReference(r.db, r.store, r.actor('viewer'), a.modelId, b.modelId),
    ).rejects.toMatchObject({ code: 'validation_set_dimension_mismatch', status: 422 });
    const page = await getModelComparison(r.db, r.actor('viewer'), a.modelId, b.modelId);
    expect(page.dimensionMismatch).toContain('832 input dimensions');
    await expect(
      computeComparisonReference(r.db, r.store, r.actor('viewer'), a.modelId, 'autoencoder_2.0_3.0_20000101_000000'),
    ).rejects.toMatchObject({ code: 'model_not_found', status: 404 });
  });
});
