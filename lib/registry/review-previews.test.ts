// The server vouches for the preview: a summary computed the browser's way (lib/preview/summary.ts
// over a reconstruction) is verified by onnxruntime-node and accepted; the same summary with one
// number 1 % off, of another validation set or other bytes, is refused with its code; "preview
// required" is met only by a verified summary.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../auth/permissions';
import { testTargets, type TestTarget } from '../db/test-databases';
import type { PreviewSummary } from '../preview/summary';
import { createDeploymentRequest, reviewRequest } from './requests';
import { getRequestDetail } from './review-detail';
import { attachPreviewSummary, reviewPreviewOf } from './review-previews';
import { computePreviewSummaryForTest } from './test-preview';
import { exportDemoJob, openTestRegistry } from './test-registry';
import { validateExportedModel } from './validate';

type Json = Record<string, unknown>;

/** A deep copy of `s` with the number at `path` (dot-separated, array indexes allowed) replaced by f(it). */
function tweak(s: PreviewSummary, path: string, f: (v: number) => number): Json {
  const copy = JSON.parse(JSON.stringify(s)) as Json;
  const keys = path.split('.');
  let o = copy as Record<string, unknown>;
  for (const k of keys.slice(0, -1)) o = o[k] as Record<string, unknown>;
  const last = keys.at(-1)!;
  o[last] = f(o[last] as number);
  return copy;
}

