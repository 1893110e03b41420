import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testTargets, type TestTarget } from '../db/test-databases';
import { verifyAuditChain } from './audit-chain';
import { getHomeSituation } from './home';
import { awaitingReviewIds } from './listings';
import { getModelCard } from './model-card';
import { listNotifications } from './notifications';
import { seedDemoScene, type SceneResult } from './seed-demo-scene';
import { openTestRegistry } from './test-registry';

// PGlite only: the scene is ~60 registry calls (seconds of CPU), and every one of them is already
// tested on PostgreSQL too by its own module's tests; a second run here would only cost suite time.
describe.each(testTargets().filter((t) => t === 'pglite'))('the lived-in demo scene on %s', (target: TestTarget) => {
  let r: Awaited<ReturnType<typeof openTestRegistry>>;
  let first: SceneResult;

  beforeAll(async () => {
    r = await openTestRegistry(target);
    first = await seedDemoScene(r.db, r.store);
    console.log(`demo scene on ${target}: ${JSON.stringify(first)}`);
  }, 120_000);
  afterAll(async () => r?.cleanup());

  it('serves most age groups in production, one in staging, and leaves gaps to see', async () => {
    const active = await r.db.ageGroupModel.findMany({
      where: { isActive: true },
      orderBy: [{ environment: 'asc' }, { ageMin: 'asc' }],
      include: { modelExport: { select: { exportFormat: true } } },
    });
    const ranges = (env: string) =>
      active.filter((d) => d.environment === env).map((d) => `${d.ageMin}-${d.ageMax} ${d.modelExport.exportFormat}`);
    expect(ranges('production')).toEqual([
      '2-3 onnx',
      '3-4 safetensors',
      '4-5 onnx',
      '6-7 pytorch',
      '7-8 onnx',
      '8-9 onnx',
    ]);
    expect(ranges('staging')).toEqual(['5-6 onnx']);
    const formats = await r.db.modelExport.groupBy({ by: ['exportFormat'], _count: { _all: true } });
    expect(formats.map((f) => f.exportFormat).sort()).toEqual(['onnx', 'pickle', 'pytorch', 'safetensors']);
    // Every export was validated, and every run passed.
    const runs = await r.db.validationRun.findMany({ select: { modelExportId: true, isValid: true } });
    expect(new Set(runs.map((x) => x.modelExportId)).size).toBe(await r.db.modelExport.count());
    expect(runs.every((x) => x.isValid)).toBe(true);
    // The production models carry a real model card, each section filled in.
    const card = await getModelCard(
      r.db,
      active.find((d) => d.ageMin === 4 && d.environment === 'production')!.modelExportId,
    );
    for (const h of ['## Intended use', '## Training data', '## Evaluation', '## Limitations'])
      expect(card?.markdown).toContain(h);
    expect(card?.markdown).toContain('ages 4–5');
  });

  it('has a rollback in the history: 7–8 v2 replaced v1 with a backup, then v1 came back', async () => {
    const history = await r.db.ageGroupModel.findMany({
      where: { environment: 'production', ageMin: 7, ageMax: 8 },
      orderBy: { id: 'asc' },
      include: { modelExport: { select: { exportFormat: true } } },
    });
    expect(history.map((d) => `${d.modelExport.exportFormat} ${d.status}`)).toEqual(['onnx active', 'pytorch retired']);
    expect(history[1].replacedId).toBe(history[0].id);
    const rollback = await r.db.auditEvent.findFirstOrThrow({ where: { action: 'model.rollback' } });
    expect(rollback.actorLabel).toContain('Dana Deployer');
  });

  it('awaits Remy on one open request and Dana on one approved request, with real reviews', async () => {
    const remy = r.actor('reviewer');
    const awaiting = await awaitingReviewIds(r.db, remy);
    expect(awaiting).toHaveLength(1);
    const open = await r.db.deploymentRequest.findUniqueOrThrow({
      where: { id: awaiting[0] },
      include: { requester: true, reviews: { include: { reviewer: true } } },
    });
    expect([open.state, open.environment, open.ageGroupMin, open.requester.name]).toEqual([
      'open',
      'production',
      5,
      'Ada Admin',
    ]);
    expect(open.reviews.map((v) => `${v.reviewer.name} ${v.decision}`)).toEqual(['Dana Deployer approve']);
    expect(await awaitingReviewIds(r.db, r.actor('deployer'))).toEqual([]);

    const approved = await r.db.deploymentRequest.findMany({
      where: { state: 'approved' },
      include: { reviews: { include: { reviewer: true } } },
    });
    expect(approved.map((a) => `${a.environment} ${a.ageGroupMin}-${a.ageGroupMax}`)).toEqual(['production 9-12']);
    expect(approved[0].reviews.map((v) => v.reviewer.name).sort()).toEqual(['Ada Admin', 'Dana Deployer']);
    // Each approval carries the reviewer's preview summary, verified by the server.
    const reviews = await r.db.review.findMany();
    expect(reviews.length).toBeGreaterThanOrEqual(15);
    expect(reviews.every((v) => (v.previewSummary as { verified?: boolean } | null)?.verified === true)).toBe(true);
  });

  it('leaves comments with a mention, notifications and an audit chain that verifies', async () => {
    const remy = r.actor('reviewer');
    const mentionedRemy = await r.db.comment.count({ where: { mentions: { has: remy.id } } });
    expect(mentionedRemy).toBe(2);
    const inbox = await listNotifications(r.db, remy, { view: 'all' });
    expect(inbox.notifications.map((n) => n.kind)).toEqual(expect.arrayContaining(['comment.mention']));
    const chain = await verifyAuditChain(r.db);
    expect(chain.intact).toBe(true);
    expect(chain.events).toBeGreaterThan(80);
    const actions = new Set((await r.db.auditEvent.findMany({ select: { action: true } })).map((e) => e.action));
    for (const a of [
      'model.export',
      'model.validate',
      'review.create',
      'model.deploy',
      'model.rollback',
      'comment.create',
    ])
      expect(actions).toContain(a);
  });

  // The home page's data over the scene (here, so the scene is seeded once for both).
  it('home: the coverage, and what awaits each role with its links', async () => {
    const remy = await getHomeSituation(r.db, r.actor('reviewer'));
    expect(remy.coverage.production.map((d) => `${d.ageMin}-${d.ageMax}`)).toEqual([
      '2-3',
      '3-4',
      '4-5',
      '6-7',
      '7-8',
      '8-9',
    ]);
    expect(remy.coverage.staging.map((d) => d.modelExport.exportFormat)).toEqual(['onnx']);
    expect(
      remy.todo.reviews!.map((q) => `${q.environment} ${q.ageGroupMin}-${q.ageGroupMax} ${q.requester.name}`),
    ).toEqual(['production 5-6 Ada Admin']);
    expect(remy.todo.deploys).toBeNull(); // a reviewer does not deploy
    expect(remy.todo.webhooks).toBeNull();
    expect(remy.todo.inbox.items.some((n) => n.kind === 'comment.mention' && n.href?.startsWith('/reviews/'))).toBe(
      true,
    );

    const dana = await getHomeSituation(r.db, r.actor('deployer'));
    expect(dana.todo.reviews).toEqual([]);
    expect(dana.todo.deploys!.map((q) => `${q.ageGroupMin}-${q.ageGroupMax}`)).toEqual(['9-12']);
    // The scene ends with Remy's note on the 2–3 pickle export's page.
    expect(dana.activity[0]).toMatchObject({ who: 'Remy Reviewer', did: 'commented on' });
    expect(dana.activity[0].subject?.href).toMatch(/^\/models\/autoencoder_2\.0_3\.0_/);
    expect(dana.activity.map((a) => `${a.who} ${a.did}`)).toContain('Dana Deployer approved');

    const vera = await getHomeSituation(r.db, r.actor('viewer'));
    expect([vera.todo.reviews, vera.todo.deploys, vera.todo.webhooks]).toEqual([null, null, null]);
    expect(vera.coverage.production).toHaveLength(6);
    // No audit rows for a viewer: deployments and exports only, each linking its model.
    expect(
      vera.activity.every((a) => /^(deployed to|exported)/.test(a.did) && a.subject?.href.startsWith('/models/')),
    ).toBe(true);
    const ada = await getHomeSituation(r.db, r.actor('admin'));
    expect(ada.todo.webhooks).toEqual([]);
  });

  it('adds nothing when seeded again', async () => {
    const events = await r.db.auditEvent.count();
    const again = await seedDemoScene(r.db, r.store);
    expect([again.exports, again.deployments, again.requests]).toEqual([0, 0, 0]);
    expect(await r.db.auditEvent.count()).toBe(events);
    expect(first.exports).toBe(10);
  });
});
