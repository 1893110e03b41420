// The pure parts of remote mode and error printing: request building and reading the server's errors.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ZodError, z } from 'zod';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ModelDeploymentError } from '../lib/formats/errors';
import { UsageError } from './args';
import { describeError, failureText, remoteError } from './output';
import { main } from './main';
import { API, buildUrl, deployBody, jobPushForm, requestCreateBody, reviewBodyOf, rollbackBody } from './remote';

describe('remote request building', () => {
  it('joins the server URL, a path prefix and the query parameters that are set', () => {
    expect(
      buildUrl('http://localhost:3000', API.deployed, { environment: 'production', include_inactive: undefined }).href,
    ).toBe('http://localhost:3000/api/v1/training/models/deployed?environment=production');
    expect(
      buildUrl('https://ml.example/drawbridge/', API.validate, { model_id: 'autoencoder_2.0_3.0_20261127_071000' })
        .href,
    ).toBe(
      'https://ml.example/drawbridge/api/v1/training/models/validate?model_id=autoencoder_2.0_3.0_20261127_071000',
    );
    expect(buildUrl('http://h', API.download('autoencoder_2.0_3.0_20261127_071000')).pathname).toBe(
      '/api/v1/training/models/exports/autoencoder_2.0_3.0_20261127_071000/download',
    );
    expect(() => buildUrl('localhost:3000', '/x')).toThrow(UsageError);
    expect(() => buildUrl('file:///etc/passwd', '/x')).toThrow(/http/);
  });

  it('builds the deployment config and rollback bodies in the API’s snake_case', () => {
    expect(
      deployBody({
        path: 'exports/models/m.onnx',
        ageGroupMin: 2,
        ageGroupMax: 3,
        replace: true,
        validate: false,
        backup: true,
        environment: 'staging',
      }),
    ).toEqual({
      model_export_path: 'exports/models/m.onnx',
      age_group_min: 2,
      age_group_max: 3,
      replace_existing: true,
      validate_before_deployment: false,
      backup_existing: true,
      deployment_environment: 'staging',
    });
    expect(
      deployBody({
        modelId: 'm',
        ageGroupMin: 2,
        ageGroupMax: 3,
        replace: false,
        validate: true,
        backup: true,
        environment: 'production',
      }),
    ).not.toHaveProperty('model_export_path');
    expect(rollbackBody({ ageGroupMin: 9, ageGroupMax: 12, environment: 'production' })).toEqual({
      age_group_min: 9,
      age_group_max: 12,
      deployment_environment: 'production',
    });
  });

  it('sends a job as multipart: metadata JSON and the files under their names', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'drawbridge-form-'));
    const ckpt = path.join(dir, 'model.pth');
    fs.writeFileSync(ckpt, Buffer.from([1, 2, 3]));
    try {
      const upload = await jobPushForm(
        { job_name: 'j', status: 'completed', report: { final_loss: 0.1 }, dataset_path: undefined },
        { checkpoint: ckpt },
      );
      let counted = 0;
      const chunks: Uint8Array[] = [];
      for await (const c of upload.body((n) => (counted += n))) chunks.push(c);
      const bytes = Buffer.concat(chunks);
      // The declared Content-Length is exact, and the progress count covers every byte.
      expect(bytes.length).toBe(upload.contentLength);
      expect(counted).toBe(upload.contentLength);
      // undici's own multipart parser (independent of ours) reads the same form.
      const form = await new Response(bytes, { headers: { 'content-type': upload.contentType } }).formData();
      expect(JSON.parse(form.get('metadata') as string)).toEqual({
        job_name: 'j',
        status: 'completed',
        report: { final_loss: 0.1 },
      });
      const file = form.get('checkpoint') as File;
      expect(file.name).toBe('model.pth');
      expect(new Uint8Array(await file.arrayBuffer())).toEqual(new Uint8Array([1, 2, 3]));
      expect(form.has('validation_set')).toBe(false);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('error printing', () => {
  it('reads the server’s {detail, code} answers, string or field list', () => {
    const a = remoteError(409, 'Conflict', {
      detail: 'Ages 2–3 in production are already served by m (deployment 1)',
      code: 'active_model_exists',
    });
    expect(failureText(describeError(a))).toBe(
      'drawbridge: Ages 2–3 in production are already served by m (deployment 1) (active_model_exists)\nAdd --replace to replace it (the replaced deployment is kept as a backup for "drawbridge rollback").\n',
    );
    const b = remoteError(422, 'Unprocessable Entity', {
      code: 'invalid_request',
      detail: [
        { loc: ['body', 'age_group_max'], msg: 'age_group_max must be greater than age_group_min', type: 'custom' },
        { loc: ['body', 'deployment_environment'], msg: 'Invalid option', type: 'invalid_value' },
      ],
    });
    expect(b.message).toBe(
      'age_group_max: age_group_max must be greater than age_group_min; deployment_environment: Invalid option',
    );
    expect(describeError(b)).toMatchObject({ code: 'invalid_request', exitCode: 1 });
    const c = remoteError(502, 'Bad Gateway', null);
    expect(c.message).toBe('the server answered 502 Bad Gateway');
    expect(remoteError(401, 'Unauthorized', { detail: 'Sign in to continue.', code: 'unauthenticated' }).hint).toMatch(
      /--token/,
    );
  });

  it('prints local errors as message and code, usage errors with exit 2, never a stack', () => {
    expect(describeError(new ModelDeploymentError('no_backup', 'There is no backup.'))).toEqual({
      message: 'There is no backup.',
      code: 'no_backup',
      exitCode: 1,
      hint: undefined,
    });
    const zod = (() => {
      try {
        z.object({ age_group_min: z.number().min(2) }).parse({ age_group_min: 1 });
      } catch (e) {
        return e as ZodError;
      }
      throw new Error('unreachable');
    })();
    expect(describeError(zod)).toMatchObject({
      code: 'invalid_request',
      exitCode: 1,
      message: expect.stringMatching(/^age_group_min: /),
    });
    expect(describeError(new UsageError('deploy needs --min', 'deploy'))).toMatchObject({
      exitCode: 2,
      hint: 'Run "drawbridge deploy --help" for usage.',
    });
    const internal = new Error('connection refused\n    at Socket.x (net.js:1:1)');
    expect(failureText(describeError(internal))).not.toContain('\n    at');
  });
});

describe('review workflow over --server', () => {
  afterEach(() => vi.unstubAllGlobals());

  /** Runs the CLI against a stubbed server; returns what it sent and the exit status. */
  async function run(argv: string[], answer: { status?: number; body: unknown }) {
    const sent: { method: string; url: string; body: unknown }[] = [];
    vi.stubGlobal('fetch', async (url: URL, init: RequestInit) => {
      sent.push({
        method: init.method ?? 'GET',
        url: String(url),
        body: typeof init.body === 'string' ? JSON.parse(init.body) : (init.body ?? null),
      });
      return new Response(JSON.stringify(answer.body), {
        status: answer.status ?? 200,
        headers: { 'content-type': 'application/json' },
      });
    });
    const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const code = await main([...argv, '--server', 'http://h', '--token', 'dbt_x', '--json']);
      return { code, sent, stderr: err.mock.calls.map((c) => String(c[0])).join('') };
    } finally {
      out.mockRestore();
      err.mockRestore();
    }
  }

  it('sends each command to its route with the API’s snake_case body', async () => {
    const r1 = await run(
      [
        'requests',
        'create',
        'autoencoder_2.0_3.0_20261127_071000',
        '--env',
        'staging',
        '--replace',
        '--no-validate',
        '--draft',
        '--rationale',
        'Nightly retrain',
      ],
      { body: {} },
    );
    expect(r1.sent).toEqual([
      {
        method: 'POST',
        url: 'http://h/api/v1/deployment-requests',
        body: {
          model_id: 'autoencoder_2.0_3.0_20261127_071000',
          deployment_environment: 'staging',
          replace_existing: true,
          backup_existing: true,
          validate_before_deployment: false,
          rationale: 'Nightly retrain',
          submit: false,
        },
      },
    ]);
    const r2 = await run(['requests', 'list', '--awaiting', '--env', 'production'], { body: { requests: [] } });
    expect(r2.sent[0]).toMatchObject({
      method: 'GET',
      url: 'http://h/api/v1/deployment-requests?environment=production&view=awaiting',
    });
    const r3 = await run(['review', 'req1', '--request-changes', '--comment', 'Re-export with opset 17'], { body: {} });
    expect(r3.sent[0]).toEqual({
      method: 'POST',
      url: 'http://h/api/v1/deployment-requests/req1/reviews',
      body: { decision: 'request_changes', comment: 'Re-export with opset 17' },
    });
    expect((await run(['requests', 'deploy', 'req1'], { body: {} })).sent[0]).toMatchObject({
      method: 'POST',
      url: 'http://h/api/v1/deployment-requests/req1/deploy',
    });
    const bg = await run(['requests', 'deploy', 'req1', '--break-glass', 'Incident 4711, approvers are offline'], {
      body: {},
    });
    expect(bg.sent[0]).toEqual({
      method: 'POST',
      url: 'http://h/api/v1/deployment-requests/req1/break-glass',
      body: { reason: 'Incident 4711, approvers are offline' },
    });
    expect((await run(['requests', 'withdraw', 'req1'], { body: {} })).sent[0]).toMatchObject({
      method: 'POST',
      url: 'http://h/api/v1/deployment-requests/req1/withdraw',
    });
    const pol = await run(['policy', 'set', '--env', 'staging', '--approvals', '1', '--no-preview'], { body: {} });
    expect(pol.sent[0]).toEqual({
      method: 'PUT',
      url: 'http://h/api/v1/review-policies/staging',
      body: { required_approvals: 1, require_preview_summary: false },
    });
    const dep = await run(
      [
        'deploy',
        'autoencoder_2.0_3.0_20261127_071000',
        '--min',
        '2',
        '--max',
        '3',
        '--break-glass',
        'Incident 4711, approvers are offline',
      ],
      { body: {} },
    );
    expect(dep.sent[0].body).toMatchObject({
      model_id: 'autoencoder_2.0_3.0_20261127_071000',
      break_glass_reason: 'Incident 4711, approvers are offline',
    });
  });

  it('turns approval_required into the "requests create" line to run', async () => {
    const r = await run(
      [
        'deploy',
        '--path',
        'exports/models/autoencoder_2.0_3.0_20261127_071000.onnx',
        '--min',
        '2',
        '--max',
        '3',
        '--env',
        'staging',
        '--replace',
      ],
      {
        status: 409,
        body: {
          code: 'approval_required',
          detail: 'No approved deployment request deploys autoencoder_2.0_3.0_20261127_071000 to staging',
        },
      },
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('(approval_required)');
    expect(r.stderr).toContain(
      'drawbridge requests create autoencoder_2.0_3.0_20261127_071000 --env staging --replace --rationale "why"',
    );
  });

  it('builds request and review bodies', () => {
    expect(
      requestCreateBody({
        modelId: 'm',
        environment: 'production',
        rationale: 'r',
        replace: false,
        backup: true,
        validate: true,
        draft: false,
      }),
    ).toMatchObject({ submit: true, replace_existing: false });
    expect(reviewBodyOf({ decision: 'approve', previewSummary: { samples: 1 } })).toEqual({
      decision: 'approve',
      preview_summary: { samples: 1 },
    });
    expect(API.request('a/b')).toBe('/api/v1/deployment-requests/a%2Fb');
  });
});
