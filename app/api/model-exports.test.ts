// Model exports over the REST API: export from the seeded demo job in every format, export directly
// from an upload, list, validate, download; and a direct export refused before it is catalogued.
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  call,
  db,
  DEMO,
  demoJobId,
  expectError,
  file,
  FIXTURES,
  g0,
  REASON,
  sha,
  store,
  useSeededApi,
  journeyState,
} from './test-harness';

useSeededApi();

describe('REST API journey', () => {
  const s = journeyState();

  beforeAll(async () => {
    s.jobId = await demoJobId();
  });

  it('exports the job in every format (query string and JSON body)', async () => {
    for (const fmt of ['onnx', 'pytorch', 'pickle', 'safetensors']) {
      const res =
        fmt === 'onnx'
          ? await call(
              'export',
              `/api/v1/training/models/export?training_job_id=${s.jobId}&age_group_min=2&age_group_max=3&export_format=onnx`,
              { role: 'reviewer', method: 'POST' },
            )
          : await call('export', '/api/v1/training/models/export', {
              role: 'reviewer',
              json: { training_job_id: s.jobId, age_group_min: 2, age_group_max: 3, export_format: fmt },
            });
      expect(res.status).toBe(200);
      const d = await res.json();
      // The original's 16 fields, plus age_range_override (null: exported for the job's own ages).
      expect(Object.keys(d)).toHaveLength(17);
      expect(d.age_range_override).toBeNull();
      expect(d).toMatchObject({
        training_job_id: s.jobId,
        export_format: fmt,
        input_dimension: 832,
        age_group_min: 2,
        age_group_max: 3,
      });
      s.exports[fmt] = d;
    }
  });

  it('exports directly from an uploaded checkpoint (training_job_id 0)', async () => {
    const f = new FormData();
    f.set('checkpoint', new Blob([file(path.join(DEMO, 'age-3-4.pth'))]), 'model.pth');
    f.set(
      'model_info',
      JSON.stringify({
        model_architecture: { input_dim: 832, hidden_dims: [128, 64] },
        training_metrics: { final_loss: 0.001 },
      }),
    );
    f.set('age_group_min', '3');
    f.set('age_group_max', '4');
    f.set('export_format', 'safetensors');
    const res = await call('direct', '/api/v1/training/models/export/direct', { role: 'reviewer', body: f });
    expect(res.status).toBe(200);
    const d = await res.json();
    expect(d).toMatchObject({
      training_job_id: 0,
      export_format: 'safetensors',
      training_metrics: { final_loss: 0.001 },
    });
    s.exports.direct = d;
    // Nothing deploys without an approved request.
    const config = { model_id: d.model_id, age_group_min: 3, age_group_max: 4, validate_before_deployment: 'false' };
    const dep = await call('deploy', '/api/v1/training/models/deploy', { role: 'deployer', json: config });
    const refused = await expectError(dep, 409, 'approval_required');
    expect(refused.detail).toContain('POST /api/v1/deployment-requests');
    // Even an admin's break-glass: without a training job there is no validation set, so no threshold from data.
    await expectError(
      await call('deploy', '/api/v1/training/models/deploy', {
        role: 'admin',
        json: { ...config, break_glass_reason: REASON },
      }),
      409,
      'validation_set_missing',
    );
  });

  it('lists exports newest first with filters and paging', async () => {
    const res = await call('exports', '/api/v1/training/models/exports?age_group_min=2&page_size=2', {
      role: 'viewer',
    });
    expect(res.status).toBe(200);
    const l = await res.json();
    expect(l).toMatchObject({ total: 4, page: 1, page_size: 2 });
    expect(l.exports.map((e: { model_id: string }) => e.model_id)).toEqual([
      s.exports.safetensors.model_id,
      s.exports.pickle.model_id,
    ]);
    const direct = await (
      await call('exports', '/api/v1/training/models/exports?training_job_id=0', { role: 'viewer' })
    ).json();
    expect(direct.exports.map((e: { model_id: string }) => e.model_id)).toEqual([s.exports.direct.model_id]);
    const onnx = await (
      await call('exports', '/api/v1/training/models/exports?export_format=onnx', { role: 'viewer' })
    ).json();
    expect(onnx.exports.every((e: { export_format: string }) => e.export_format === 'onnx')).toBe(true);
  });

  it('validates an export and shows the run on its detail', async () => {
    const id = s.exports.onnx.model_id;
    const res = await call('validate', `/api/v1/training/models/validate?model_id=${id}`, {
      role: 'reviewer',
      method: 'POST',
    });
    expect(res.status).toBe(200);
    const v = await res.json();
    expect(v).toMatchObject({ is_valid: true, errors: [] });
    expect(v.integrity_checks).toMatchObject({ checksum_verified: true, parsed: true });
    const detail = await (
      await call('exportOne', `/api/v1/training/models/exports/${id}`, { role: 'viewer', params: { model_id: id } })
    ).json();
    expect(detail).toMatchObject({
      model_id: id,
      export_path: `exports/models/${id}.onnx`,
      download_url: `/api/v1/training/models/exports/${id}/download`,
      validation_runs: [{ id: v.validation_run_id, is_valid: true }],
    });
    s.exports.onnx.export_path = detail.export_path;
  });

  it('downloads exports and artifacts with ETag, 304, Range and 416', async () => {
    const e = s.exports.onnx;
    const bytes = await store.get(e.checksum);
    const dl = await call('download', `/x`, { role: 'viewer', params: { model_id: e.model_id } });
    expect(dl.status).toBe(200);
    expect(dl.headers.get('content-disposition')).toBe(`attachment; filename="${e.model_id}.onnx"`);
    expect(dl.headers.get('etag')).toBe(`"${e.checksum}"`);
    const got = new Uint8Array(await dl.arrayBuffer());
    expect(sha(got)).toBe(e.checksum);

    const a = (headers: Record<string, string> = {}, hash = e.checksum) =>
      call('artifact', `/api/v1/artifacts/${hash}`, { role: 'viewer', headers, params: { sha256: hash } });
    const full = await a();
    expect(full.status).toBe(200);
    expect(Object.fromEntries(full.headers)).toMatchObject({
      etag: `"${e.checksum}"`,
      'cache-control': 'private, max-age=31536000, immutable, no-transform',
      'accept-ranges': 'bytes',
      'content-length': String(bytes.byteLength),
      'content-type': 'application/onnx',
      'x-content-type-options': 'nosniff',
    });
    expect(sha(new Uint8Array(await full.arrayBuffer()))).toBe(e.checksum);
    const notModified = await a({ 'if-none-match': `W/"x", "${e.checksum}"` });
    expect(notModified.status).toBe(304);
    expect(await notModified.text()).toBe('');
    const part = await a({ range: 'bytes=10-19' });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 10-19/${bytes.byteLength}`);
    expect(part.headers.get('content-length')).toBe('10');
    expect(new Uint8Array(await part.arrayBuffer())).toEqual(bytes.subarray(10, 20));
    const suffix = await a({ range: 'bytes=-5' });
    expect(new Uint8Array(await suffix.arrayBuffer())).toEqual(bytes.subarray(bytes.byteLength - 5));
    const bad = await a({ range: `bytes=${bytes.byteLength}-` });
    expect(bad.status).toBe(416);
    expect(bad.headers.get('content-range')).toBe(`bytes */${bytes.byteLength}`);
    expect((await a({ range: 'bytes=0-1, 4-5' })).status).toBe(200);
    // The uploaded checkpoint keeps the media type it was catalogued with.
    const ck = await a({}, g0.files.checkpoint.sha256);
    expect(ck.headers.get('content-type')).toBe('application/x-pytorch-checkpoint');
    await ck.arrayBuffer();
    for (const h of ['0'.repeat(64), 'abc', '../../etc/passwd', 'E'.repeat(64)])
      await expectError(await a({}, h), 404, 'artifact_not_found');
    await expectError(
      await call('download', '/x', { role: 'viewer', params: { model_id: 'autoencoder_2.0_3.0_20000101_000000' } }),
      404,
      'model_not_found',
    );
  });
});

describe('bad input', () => {
  it('refuses a direct export whose model_info contradicts the weights, before cataloguing the upload', async () => {
    const small = file(path.join(FIXTURES, 'ae-32-16.pth'));
    const form = (info: string) => {
      const f = new FormData();
      f.set('checkpoint', new Blob([small]), 'm.pth');
      f.set('model_info', info);
      return f;
    };
    const url = '/api/v1/training/models/export/direct?age_group_min=2&age_group_max=3&export_format=onnx';
    await expectError(
      await call('direct', url, { role: 'reviewer', body: form('{"input_dim": 64}') }),
      422,
      'architecture_mismatch',
    );
    await expectError(
      await call('direct', url, { role: 'reviewer', body: form('{"model_architecture": "x"}') }),
      422,
      'invalid_request',
    );
    await expectError(await call('direct', url, { role: 'reviewer', body: form('[') }), 400, 'invalid_json');
    const noFile = new FormData();
    noFile.set('model_info', '{}');
    await expectError(await call('direct', url, { role: 'reviewer', body: noFile }), 422, 'invalid_request');
    const f = form('{}');
    await expectError(
      await call(
        'direct',
        '/api/v1/training/models/export/direct?age_group_min=2&age_group_max=3&export_format=tflite',
        { role: 'reviewer', body: f },
      ),
      422,
      'invalid_request',
    );
    expect(await db.artifact.findUnique({ where: { sha256: sha(small) } })).toBeNull();
  });
});
