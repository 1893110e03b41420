// The model card over REST: GET shows the template while empty, reviewers+ PUT versions, a stale
// base_version answers 409 naming the latest, viewers read but may not write, limits are 413/422.
import { beforeAll, describe, expect, it } from 'vitest';
import { responseSchemaOf } from '@/lib/api/contract';
import { modelCardResponse } from '@/lib/api/contract/model-cards';
import { call, expectError, exportDemoJob, useSeededApi } from './test-harness';

useSeededApi();

const PATH = '/api/v1/training/models/exports/{model_id}/card';

describe('model card API', () => {
  let modelId: string;
  const url = () => `/api/v1/training/models/exports/${modelId}/card`;
  const put = (json: unknown, role: 'viewer' | 'reviewer' | 'deployer' = 'reviewer') =>
    call('card', url(), { method: 'PUT', role, json, params: { model_id: modelId } });
  const get = (role: 'viewer' | 'reviewer' = 'viewer') => call('card', url(), { role, params: { model_id: modelId } });

  beforeAll(async () => {
    modelId = (await exportDemoJob(['onnx'])).onnx.model_id;
  });

  it('offers the four-section template while the export has no card', async () => {
    const res = await get();
    expect(res.status).toBe(200);
    const body = modelCardResponse.parse(await res.json());
    expect(responseSchemaOf('get', PATH, 200)).toBe(modelCardResponse);
    expect(body).toMatchObject({ model_id: modelId, markdown: null, version: 0, history: [], max_characters: 20_000 });
    for (const h of ['Intended use', 'Training data', 'Evaluation', 'Limitations']) {
      expect(body.template).toContain(`## ${h}`);
    }
  });

  it('saves versions on top of the latest, and refuses a stale one with 409 naming the latest', async () => {
    const v1 = await put({ markdown: '## Intended use\n\nScreening.', base_version: 0 });
    expect(v1.status).toBe(200);
    expect(responseSchemaOf('put', PATH, 200).parse(await v1.json())).toMatchObject({ version: 1 });
    const v2 = await put({ markdown: '## Intended use\n\nScreening 2–3.', base_version: 1 }, 'deployer');
    expect(await v2.json()).toMatchObject({ version: 2, markdown: '## Intended use\n\nScreening 2–3.' });
    const stale = await expectError(await put({ markdown: 'mine', base_version: 1 }), 409, 'model_card_conflict');
    expect(stale.detail).toContain('version 2');
    const read = (await (await get()).json()) as { version: number; history: { version: number }[] };
    expect(read.version).toBe(2);
    expect(read.history.map((v) => v.version)).toEqual([2, 1]);
  });

  it('lets viewers read but not write, and names every bad body', async () => {
    await expectError(await put({ markdown: '# x' }, 'viewer'), 403, 'forbidden');
    await expectError(await put({ markdown: 'x'.repeat(20_001) }), 413, 'model_card_too_large');
    await expectError(await put({ markdown: '   ' }), 422, 'invalid_request');
    await expectError(await put({ base_version: 2 }), 422, 'invalid_request');
    await expectError(await put({ markdown: '# x', base_version: -1 }), 422, 'invalid_request');
    const missing = await call('card', '/api/v1/training/models/exports/autoencoder_2.0_3.0_20000101_000000/card', {
      method: 'PUT',
      role: 'reviewer',
      json: { markdown: '# x' },
      params: { model_id: 'autoencoder_2.0_3.0_20000101_000000' },
    });
    await expectError(missing, 404, 'model_not_found');
    expect((await (await get()).json()).version).toBe(2);
  });
});
