/**
 * A training job's age range means something: recorded from the explicit fields, the checkpoint's
 * training_config or config_parameters (contradictions refused), and an export for other ages is
 * refused unless the exporter says why, in which case the export, its audit event and its
 * validation carry the reason. Real demo checkpoints (PyTorch), real exports and validation.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorToResponseParts } from '../api/errors';
import { testTargets } from '../db/test-databases';
import { exportModelFromTrainingJob } from './exports';
import { parseTrainingCheckpoint } from './parse-checkpoint';
import { openTestRegistry } from './test-registry';
import { registerTrainingJob, type RegisterTrainingJobInput } from './training-jobs';
import { validateExportedModel } from './validate';

const ROOT = path.join(import.meta.dirname, '..', '..');
const read = (...p: string[]) => new Uint8Array(fs.readFileSync(path.join(ROOT, ...p)));
const REASON = 'No 4-5 data yet; the 2-3 model is the closest until the November run.';

/** The status and body an API client would get for what `p` throws (200 when it does not). */
async function refusal(p: Promise<unknown>) {
  try {
    await p;
    return { status: 200, code: null, message: '', field: undefined };
  } catch (e) {
    const { status, body } = errorToResponseParts(e);
    const field = (e as { details?: { field?: string } }).details?.field;
    return { status, code: body.code, message: String(body.detail), field };
  }
}