describe.each(testTargets())('preview verification on %s', (target: TestTarget) => {
  let r: Awaited<ReturnType<typeof openTestRegistry>>;
  let reviewer: Actor;
  let e: { modelId: string; checksum: string };
  let real: PreviewSummary;
  const attach = (summary: unknown, actor = reviewer, modelId = e.modelId) =>
    attachPreviewSummary(r.db, r.store, actor, modelId, summary);

  beforeAll(async () => {
    r = await openTestRegistry(target);
    reviewer = r.actor('admin');
    e = await exportDemoJob(r, 2, 3);
    real = await computePreviewSummaryForTest(r.db, r.store, e.modelId, { backend: 'wasm', threads: 4 });
  }, 120_000);
  afterAll(async () => r?.cleanup());

  it('accepts the browser-built summary and records the verification', async () => {
    expect(real).toMatchObject({
      summary_version: 2,
      artifact_sha256: e.checksum,
      backend: 'wasm',
      threads: 4,
      samples: 100,
      threshold_source: 'p95-normal',
      anomalies_labelled: 15,
    });
    expect(real.digest.deciles).toHaveLength(9);
    expect(real.flagged).toBeGreaterThan(0);
    const job = await r.db.trainingJob.findFirstOrThrow({ where: { exports: { some: { modelId: e.modelId } } } });
    const row = await attach(real);
    expect(row).toMatchObject({
      artifactSha256: e.checksum,
      backend: 'wasm',
      validationSetSha256: job.validationSha256,
      verifiedAt: expect.any(Date),
    });
    const v = row.verification as { max_relative_difference: number; verifier: string; server: { flagged: number } };
    expect(v.verifier).toBe('onnxruntime-node');
    expect(v.max_relative_difference).toBeLessThanOrEqual(1e-4);
    expect(v.server.flagged).toBe(real.flagged);
  });

  // Each kind of number, 1 % off: medians, p95, the digest's moments, extremes and deciles, flag counts.
  it.each([
    ['error_median', (v: number) => v * 1.01],
    ['error_p95', (v: number) => v * 1.01],
    ['normal_error_median', (v: number) => v * 1.01],
    ['anomalous_error_median', (v: number) => v * 1.01],
    ['digest.sum', (v: number) => v * 1.01],
    ['digest.sum_squares', (v: number) => v * 1.01],
    ['digest.min', (v: number) => v * 1.01],
    ['digest.max', (v: number) => v * 1.01],
    ['digest.deciles.4', (v: number) => v * 1.01],
    ['flagged', (v: number) => v + Math.max(1, Math.round(v * 0.01))],
    ['anomalies_flagged', (v: number) => v - Math.max(1, Math.round(v * 0.01))],
  ])('refuses the summary with %s one per cent off (preview_mismatch naming it)', async (path, f) => {
    const before = await r.db.previewSummary.count();
    const forged = tweak(real, path, f);
    const field = path.replace(/\.(\d+)$/, '[$1]');
    await expect(attach(forged)).rejects.toMatchObject({
      code: 'preview_mismatch',
      details: { field, got: expect.any(Number), expected: expect.any(Number) },
      message: expect.stringContaining(`preview's ${field} is`),
    });
    expect(await r.db.previewSummary.count()).toBe(before);
  });

  it('refuses a threshold the preview could not have chosen, and a sample count that differs', async () => {
    await expect(attach(tweak(real, 'threshold', (v) => v * 1.01))).rejects.toMatchObject({
      code: 'preview_mismatch',
      details: { field: 'threshold' },
    });
    await expect(attach(tweak(real, 'samples', (v) => v + 1))).rejects.toMatchObject({
      code: 'preview_mismatch',
      details: { field: 'samples' },
    });
  });

  it('refuses another validation set, a file of samples, other bytes, and malformed or old summaries', async () => {
    const other = r.jobs.find((j) => j.validationSha256 && j.validationSha256 !== real.validation_set_sha256)!;
    await expect(attach({ ...real, validation_set_sha256: other.validationSha256 })).rejects.toMatchObject({
      code: 'validation_set_mismatch',
      message: expect.stringContaining('another validation set'),
    });
    await expect(attach({ ...real, validation_set_sha256: null, sample_source: 'file' })).rejects.toMatchObject({
      code: 'validation_set_mismatch',
      message: expect.stringContaining('a file you chose'),
    });
    await expect(attach({ ...real, artifact_sha256: other.checkpointSha256 })).rejects.toMatchObject({
      code: 'artifact_hash_mismatch',
    });
    const { summary_version: _, ...unversioned } = real;
    for (const bad of [
      unversioned,
      { ...real, summary_version: 1 },
      { ...real, error_median: 'small' },
      { ...real, digest: { count: 100 } },
      { backend: 'wasm', samples: 40 },
    ]) {
      await expect(attach(bad)).rejects.toMatchObject({ code: 'invalid_preview_summary' });
    }
  });

  it('cannot verify a preview of a model without a validation set: says so and what to do', async () => {
    const job = r.jobs.find((j) => (j.configParameters as { age_group_min: number }).age_group_min === 9)!;
    await r.db.trainingJob.update({ where: { id: job.id }, data: { validationSha256: null } });
    const bare = await exportDemoJob(r, 9, 12);
    await expect(attach({ ...real, artifact_sha256: bare.checksum }, reviewer, bare.modelId)).rejects.toMatchObject({
      code: 'validation_set_missing',
      message: expect.stringMatching(/has no validation set.*Register the job again with its validation set/),
    });
  });

  it('"preview required" is met only by a verified summary; the review shows it verified with the backend', async () => {
    const requester = r.actor('reviewer');
    await validateExportedModel(r.db, r.store, requester, e.modelId);
    const req = await createDeploymentRequest(r.db, requester, {
      modelId: e.modelId,
      environment: 'production',
      rationale: 'The 2–3 model, reviewed with a verified preview.',
    });
    // A summary stored before verification existed (no verifiedAt) does not count.
    const deployer = r.actor('deployer');
    await r.db.previewSummary.create({
      data: {
        userId: deployer.id,
        modelExportId: (await r.db.modelExport.findUniqueOrThrow({ where: { modelId: e.modelId } })).id,
        artifactSha256: e.checksum,
        summary: { backend: 'wasm', samples: 40 },
      },
    });
    await expect(reviewRequest(r.db, deployer, req.id, { decision: 'approve' })).rejects.toMatchObject({
      code: 'preview_summary_required',
    });
    await attach(real, deployer);
    const review = await reviewRequest(r.db, deployer, req.id, { decision: 'approve' });
    expect(reviewPreviewOf(review.previewSummary)).toMatchObject({
      verified: true,
      backend: 'wasm',
      threads: 4,
      samples: 100,
      flagged: real.flagged,
    });
    const detail = await getRequestDetail(r.db, deployer, req.id);
    expect(detail.evaluation.approvals).toBe(1);
  });
});
