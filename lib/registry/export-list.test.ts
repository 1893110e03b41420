import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testTargets, type TestTarget } from '../db/test-databases';
import { EXPORT_SORTS, listExportedModels, type ExportSort } from './export-list';
import { exportModelDirect } from './exports';
import { deployThroughReview, exportDemoJob, openTestRegistry } from './test-registry';

type Row = {
  modelId: string;
  job: string | null;
  ageGroupMin: number;
  ageGroupMax: number;
  exportFormat: string;
  size: number;
  params: number;
  at: number;
};

/** The order each sort promises, written out over plain rows (ties: newest first). */
const cmp = (x: number | string, y: number | string) => (x < y ? -1 : x > y ? 1 : 0);
const EXPECTED: Record<ExportSort, (a: Row, b: Row) => number> = {
  newest: (a, b) => b.at - a.at,
  oldest: (a, b) => a.at - b.at,
  age: (a, b) => a.ageGroupMin - b.ageGroupMin || a.ageGroupMax - b.ageGroupMax || b.at - a.at,
  'age-desc': (a, b) => b.ageGroupMin - a.ageGroupMin || b.ageGroupMax - a.ageGroupMax || b.at - a.at,
  size: (a, b) => b.size - a.size || b.at - a.at,
  'size-asc': (a, b) => a.size - b.size || b.at - a.at,
  params: (a, b) => b.params - a.params || b.at - a.at,
  'params-asc': (a, b) => a.params - b.params || b.at - a.at,
  // SQL puts a missing job name (a direct export) last ascending and first descending.
  name: (a, b) =>
    (a.job === null ? 1 : 0) - (b.job === null ? 1 : 0) ||
    cmp(a.job ?? '', b.job ?? '') ||
    a.ageGroupMin - b.ageGroupMin ||
    cmp(a.exportFormat, b.exportFormat) ||
    b.at - a.at,
  'name-desc': (a, b) =>
    (b.job === null ? 1 : 0) - (a.job === null ? 1 : 0) ||
    cmp(b.job ?? '', a.job ?? '') ||
    b.ageGroupMin - a.ageGroupMin ||
    cmp(b.exportFormat, a.exportFormat) ||
    b.at - a.at,
};

describe.each(testTargets())('the models list on %s', (target: TestTarget) => {
  let r: Awaited<ReturnType<typeof openTestRegistry>>;
  const ids: Record<string, string> = {};
  let rows: Row[] = [];

  beforeAll(async () => {
    r = await openTestRegistry(target);
    ids.prod = (await exportDemoJob(r, 2, 3, 'onnx')).modelId;
    ids.staging = (await exportDemoJob(r, 3, 4, 'safetensors')).modelId;
    ids.candidate = (await exportDemoJob(r, 4, 5, 'pytorch')).modelId;
    ids.other = (await exportDemoJob(r, 2, 3, 'pickle')).modelId;
    const small = await r.store.put(
      fs.readFileSync(path.join(import.meta.dirname, '..', 'formats', 'fixtures', 'ae-32-16.pth')),
    );
    const direct = await exportModelDirect(r.db, r.store, r.actor('reviewer'), {
      checkpointSha256: small.sha256,
      ageGroupMin: 6,
      ageGroupMax: 7,
      exportFormat: 'onnx',
    });
    ids.direct = direct.modelId;
    await deployThroughReview(r, { model_id: ids.prod, age_group_min: 2, age_group_max: 3 });
    await deployThroughReview(r, {
      model_id: ids.staging,
      age_group_min: 3,
      age_group_max: 4,
      deployment_environment: 'staging',
    });
    const all = await r.db.modelExport.findMany({ include: { trainingJob: { select: { jobName: true } } } });
    rows = all.map((e) => ({
      modelId: e.modelId,
      job: e.trainingJob?.jobName ?? null,
      ageGroupMin: e.ageGroupMin,
      ageGroupMax: e.ageGroupMax,
      exportFormat: e.exportFormat,
      size: Number(e.fileSizeBytes),
      params: e.parameterCount,
      at: e.exportTimestamp.getTime(),
    }));
  }, 120_000);
  afterAll(async () => r?.cleanup());

  const list = async (f: Parameters<typeof listExportedModels>[2]) =>
    (await listExportedModels(r.db, r.actor('viewer'), f)).exports.map((e) => e.modelId);

  it('filters by environment: production, staging, candidate (active in neither)', async () => {
    expect(await list({ environment: 'production' })).toEqual([ids.prod]);
    expect(await list({ environment: 'staging' })).toEqual([ids.staging]);
    expect((await list({ environment: 'candidate' })).sort()).toEqual([ids.candidate, ids.other, ids.direct].sort());
    // Composes with the other filters rather than replacing them.
    expect(await list({ environment: 'candidate', exportFormat: 'pickle' })).toEqual([ids.other]);
    const listed = await listExportedModels(r.db, r.actor('viewer'), { environment: 'production' });
    expect(listed.exports[0].deployments).toEqual([{ environment: 'production' }]);
    expect(listed.exports[0].trainingJob?.jobName).toBe('autoencoder-age-2-3-2026-11');
  });

  it.each(EXPORT_SORTS)('sorts by %s', async (sort) => {
    expect(new Set(rows.map((x) => x.params)).size).toBeGreaterThan(1);
    expect(await list({ sort })).toEqual([...rows].sort(EXPECTED[sort]).map((x) => x.modelId));
  });

  it('a page past the end reports the real total and page count', async () => {
    const past = await listExportedModels(r.db, r.actor('viewer'), { page: 5, pageSize: 2 });
    expect(past.exports).toEqual([]);
    expect(past).toMatchObject({ total: 5, page: 5, pages: 3, pageSize: 2 });
    const last = await listExportedModels(r.db, r.actor('viewer'), { page: 3, pageSize: 2 });
    expect(last.exports).toHaveLength(1);
    const none = await listExportedModels(r.db, r.actor('viewer'), { environment: 'staging', exportFormat: 'onnx' });
    expect(none).toMatchObject({ total: 0, pages: 1 });
  });
});
