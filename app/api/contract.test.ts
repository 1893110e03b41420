/**
 * Real responses match the contract (lib/api/contract) the OpenAPI document is generated from:
 * each body parses against the response schema the path table names for its route and status, and
 * carries no field the contract does not describe. One journey over the seeded app touches every
 * JSON response schema the review-and-deploy flow answers with.
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { CONTRACT_SCHEMAS, responseSchemaOf } from '@/lib/api/contract';
import type { Method } from '@/lib/api/contract/operation';
import { call, demoJobId, exportDemoJob, useSeededApi } from './test-harness';

useSeededApi();

/** Paths of `value` that no object schema in `schema` names (z.object strips them silently). */
function undescribed(schema: z.ZodType, value: unknown, at = '$'): string[] {
  const def = schema._zod.def as { type: string; [k: string]: unknown };
  const inner = (s: unknown) => undescribed(s as z.ZodType, value, at);
  switch (def.type) {
    case 'optional':
    case 'nullable':
    case 'default':
      return value === null || value === undefined ? [] : inner(def.innerType);
    case 'intersection':
      // A key either side names is described.
      return inner(def.left).filter((p) => inner(def.right).includes(p));
    case 'array':
      return Array.isArray(value)
        ? value.flatMap((v, i) => undescribed(def.element as z.ZodType, v, `${at}[${i}]`))
        : [];
    case 'object': {
      if (!value || typeof value !== 'object') return [];
      const shape = def.shape as Record<string, z.ZodType>;
      return Object.entries(value).flatMap(([k, v]) =>
        k in shape ? undescribed(shape[k], v, `${at}.${k}`) : [`${at}.${k}`],
      );
    }
    default:
      return [];
  }
}

/** Calls a route and holds its JSON body to the contract's schema for `method path` and the status. */
async function expectContract(method: Method, path: string, res: Promise<Response>, status = 200) {
  const r = await res;
  const body = await r.json();
  expect(r.status, JSON.stringify(body)).toBe(status);
  const schema = responseSchemaOf(method, path, status);
  const parsed = schema.safeParse(body);
  expect(parsed.error?.issues ?? [], `${method.toUpperCase()} ${path}`).toEqual([]);
  expect(undescribed(schema, body), `${method.toUpperCase()} ${path}: fields the contract does not describe`).toEqual(
    [],
  );
  return body;
}

describe('responses match the contract', () => {
  it('the review-and-deploy journey, listings and error bodies', async () => {
    const exported = (await exportDemoJob(['onnx'])).onnx;
    expect(responseSchemaOf('post', '/api/v1/training/models/export', 200).safeParse(exported).success).toBe(true);
    const model_id = exported.model_id;
    const jobId = await demoJobId();

    await expectContract('get', '/api/v1/me', call('me', '/api/v1/me', { role: 'viewer' }));
    await expectContract('get', '/api/v1/training/jobs', call('jobs', '/api/v1/training/jobs?page_size=2'));
    await expectContract('get', '/api/v1/training/jobs/{id}', call('job', '/x', { params: { id: String(jobId) } }));
    await expectContract('get', '/api/v1/training/models/exports', call('exports', '/api/v1/training/models/exports'));
    await expectContract(
      'post',
      '/api/v1/training/models/validate',
      call('validate', `/api/v1/training/models/validate?model_id=${model_id}`, { method: 'POST' }),
    );
    const detail = await expectContract(
      'get',
      '/api/v1/training/models/exports/{model_id}',
      call('exportOne', '/x', { params: { model_id } }),
    );
    expect(detail.validation_runs).toHaveLength(1);

    // Staging with one approval and no preview summary, so one admin approval deploys it.
    const policy = { required_approvals: 1, require_preview_summary: false };
    await expectContract(
      'put',
      '/api/v1/review-policies/{environment}',
      call('policy', '/x', { method: 'PUT', json: policy, params: { environment: 'staging' } }),
    );
    await expectContract('get', '/api/v1/review-policies', call('policies', '/api/v1/review-policies'));
    const request = { model_id, deployment_environment: 'staging', rationale: 'Contract check of the wire shapes' };
    const created = await expectContract(
      'post',
      '/api/v1/deployment-requests',
      call('requests', '/x', { role: 'reviewer', json: request }),
      201,
    );
    const id = created.request_id;
    const reviewed = await expectContract(
      'post',
      '/api/v1/deployment-requests/{id}/reviews',
      call('reviews', '/x', { json: { decision: 'approve', comment: 'Looks right' }, params: { id } }),
      201,
    );
    expect(reviewed.request.state).toBe('approved');
    const deployed = await expectContract(
      'post',
      '/api/v1/deployment-requests/{id}/deploy',
      call('requestDeploy', '/x', { role: 'deployer', method: 'POST', params: { id } }),
    );
    await expectContract('get', '/api/v1/deployment-requests/{id}', call('request', '/x', { params: { id } }));
    await expectContract(
      'get',
      '/api/v1/deployment-requests',
      call('requests', '/api/v1/deployment-requests?view=all'),
    );
    await expectContract(
      'get',
      '/api/v1/training/models/deployed',
      call('deployed', '/api/v1/training/models/deployed?include_inactive=true'),
    );
    const undeployed = call('undeploy', '/x', {
      role: 'deployer',
      method: 'POST',
      params: { id: String(deployed.deployment_id) },
    });
    await expectContract('post', '/api/v1/training/models/{id}/undeploy', undeployed);
    await expectContract('get', '/api/v1/audit', call('audit', '/api/v1/audit'));

    // The error bodies: a plain refusal and a 422 with its list of issues.
    const missing = await (await call('job', '/x', { params: { id: '2147483647' } })).json();
    expect(CONTRACT_SCHEMAS.Error.strict().safeParse(missing).success, JSON.stringify(missing)).toBe(true);
    const invalid = await call('requests', '/api/v1/deployment-requests?view=nobody');
    expect(invalid.status).toBe(422);
    expect(CONTRACT_SCHEMAS.ValidationError.strict().safeParse(await invalid.json()).success).toBe(true);
  }, 120_000);

  it('finds what a body has and its schema does not name, and a field of the wrong type', () => {
    const schema = responseSchemaOf('get', '/api/v1/training/models/deployed', 200);
    expect(undescribed(schema, [{ id: 1, extra: true }])).toEqual(['$[0].extra']);
    const job = CONTRACT_SCHEMAS.TrainingJob;
    expect(job.safeParse({ id: 'one' }).success).toBe(false);
  });
});
