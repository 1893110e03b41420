// Age ranges over the REST API: a job records the range it was trained for (explicit fields, the
// uploaded checkpoint's training_config, config_parameters), and an export of a 2–3 job as 4–5 is
// refused (422 age_range_mismatch naming both) unless a reason is given, which then flags the
// export JSON, the model page's data, a request made from it and the audit log.
import { describe, expect, it } from 'vitest';
import { getModelDetail } from '@/lib/registry/model-page';
import {
  call,
  ckpt23,
  db,
  demoJobId,
  expectError,
  getRequest,
  jobForm,
  metadata,
  openRequest,
  useSeededApi,
  vs23,
} from './test-harness';

useSeededApi();

const REASON = 'No 4–5 drawings labelled yet; the 2–3 model is the closest until the December run.';
const noAges = { config_parameters: { learning_rate: 0.003, epochs: 25 } };

describe('age ranges with meaning over HTTP', () => {
  let modelId: string;

  it("a job records its range: the checkpoint's training_config, the explicit fields, and refuses a contradiction", async () => {
    const seeded = await (
      await call('job', '/x', { role: 'viewer', params: { id: String(await demoJobId()) } })
    ).json();
    expect(seeded).toMatchObject({ age_group_min: 2, age_group_max: 3 });

    // No range in the metadata: the real checkpoint's training_config names 2–3.
    const upload = await call('jobs', '/api/v1/training/jobs', {
      role: 'reviewer',
      body: jobForm(metadata('ages-from-checkpoint', noAges), { checkpoint: ckpt23(), validation_set: vs23() }),
    });
    expect(upload.status).toBe(201);
    expect(await upload.json()).toMatchObject({ age_group_min: 2, age_group_max: 3 });

    const explicit = await call('jobs', '/api/v1/training/jobs', {
      role: 'reviewer',
      json: metadata('ages-explicit', { ...noAges, age_group_min: 5, age_group_max: 6 }),
    });
    expect(explicit.status).toBe(201);
    expect(await explicit.json()).toMatchObject({ age_group_min: 5, age_group_max: 6 });

    const none = await call('jobs', '/api/v1/training/jobs', { role: 'reviewer', json: metadata('ages-none', noAges) });
    expect(await none.json()).toMatchObject({ age_group_min: null, age_group_max: null });

    const before = await db.trainingJob.count();
    const contradiction = await call('jobs', '/api/v1/training/jobs', {
      role: 'reviewer',
      body: jobForm(metadata('ages-contradict', { ...noAges, age_group_min: 4, age_group_max: 5 }), {
        checkpoint: ckpt23(),
      }),
    });
    const body = await expectError(contradiction, 422, 'age_range_mismatch');
    expect(body.detail).toContain('say ages 4–5');
    expect(body.detail).toContain("the checkpoint's training_config says 2–3");
    expect(await db.trainingJob.count()).toBe(before);
  });

  it('refuses to export the 2–3 job as 4–5 without a reason (422 age_range_mismatch naming both)', async () => {
    const id = await demoJobId();
    const res = await call('export', '/api/v1/training/models/export', {
      role: 'reviewer',
      json: { training_job_id: id, age_group_min: 4, age_group_max: 5, export_format: 'onnx' },
    });
    const body = await expectError(res, 422, 'age_range_mismatch');
    expect(body.detail).toBe(
      `Training job ${id} was trained for ages 2–3; this export asks for 4–5: export for 2–3, or give a reason ` +
        '(age_range_reason, at least 10 characters) why a model trained on 2–3 should serve 4–5.',
    );
    const short = await call('export', '/api/v1/training/models/export', {
      role: 'reviewer',
      json: { training_job_id: id, age_group_min: 4, age_group_max: 5, export_format: 'onnx', age_range_reason: 'x' },
    });
    expect((await expectError(short, 422, 'age_range_mismatch')).detail).toContain('is too short');
  });

  it('with a reason, the export is flagged in its JSON, its detail, the list and the model page data', async () => {
    const res = await call('export', '/api/v1/training/models/export', {
      role: 'reviewer',
      json: {
        training_job_id: await demoJobId(),
        age_group_min: 4,
        age_group_max: 5,
        export_format: 'onnx',
        age_range_reason: REASON,
      },
    });
    expect(res.status).toBe(200);
    const made = await res.json();
    const flag = { job_age_group_min: 2, job_age_group_max: 3, reason: REASON };
    expect(made).toMatchObject({ age_group_min: 4, age_group_max: 5, age_range_override: flag });
    modelId = made.model_id;

    const detail = await (await call('exportOne', '/x', { role: 'viewer', params: { model_id: modelId } })).json();
    expect(detail.age_range_override).toEqual(flag);
    const list = await (
      await call('exports', '/api/v1/training/models/exports?age_group_min=4&age_group_max=5', { role: 'viewer' })
    ).json();
    expect(list.exports.find((e: { model_id: string }) => e.model_id === modelId).age_range_override).toEqual(flag);
    const others = await (
      await call('exports', '/api/v1/training/models/exports?age_group_min=2&age_group_max=3', { role: 'viewer' })
    ).json();
    for (const e of others.exports) expect(e.age_range_override).toBeNull();

    const viewer = await db.user.findFirstOrThrow({ where: { role: 'viewer' } });
    const page = await getModelDetail(db, { ...viewer, via: 'session' }, modelId);
    expect(page.exp).toMatchObject({ ageRangeOverrideReason: REASON, jobAgeGroupMin: 2, jobAgeGroupMax: 3 });
  });

  it('validation warns on the override first, with the reason', async () => {
    const res = await call('validate', '/api/v1/training/models/validate', {
      role: 'reviewer',
      json: { model_id: modelId },
    });
    const v = await res.json();
    expect(v.is_valid).toBe(true);
    expect(v.warnings[0]).toBe(`exported for 4–5 but trained on 2–3: ${REASON}`);
  });

  it('a request made from the flagged export carries the flag, and the audit log has the reason', async () => {
    const opened = await openRequest({ model_id: modelId, age_group_min: 4, age_group_max: 5 });
    const flag = { job_age_group_min: 2, job_age_group_max: 3, reason: REASON };
    expect(opened.age_range_override).toEqual(flag);
    expect((await getRequest(opened.request_id)).age_range_override).toEqual(flag);

    const audit = await (
      await call('audit', `/api/v1/audit?action=model.export&subject_id=${modelId}`, { role: 'admin' })
    ).json();
    expect(audit.events).toHaveLength(1);
    expect(audit.events[0].after.ageRangeOverride).toEqual({ job: [2, 3], export: [4, 5], reason: REASON });
  });
});
