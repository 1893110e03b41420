// Training jobs over the REST API: registering a job (multipart upload or JSON) and every way an
// upload is refused without recording anything.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  call,
  ckpt23,
  db,
  expectError,
  file,
  FIXTURES,
  g0,
  jobForm,
  metadata,
  sha,
  useSeededApi,
  vs23,
  journeyState,
} from './test-harness';

useSeededApi();

describe('REST API journey', () => {
  const s = journeyState();

  it('registers a training job by multipart upload of a real checkpoint and validation set', async () => {
    const res = await call('jobs', '/api/v1/training/jobs', {
      role: 'reviewer',
      body: jobForm(metadata('api-upload-2-3'), { checkpoint: ckpt23(), validation_set: vs23() }),
    });
    expect(res.status).toBe(201);
    const job = await res.json();
    expect(job).toMatchObject({
      job_name: 'api-upload-2-3',
      status: 'completed',
      checkpoint_sha256: g0.files.checkpoint.sha256,
      validation_set_sha256: g0.files.validation.sha256,
      report: { final_loss: g0.report.final_loss, model_parameters_sha256: g0.files.checkpoint.sha256 },
    });
    s.jobId = job.id;
    const got = await call('job', `/api/v1/training/jobs/${job.id}`, {
      role: 'viewer',
      params: { id: String(job.id) },
    });
    expect(got.status).toBe(200);
    expect(await got.json()).toEqual(job);
    const listed = await (await call('jobs', '/api/v1/training/jobs?page_size=1', { role: 'viewer' })).json();
    expect(listed.jobs[0].id).toBe(job.id);
  });

  it('registers a job from JSON alone; artifact references in JSON are ignored', async () => {
    const res = await call('jobs', '/api/v1/training/jobs', {
      role: 'reviewer',
      json: {
        ...metadata('api-json'),
        checkpoint: { sha256: g0.files.checkpoint.sha256, sizeBytes: 1, mediaType: 'x' },
      },
    });
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({
      job_name: 'api-json',
      checkpoint_sha256: null,
      validation_set_sha256: null,
    });
  });
});