describe.each(testTargets())('age ranges on %s', (target) => {
  let r: Awaited<ReturnType<typeof openTestRegistry>>;
  const job23 = () => r.jobs.find((j) => j.jobName === 'autoencoder-age-2-3-2026-11')!;
  /** A completed job over the demo 2–3 checkpoint and validation set, with these range sources. */
  const register = (name: string, extra: Partial<RegisterTrainingJobInput>, facts = {}) =>
    registerTrainingJob(
      r.db,
      r.actor('reviewer'),
      {
        jobName: name,
        status: 'completed',
        checkpoint: { sha256: job23().checkpointSha256!, sizeBytes: 1, mediaType: 'application/x-pytorch-checkpoint' },
        validationSet: { sha256: job23().validationSha256!, sizeBytes: 1, mediaType: 'application/x-safetensors' },
        report: { finalLoss: 0.01 },
        ...extra,
      },
      facts,
    );

  /** As the reviewer, exports job `jobId` as ONNX for min–max, with `ageRangeReason` if given. */
  const exportAs = (jobId: number, min: number, max: number, ageRangeReason?: string) =>
    exportModelFromTrainingJob(r.db, r.store, r.actor('reviewer'), {
      trainingJobId: jobId,
      ageGroupMin: min,
      ageGroupMax: max,
      exportFormat: 'onnx',
      ageRangeReason,
    });

  beforeAll(async () => {
    r = await openTestRegistry(target);
  }, 120_000);
  afterAll(async () => r?.cleanup());

  it('the demo jobs record the range each was trained for', () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'prisma', 'demo', 'manifest.json'), 'utf8'));
    const groups = manifest.groups as { age_group_min: number; age_group_max: number }[];
    expect(groups).toHaveLength(8);
    expect(r.jobs.map((j) => [j.ageGroupMin, j.ageGroupMax])).toEqual(
      groups.map((g) => [g.age_group_min, g.age_group_max]),
    );
  });

  it("takes the range from the explicit fields, else the checkpoint's training_config, else config_parameters", async () => {
    // The demo checkpoint as PyTorch saved it: training_config {..., age_group_min: 2, age_group_max: 3}.
    const demo = parseTrainingCheckpoint(read('prisma', 'demo', 'age-2-3.pth')).trainingAgeRange;
    expect(demo).toEqual({ min: 2, max: 3 });
    // A pipeline that writes training_config {"age_group": [3, 4]} (lib/formats fixture, real torch.save).
    const pair = parseTrainingCheckpoint(read('lib', 'formats', 'fixtures', 'ae-32-16.pth')).trainingAgeRange;
    expect(pair).toEqual({ min: 3, max: 4 });

    const fromCheckpoint = await register('from-checkpoint', {}, { trainingAgeRange: demo });
    expect([fromCheckpoint.ageGroupMin, fromCheckpoint.ageGroupMax]).toEqual([2, 3]);
    const fromConfig = await register('from-config', { configParameters: { age_group_min: 4.5, age_group_max: 6 } });
    expect([fromConfig.ageGroupMin, fromConfig.ageGroupMax]).toEqual([4.5, 6]);
    const explicit = await register('explicit', { ageGroupMin: 6, ageGroupMax: 7 });
    expect([explicit.ageGroupMin, explicit.ageGroupMax]).toEqual([6, 7]);
    const none = await register('no-range', {});
    expect([none.ageGroupMin, none.ageGroupMax]).toEqual([null, null]);
    const audit = await r.db.auditEvent.findFirstOrThrow({
      where: { action: 'training_job.create', subjectId: String(explicit.id) },
    });
    expect(audit.after).toMatchObject({ ages: [6, 7] });
  });

  it('refuses sources that contradict each other, naming both ranges, and records nothing', async () => {
    const before = await r.db.trainingJob.count();
    const demo = { min: 2, max: 3 };
    const explicitVsCheckpoint = await refusal(
      register('contradiction', { ageGroupMin: 4, ageGroupMax: 5 }, { trainingAgeRange: demo }),
    );
    expect(explicitVsCheckpoint).toMatchObject({ status: 422, code: 'age_range_mismatch' });
    expect(explicitVsCheckpoint.message).toContain('age_group_min/age_group_max fields say ages 4–5');
    expect(explicitVsCheckpoint.message).toContain("the checkpoint's training_config says 2–3");
    const checkpointVsConfig = await refusal(
      register('contradiction', { configParameters: { age_group: [9, 12] } }, { trainingAgeRange: demo }),
    );
    expect(checkpointVsConfig).toMatchObject({ status: 422, code: 'age_range_mismatch' });
    expect(checkpointVsConfig.message).toMatch(/2–3 .*config_parameters says 9–12/);
    // Half a range, or one outside 2–18, is a mistake to correct, not a range.
    expect(await refusal(register('half', { ageGroupMin: 4 }))).toMatchObject({
      status: 422,
      code: 'invalid_request',
      field: 'ageGroupMax',
    });
    const upsideDown = await refusal(
      register('upside-down', { configParameters: { age_group_min: 5, age_group_max: 4 } }),
    );
    expect(upsideDown).toMatchObject({ status: 422, code: 'invalid_request', field: 'configParameters' });
    expect(await r.db.trainingJob.count()).toBe(before);
  });

  it('refuses to export a 2–3 job as 4–5 without a reason, naming both ranges', async () => {
    const before = await r.db.modelExport.count();
    const bare = await refusal(exportAs(job23().id, 4, 5));
    expect(bare).toMatchObject({ status: 422, code: 'age_range_mismatch', field: 'ageGroupMin' });
    expect(bare.message).toBe(
      `Training job ${job23().id} was trained for ages 2–3; this export asks for 4–5: export for 2–3, or give a ` +
        'reason (age_range_reason, at least 10 characters) why a model trained on 2–3 should serve 4–5.',
    );
    const short = await refusal(exportAs(job23().id, 4, 5, '  why not  '));
    expect(short).toMatchObject({ status: 422, code: 'age_range_mismatch', field: 'ageRangeReason' });
    expect(short.message).toContain('The reason given ("why not") is too short.');
    expect(await r.db.modelExport.count()).toBe(before);
  });

  it('with a reason, exports and flags it: the row, the audit event and validation carry the reason', async () => {
    const e = await exportAs(job23().id, 4, 5, `  ${REASON}  `);
    expect(e).toMatchObject({ ageGroupMin: 4, ageGroupMax: 5, ageRangeOverrideReason: REASON });
    expect([e.jobAgeGroupMin, e.jobAgeGroupMax]).toEqual([2, 3]);
    const audit = await r.db.auditEvent.findFirstOrThrow({ where: { action: 'model.export', subjectId: e.modelId } });
    expect((audit.after as Record<string, unknown>).ageRangeOverride).toEqual({
      job: [2, 3],
      export: [4, 5],
      reason: REASON,
    });
    const v = await validateExportedModel(r.db, r.store, r.actor('reviewer'), e.modelId);
    expect(v.is_valid).toBe(true);
    expect(v.warnings[0]).toBe(`exported for 4–5 but trained on 2–3: ${REASON}`);
  });

  it('an export for the range of its job carries no flag and validation says nothing about ages', async () => {
    const e = await exportAs(job23().id, 2, 3, REASON); // not needed, so not recorded
    expect([e.ageRangeOverrideReason, e.jobAgeGroupMin, e.jobAgeGroupMax]).toEqual([null, null, null]);
    const audit = await r.db.auditEvent.findFirstOrThrow({ where: { action: 'model.export', subjectId: e.modelId } });
    expect(audit.after).not.toHaveProperty('ageRangeOverride');
    const v = await validateExportedModel(r.db, r.store, r.actor('reviewer'), e.modelId);
    expect(v.warnings.filter((w) => /trained|age range/.test(w))).toEqual([]);
  });

  it('a job with no recorded range exports for any range, and validation warns that it was not checked', async () => {
    const job = await register('unknown-range', {});
    const e = await exportAs(job.id, 7, 8);
    expect(e.ageRangeOverrideReason).toBeNull();
    const v = await validateExportedModel(r.db, r.store, r.actor('reviewer'), e.modelId);
    expect(v.warnings[0]).toBe(
      `training job ${job.id} has no recorded age range: whether it was trained for ages 7–8 cannot be checked`,
    );
  });

  it('the migration backfills a job range from config_parameters, and validation flags older mismatched exports', async () => {
    const sql = fs.readFileSync(
      path.join(ROOT, 'prisma', 'migrations', '20261202000100_training_job_age_range', 'migration.sql'),
      'utf8',
    );
    const backfill = sql.slice(sql.indexOf('UPDATE "TrainingJob"'));
    const job = await register('legacy', { configParameters: { age_group_min: 3, age_group_max: 4 } });
    // As before this migration: no range recorded, and an export for other ages made without a word.
    await r.db.trainingJob.update({ where: { id: job.id }, data: { ageGroupMin: null, ageGroupMax: null } });
    const e = await exportAs(job.id, 5, 6);
    await r.db.$executeRawUnsafe(backfill);
    const after = await r.db.trainingJob.findUniqueOrThrow({ where: { id: job.id } });
    expect([after.ageGroupMin, after.ageGroupMax]).toEqual([3, 4]);
    const v = await validateExportedModel(r.db, r.store, r.actor('reviewer'), e.modelId);
    expect(v.warnings[0]).toBe(
      `exported for 5–6 but training job ${job.id} was trained on 3–4, with no reason recorded (exported before age ranges were checked)`,
    );
  });
});
