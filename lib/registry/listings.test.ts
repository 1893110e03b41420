import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor, Role } from '../auth/permissions';
import { openTestDatabase, testTargets, type TestTarget } from '../db/test-databases';
import { listRequestPage } from './listings';
import { REQUEST_STATES, type RequestState } from './review-state';

/** The list pages in SQL: past 500 rows (where the old in-memory list stopped) total and order still hold. */

const ROWS = 630;
const SHA = 'a'.repeat(64);
const OTHER_SHA = 'b'.repeat(64);
const ORDER: RequestState[] = ['open', 'approved', 'draft', 'failed', 'rejected', 'withdrawn', 'deployed'];

describe.each(testTargets())('request list paging on %s', (target: TestTarget) => {
  let t: Awaited<ReturnType<typeof openTestDatabase>>;
  const actors: Record<'remy' | 'rita' | 'ada', Actor> = {} as never;
  type Row = { id: string; state: RequestState; requesterId: string; createdAt: Date };
  let rows: Row[] = [];
  let reviewedByRita = new Set<string>();

  beforeAll(async () => {
    t = await openTestDatabase(target);
    const people: [keyof typeof actors, Role][] = [
      ['remy', 'reviewer'],
      ['rita', 'reviewer'],
      ['ada', 'admin'],
    ];
    for (const [name, role] of people) {
      const u = await t.db.user.create({ data: { email: `${name}@paging.test`, name, role, passwordHash: 'x' } });
      actors[name] = { id: u.id, email: u.email, name: u.name, role, via: 'session' };
    }
    await t.db.artifact.create({ data: { sha256: SHA, sizeBytes: 1n, mediaType: 'application/octet-stream' } });
    const exp = await t.db.modelExport.create({
      data: {
        modelId: 'autoencoder_2.0_3.0_20261201_000000',
        modelVersion: '1.0.0',
        architectureHash: 'h',
        parameterCount: 1,
        inputDimension: 832,
        outputDimension: 832,
        ageGroupMin: 2,
        ageGroupMax: 3,
        compatibilityVersion: '1.0',
        exportFormat: 'onnx',
        fileSizeBytes: 1n,
        checksum: SHA,
        architecture: { input_dim: 832, hidden_dims: [64] },
      },
    });
    // Every state, two requesters (Remy's drafts are hidden from Rita), distinct creation times.
    const t0 = Date.UTC(2026, 0, 1);
    const data = Array.from({ length: ROWS }, (_, i) => ({
      modelExportId: exp.id,
      requesterId: i % 3 === 0 ? actors.ada.id : actors.remy.id,
      state: REQUEST_STATES[i % REQUEST_STATES.length],
      ageGroupMin: 2,
      ageGroupMax: 3,
      artifactSha256: SHA,
      createdAt: new Date(t0 + i * 1000),
    }));
    await t.db.$transaction([t.db.deploymentRequest.createMany({ data })]);
    rows = await t.db.deploymentRequest.findMany({
      select: { id: true, state: true, requesterId: true, createdAt: true },
    });
    // Rita's current reviews take 40 open requests off her "awaiting" list; 10 on other bytes do not.
    const open = rows.filter((r) => r.state === 'open');
    reviewedByRita = new Set(open.slice(0, 40).map((r) => r.id));
    await t.db.review.createMany({
      data: open.slice(0, 50).map((r, i) => ({
        requestId: r.id,
        reviewerId: actors.rita.id,
        decision: 'request_changes' as const,
        comment: 'why',
        artifactSha256: i < 40 ? SHA : OTHER_SHA,
      })),
    });
  }, 120_000);
  afterAll(async () => t?.cleanup());

  const expected = (visible: (r: Row) => boolean) =>
    rows
      .filter(visible)
      .sort((a, b) => ORDER.indexOf(a.state) - ORDER.indexOf(b.state) || b.createdAt.getTime() - a.createdAt.getTime())
      .map((r) => r.id);

  it('totals and pages past 500 in SQL, open ones first, newest first within a state', async () => {
    const want = expected((r) => r.state !== 'draft' || r.requesterId === actors.rita.id);
    expect(want.length).toBeGreaterThan(500);
    const seen: string[] = [];
    for (let page = 1; seen.length < want.length; page++) {
      const p = await listRequestPage(t.db, actors.rita, {}, { page, pageSize: 100 });
      expect(p.total).toBe(want.length);
      expect(p.items.length).toBe(Math.min(100, want.length - seen.length));
      seen.push(...p.items.map((i) => i.id));
    }
    expect(seen).toEqual(want);
    const past = await listRequestPage(t.db, actors.rita, {}, { page: 7, pageSize: 100 });
    expect(past).toMatchObject({ total: want.length, items: [] });
  });

  it('the last page holds the rest; drafts count for their requester and admins only', async () => {
    const asAdmin = expected(() => true);
    const last = Math.ceil(asAdmin.length / 25);
    const p = await listRequestPage(t.db, actors.ada, {}, { page: last, pageSize: 25 });
    expect(p).toMatchObject({ total: ROWS, page: last, pageSize: 25 });
    expect(p.items.map((i) => i.id)).toEqual(asAdmin.slice((last - 1) * 25));
    const remy = expected((r) => r.state !== 'draft' || r.requesterId === actors.remy.id);
    expect((await listRequestPage(t.db, actors.remy, {}, { pageSize: 1 })).total).toBe(remy.length);
  });

  it('filters (state, mine, awaiting) count in SQL too', async () => {
    const deployed = await listRequestPage(t.db, actors.rita, { state: 'deployed' }, { pageSize: 10 });
    expect(deployed.total).toBe(rows.filter((r) => r.state === 'deployed').length);
    expect(deployed.items.every((i) => i.state === 'deployed')).toBe(true);
    const mine = await listRequestPage(t.db, actors.remy, { view: 'mine' }, { pageSize: 10 });
    expect(mine.total).toBe(rows.filter((r) => r.requesterId === actors.remy.id).length);
    const awaiting = expected((r) => r.state === 'open' && !reviewedByRita.has(r.id));
    const a = await listRequestPage(t.db, actors.rita, { view: 'awaiting' }, { page: 2, pageSize: 20 });
    expect(a.total).toBe(awaiting.length);
    expect(a.items.map((i) => i.id)).toEqual(awaiting.slice(20, 40));
    expect(a.items.every((i) => i.awaitingMe)).toBe(true);
  });
});