describe('bad input', () => {
  const jobCount = () => db.trainingJob.count();

  it('bad multipart: no metadata, bad metadata, unexpected file, validation set alone, malformed body', async () => {
    const before = await jobCount();
    const post = (body: BodyInit, headers?: Record<string, string>) =>
      call('jobs', '/api/v1/training/jobs', { role: 'reviewer', body, headers });
    const noMeta = new FormData();
    noMeta.set('checkpoint', new Blob([ckpt23()]), 'a.pth');
    await expectError(await post(noMeta), 422, 'invalid_request');
    await expectError(await post(jobForm('{oops', { checkpoint: ckpt23() })), 400, 'invalid_json');
    const bad = await (await post(jobForm({ environment: 'moon' }, { checkpoint: ckpt23() }))).json();
    expect(bad.detail.map((d: { loc: string[] }) => d.loc.join('.'))).toEqual(
      expect.arrayContaining(['body.job_name', 'body.environment']),
    );
    await expectError(
      await post(jobForm(metadata('x'), { checkpoint: ckpt23(), evil: new Uint8Array([1]) })),
      400,
      'unexpected_file',
    );
    await expectError(await post(jobForm(metadata('x'), { validation_set: vs23() })), 422, 'validation_set_invalid');
    const boundary = 'XyZ';
    await expectError(
      await post(`--${boundary}\r\nContent-Disposition: form-data; name="metadata"\r\n\r\n{}`, {
        'content-type': `multipart/form-data; boundary=${boundary}`,
      }),
      400,
      'invalid_multipart',
    );
    await expectError(
      await post('garbage', { 'content-type': `multipart/form-data; boundary=${boundary}` }),
      400,
      'invalid_multipart',
    );
    await expectError(await post('x', { 'content-type': 'multipart/form-data' }), 415, 'unsupported_media_type');
    expect(await jobCount()).toBe(before);
  });

  it('refuses every malicious or non-autoencoder checkpoint with 422 and records nothing', async () => {
    const before = await jobCount();
    const artifactsBefore = await db.artifact.count();
    const dir = path.join(FIXTURES, 'malicious');
    const names = fs.readdirSync(dir).filter((n) => !n.endsWith('.json'));
    expect(names.length).toBeGreaterThan(20);
    const codes: Record<string, string> = {};
    for (const n of names) {
      const res = await call('jobs', '/api/v1/training/jobs', {
        role: 'reviewer',
        body: jobForm(metadata(`evil-${n}`), { checkpoint: file(path.join(dir, n)) }),
      });
      const body = await expectError(res, 422);
      codes[n] = body.code;
    }
    expect(codes['torch-os-system.pth']).toBe('unsafe_pickle_global');
    expect(codes['not-autoencoder-cnn.pth']).toBe('not_an_autoencoder');
    expect(await jobCount()).toBe(before);
    expect(await db.artifact.count()).toBe(artifactsBefore);
  });

  it('refuses a validation set that does not parse or does not match the model input_dim', async () => {
    const before = await jobCount();
    const small = file(path.join(FIXTURES, 'ae-32-16.pth'));
    await expectError(
      await call('jobs', '/api/v1/training/jobs', {
        role: 'reviewer',
        body: jobForm(metadata('dim'), { checkpoint: small, validation_set: vs23() }),
      }),
      422,
      'validation_set_dimension_mismatch',
    );
    const junk = await call('jobs', '/api/v1/training/jobs', {
      role: 'reviewer',
      body: jobForm(metadata('junk'), {
        checkpoint: ckpt23(),
        validation_set: new TextEncoder().encode('not safetensors'),
      }),
    });
    await expectError(junk, 422);
    expect(await jobCount()).toBe(before);
    expect(await db.artifact.findUnique({ where: { sha256: sha(small) } })).toBeNull();
  });

  it('refuses oversize uploads with 413 (limit read at call time)', async () => {
    const before = await jobCount();
    process.env.DRAWBRIDGE_MAX_ARTIFACT_MB = '0.5';
    try {
      await expectError(
        await call('jobs', '/api/v1/training/jobs', {
          role: 'reviewer',
          body: jobForm(metadata('big'), { checkpoint: ckpt23() }),
        }),
        413,
        'artifact_too_large',
      );
      await expectError(
        await call('jobs', '/api/v1/training/jobs', {
          role: 'reviewer',
          body: 'x',
          headers: { 'content-type': 'multipart/form-data; boundary=b', 'content-length': String(10 * 1024 * 1024) },
        }),
        413,
        'payload_too_large',
      );
      const f = new FormData();
      f.set('checkpoint', new Blob([ckpt23()]), 'm.pth');
      await expectError(
        await call(
          'direct',
          '/api/v1/training/models/export/direct?age_group_min=2&age_group_max=3&export_format=onnx',
          { role: 'reviewer', body: f },
        ),
        413,
        'artifact_too_large',
      );
    } finally {
      delete process.env.DRAWBRIDGE_MAX_ARTIFACT_MB;
    }
    await expectError(
      await call('export', '/api/v1/training/models/export', {
        role: 'reviewer',
        method: 'POST',
        body: JSON.stringify({ pad: 'x'.repeat(1_100_000) }),
        headers: { 'content-type': 'application/json' },
      }),
      413,
      'payload_too_large',
    );
    expect(await jobCount()).toBe(before);
  });

  it('maps registry state conflicts to 409', async () => {
    const mk = async (meta: Record<string, unknown>) =>
      (await (await call('jobs', '/api/v1/training/jobs', { role: 'reviewer', json: meta })).json()).id as number;
    const exp = (id: number) =>
      call('export', '/api/v1/training/models/export', {
        role: 'reviewer',
        json: { training_job_id: id, age_group_min: 2, age_group_max: 3, export_format: 'onnx' },
      });
    await expectError(
      await exp(await mk(metadata('running', { status: 'running' }))),
      409,
      'training_job_not_completed',
    );
    await expectError(await exp(await mk(metadata('no-report', { report: null }))), 409, 'training_report_missing');
    await expectError(await exp(await mk(metadata('no-checkpoint'))), 409, 'checkpoint_missing');
  });
});
