import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testTargets, type TestTarget } from '../db/test-databases';
import { EXPORT_SORTS, listExportedModels, type ExportSort } from './export-list';
import { exportModelDirect } from './exports';
import { deployThroughReview, exportDemoJob, openTestRegistry } from './test-registry';

type Row = {
  id: string;
  modelId: string;
  job: string | null;
  ageGroupMin: number;
  ageGroupMax: number;
  exportFormat: string;
  size: number;
  params: number;
  at: number;
};

/**
 * The order each sort promises, written out over plain rows: each pair is one order and its exact
 * reverse, ties broken by the later columns in the same direction and finally by id.
 */
const cmp = (x: number | string, y: number | string) => (x < y ? -1 : x > y ? 1 : 0);
const FORMAT_ORDER = ['onnx', 'pytorch', 'pickle', 'safetensors']; // the enum's declaration order
const up: Record<'exported' | 'age' | 'size' | 'params' | 'name', (a: Row, b: Row) => number> = {
  exported: (a, b) => a.at - b.at || cmp(a.id, b.id),
  age: (a, b) => a.ageGroupMin - b.ageGroupMin || a.ageGroupMax - b.ageGroupMax || a.at - b.at || cmp(a.id, b.id),
  size: (a, b) => a.size - b.size || a.at - b.at || cmp(a.id, b.id),
  params: (a, b) => a.params - b.params || a.at - b.at || cmp(a.id, b.id),
  // SQL puts a missing job name (a direct export) last ascending and first descending.
  name: (a, b) =>
    (a.job === null ? 1 : 0) - (b.job === null ? 1 : 0) ||
    cmp(a.job ?? '', b.job ?? '') ||
    a.ageGroupMin - b.ageGroupMin ||
    FORMAT_ORDER.indexOf(a.exportFormat) - FORMAT_ORDER.indexOf(b.exportFormat) ||
    a.at - b.at ||
    cmp(a.id, b.id),
};
const down = (c: (a: Row, b: Row) => number) => (a: Row, b: Row) => c(b, a);
const EXPECTED: Record<ExportSort, (a: Row, b: Row) => number> = {
  newest: down(up.exported),
  oldest: up.exported,
  age: up.age,
  'age-desc': down(up.age),
  size: down(up.size),
  'size-asc': up.size,
  params: down(up.params),
  'params-asc': up.params,
  name: up.name,
  'name-desc': down(up.name),
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
      id: e.id,
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
    expect(past).toMatchObject({ total: 5, totalExact: true, page: 5, pageSize: 2, nextCursor: null });
    const last = await listExportedModels(r.db, r.actor('viewer'), { page: 3, pageSize: 2 });
    expect(last.exports).toHaveLength(1);
    expect(last.nextCursor).toBeNull();
    expect(last.prevCursor).not.toBeNull();
    const none = await listExportedModels(r.db, r.actor('viewer'), { environment: 'staging', exportFormat: 'onnx' });
    expect(none).toMatchObject({ total: 0, nextCursor: null, prevCursor: null });
  });

  it.each(EXPORT_SORTS)('%s: next_cursor walks every row once in order, prev_cursor walks back', async (sort) => {
    const expected = [...rows].sort(EXPECTED[sort]).map((x) => x.modelId);
    const pages: string[][] = [];
    let page = await listExportedModels(r.db, r.actor('viewer'), { sort, pageSize: 2 });
    expect(page.prevCursor).toBeNull();
    for (;;) {
      pages.push(page.exports.map((e) => e.modelId));
      if (!page.nextCursor) break;
      page = await listExportedModels(r.db, r.actor('viewer'), { sort, pageSize: 2, cursor: page.nextCursor });
    }
    expect(pages.flat()).toEqual(expected);
    expect(pages.map((p) => p.length)).toEqual([2, 2, 1]);
    // Back from the last page: the same pages, newest page last, and no previous one before the first.
    for (let i = pages.length - 2; i >= 0; i--) {
      page = await listExportedModels(r.db, r.actor('viewer'), { sort, pageSize: 2, cursor: page.prevCursor! });
      expect(page.exports.map((e) => e.modelId)).toEqual(pages[i]);
    }
    expect(page.prevCursor).toBeNull();
    expect(page.nextCursor).not.toBeNull();
  });

  it('refuses a cursor from another sort or an edited one, saying to start over', async () => {
    const { nextCursor } = await listExportedModels(r.db, r.actor('viewer'), { sort: 'size', pageSize: 2 });
    for (const cursor of [nextCursor!, 'not-a-cursor', Buffer.from('["newest",0,1]').toString('base64url')]) {
      await expect(
        listExportedModels(r.db, r.actor('viewer'), { sort: 'newest', pageSize: 2, cursor }),
      ).rejects.toMatchObject({ code: 'invalid_request', details: { field: 'cursor' } });
    }
  });
});
