// What every REST route does before its own work: authenticate (bearer token or session cookie),
// check the role, parse the body; refusals are stable codes, never a stack trace.
import { describe, expect, it } from 'vitest';
import type { Role } from '@/lib/auth/permissions';
import { call, db, expectError, useSeededApi } from './test-harness';

useSeededApi();

describe('authentication and permissions', () => {
  // [route, method, least role that may call it]
  const table: [string, string, Role][] = [
    ['jobs', 'GET', 'viewer'],
    ['jobs', 'POST', 'reviewer'],
    ['job', 'GET', 'viewer'],
    ['export', 'POST', 'reviewer'],
    ['direct', 'POST', 'reviewer'],
    ['exports', 'GET', 'viewer'],
    ['exportOne', 'GET', 'viewer'],
    ['download', 'GET', 'viewer'],
    ['validate', 'POST', 'reviewer'],
    ['deploy', 'POST', 'deployer'],
    ['deployed', 'GET', 'viewer'],
    ['undeploy', 'POST', 'deployer'],
    ['rollback', 'POST', 'deployer'],
    ['artifact', 'GET', 'viewer'],
    ['me', 'GET', 'viewer'],
    ['audit', 'GET', 'deployer'],
    ['requests', 'GET', 'viewer'],
    ['requests', 'POST', 'reviewer'],
    ['request', 'GET', 'viewer'],
    ['reviews', 'POST', 'reviewer'],
    ['requestDeploy', 'POST', 'deployer'],
    ['breakGlass', 'POST', 'admin'],
    ['withdraw', 'POST', 'reviewer'],
    ['submit', 'POST', 'reviewer'],
    ['policies', 'GET', 'viewer'],
    ['policy', 'PUT', 'admin'],
  ];
  const order: Role[] = ['viewer', 'reviewer', 'deployer', 'admin'];
  it.each(table)('%s %s: 401 without credentials, 403 below %s', async (route, method, least) => {
    const params = {
      id: '1',
      model_id: 'autoencoder_2.0_3.0_20000101_000000',
      sha256: '0'.repeat(64),
      environment: 'production',
    };
    await expectError(await call(route, '/x', { method, role: null, params }), 401, 'unauthenticated');
    await expectError(await call(route, '/x', { method, token: 'dbt_not-a-token', params }), 401, 'unauthenticated');
    for (const role of order.slice(0, order.indexOf(least))) {
      await expectError(await call(route, '/x', { method, role, params }), 403, 'forbidden');
    }
  });

  it('accepts the session cookie as well as a bearer token', async () => {
    const { createSession } = await import('@/lib/auth/sessions');
    const u = await db.user.findFirstOrThrow({ where: { role: 'viewer' } });
    const { token } = await createSession(db, u.id);
    const res = await call('me', '/api/v1/me', {
      role: null,
      headers: { cookie: `other=1; drawbridge_session=${token}` },
    });
    expect(await res.json()).toMatchObject({ role: 'viewer', via: 'session' });
  });
});

describe('bad input', () => {
  it('bad JSON, non-object JSON, missing fields, unsupported body types', async () => {
    const raw = (route: string, url: string, body: string, type = 'application/json') =>
      call(route, url, { role: 'admin', method: 'POST', body, headers: { 'content-type': type } });
    await expectError(
      await raw('export', '/api/v1/training/models/export', '{"training_job_id": 1,'),
      400,
      'invalid_json',
    );
    await expectError(await raw('deploy', '/api/v1/training/models/deploy', '[1,2]'), 400, 'invalid_json');
    await expectError(await raw('jobs', '/api/v1/training/jobs', 'nope'), 400, 'invalid_json');
    await expectError(
      await raw('rollback', '/api/v1/training/models/rollback', 'age_group_min=2', 'text/plain'),
      415,
      'unsupported_media_type',
    );
    await expectError(
      await raw('jobs', '/api/v1/training/jobs', 'job_name=x', 'application/x-www-form-urlencoded'),
      415,
      'unsupported_media_type',
    );

    const missing = await (
      await call('export', '/api/v1/training/models/export', { role: 'reviewer', json: {} })
    ).json();
    expect(missing.code).toBe('invalid_request');
    const locs = missing.detail.map((d: { loc: string[] }) => d.loc.join('.'));
    expect(locs).toEqual(expect.arrayContaining(['body.training_job_id', 'body.export_format']));
    const v = await (
      await call('validate', '/api/v1/training/models/validate', { role: 'reviewer', method: 'POST' })
    ).json();
    expect(v.detail[0].loc).toEqual(['body', 'model_id']);
    const dep = await (
      await call('deploy', '/api/v1/training/models/deploy', {
        role: 'deployer',
        json: { age_group_min: 2, age_group_max: 3 },
      })
    ).json();
    expect(dep.detail[0].loc).toEqual(['body', 'model_export_path']);
    await expectError(await call('exports', '/api/v1/training/models/exports?page=abc', { role: 'viewer' }), 422);
    await expectError(await call('job', '/x', { role: 'viewer', params: { id: 'abc' } }), 422);
    await expectError(
      await call('job', '/x', { role: 'viewer', params: { id: '99999' } }),
      404,
      'training_job_not_found',
    );
    await expectError(
      await call('exportOne', '/x', { role: 'viewer', params: { model_id: 'nope' } }),
      404,
      'model_not_found',
    );
    await expectError(
      await call('validate', '/api/v1/training/models/validate?model_id=nope', { role: 'reviewer', method: 'POST' }),
      404,
      'model_not_found',
    );
    await expectError(
      await call('export', '/api/v1/training/models/export', {
        role: 'reviewer',
        json: { training_job_id: 99999, age_group_min: 2, age_group_max: 3, export_format: 'onnx' },
      }),
      404,
      'training_job_not_found',
    );
  });
});
