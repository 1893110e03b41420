/**
 * Issue 16: concurrent deploys to one age range answer one 200 and otherwise 409s with a code,
 * never 500, on PostgreSQL (several connections, real serialization failures) and on PGlite.
 * Issue 12: concurrent deploys of one approved request deploy it once (its claim), and nothing lapses.
 * The deploys go through the real route handlers (Request → Response) over a real database and
 * artifact store; every contender is a real export of its own small training job.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor, Role } from '../auth/permissions';
import { createApiToken } from '../auth/sessions';
import type { OpenedDatabase } from '../db';
import { openTestDatabase, testTargets, type TestTarget } from '../db/test-databases';
import { FsArtifactStore } from '../storage/fs-store';
import { writeTorchCheckpoint } from '../formats/torch-write';
import { randomAutoencoder } from '../formats/test-support/autoencoders';
import { exportModelFromTrainingJob } from './exports';
import { createDeploymentRequest, reviewRequest } from './requests';
import { DEPLOY_CLAIM_TTL_MS } from './requests/deploy-request';
import { registerTrainingJob } from './training-jobs';
import { conflictCounters } from './transactions';
import { validateExportedModel } from './validate';

type Handler = (req: Request, ctx: { params: Promise<Record<string, string>> }) => Promise<Response>;
type Route = Record<string, Handler>;

const RACERS = 50;
const REASON = 'Race test: the current 2–3 model is down and approvers are offline tonight.';
const AGES = { age_group_min: 2, age_group_max: 3 };

/** The four ways a deploy reaches the registry over HTTP, used in turn by the racers. */
const KINDS = ['request-deploy', 'config-deploy', 'request-break-glass', 'config-break-glass'] as const;
type Kind = (typeof KINDS)[number];

/** A fresh database and store with a reviewer, an admin and a deployer (no demo seed: the racers bring their own jobs). */
async function openRaceRegistry(target: TestTarget) {
  const t = await openTestDatabase(target);
  const storeDir = fs.mkdtempSync(path.join(os.tmpdir(), 'drawbridge-race-'));
  const users = {} as Record<Role, Actor>;
  for (const role of ['reviewer', 'admin', 'deployer'] as const) {
    const u = await t.db.user.create({
      data: { email: `${role}@race.test`, name: `Race ${role}`, role, passwordHash: 'not-a-login' },
    });
    users[role] = { id: u.id, email: u.email, name: u.name, role, via: 'session' };
  }
  return {
    ...t,
    store: new FsArtifactStore(storeDir),
    actor: (role: Role) => users[role],
    async cleanup() {
      await t.cleanup();
      fs.rmSync(storeDir, { recursive: true, force: true });
    },
  };
}

type RaceRegistry = Awaited<ReturnType<typeof openRaceRegistry>>;

/** The demo's 2–3 validation set, catalogued in the race's store. */
async function putValidationSet(r: RaceRegistry) {
  const bytes = new Uint8Array(
    fs.readFileSync(path.join(import.meta.dirname, '..', '..', 'prisma', 'demo', 'age-2-3.validation.safetensors')),
  );
  return {
    ...(await r.store.put(bytes)),
    mediaType: 'application/x-safetensors',
    originalName: 'age-2-3.validation.safetensors',
  };
}

/**
 * A small training run of its own (a real torch zip checkpoint of an 832-[16] autoencoder from
 * `seed`, on the 2–3 validation set), registered and exported as safetensors for ages 2–3.
 */
async function exportSmallRun(
  r: RaceRegistry,
  jobName: string,
  seed: number,
  validationSet: Awaited<ReturnType<typeof putValidationSet>>,
) {
  const ckpt = writeTorchCheckpoint(randomAutoencoder(832, [16], seed), { race: seed });
  const checkpoint = {
    ...(await r.store.put(ckpt)),
    mediaType: 'application/x-pytorch-checkpoint',
    originalName: `${jobName}.pth`,
  };
  const job = await registerTrainingJob(r.db, r.actor('reviewer'), {
    jobName,
    configParameters: { input_dim: 832, hidden_dims: [16], age_group_min: 2, age_group_max: 3 },
    checkpoint,
    validationSet,
    report: { finalLoss: 0.01, metricsSummary: {} },
  });
  return exportModelFromTrainingJob(r.db, r.store, r.actor('reviewer'), {
    trainingJobId: job.id,
    exportFormat: 'safetensors',
    ageGroupMin: 2,
    ageGroupMax: 3,
  });
}

const g = globalThis as unknown as { __drawbridgeDb?: Promise<OpenedDatabase>; __drawbridgeStore?: unknown };

describe.each(testTargets())(`%s: ${RACERS} concurrent deploys to one age range`, (target) => {
  let r: Awaited<ReturnType<typeof openRaceRegistry>>;
  let routes: { requestDeploy: Route; breakGlass: Route; deploy: Route };
  const tokens = {} as Record<Role, string>;
  const racers: { kind: Kind; modelId: string; requestId: string | null }[] = [];

  beforeAll(async () => {
    const t0 = Date.now();
    r = await openRaceRegistry(target);
    // The route handlers resolve the process's database and store: point them at this one.
    g.__drawbridgeDb = Promise.resolve({ db: r.db, adapter: r.adapter, close: async () => {} });
    g.__drawbridgeStore = r.store;
    routes = {
      requestDeploy: await import('@/app/api/v1/deployment-requests/[id]/deploy/route'),
      breakGlass: await import('@/app/api/v1/deployment-requests/[id]/break-glass/route'),
      deploy: await import('@/app/api/v1/training/models/deploy/route'),
    } as unknown as typeof routes;
    for (const role of ['deployer', 'admin'] as const)
      tokens[role] = (await createApiToken(r.db, r.actor(role), 'race')).token;
    await r.db.reviewPolicy.create({
      data: { environment: 'production', requiredApprovals: 1, requirePreviewSummary: false },
    });
    // Each contender is its own small training run (a real torch zip checkpoint of an 832-[16]
    // autoencoder, the demo's 2–3 validation set): real exports that stay cheap to validate, with
    // no sibling exports of one source to cross-check.
    const validationSet = await putValidationSet(r);
    const prepare = async (i: number) => {
      const kind = KINDS[i % KINDS.length];
      const exp = await exportSmallRun(r, `race-2-3-${i}`, 1000 + i, validationSet);
      let requestId: string | null = null;
      if (kind !== 'config-break-glass') {
        // Every tenth deploy validates again before activating; the rest race straight to the transaction.
        const req = await createDeploymentRequest(r.db, r.actor('reviewer'), {
          modelId: exp.modelId,
          environment: 'production',
          validateBeforeDeployment: i % 10 === 0,
          rationale: `Race contender ${i} for ages 2–3.`,
        });
        requestId = req.id;
        if (kind === 'request-deploy' || kind === 'config-deploy') {
          const v = await validateExportedModel(r.db, r.store, r.actor('reviewer'), exp.modelId);
          expect(v.errors).toEqual([]);
          await reviewRequest(r.db, r.actor('admin'), req.id, { decision: 'approve', comment: 'ok' });
        }
      }
      racers[i] = { kind, modelId: exp.modelId, requestId };
    };
    // The first alone: it catalogues the shared validation set, which concurrent job registrations
    // would race to insert (registerTrainingJob's upsert is not atomic under concurrency).
    await prepare(0);
    for (let i = 1; i < RACERS; i += 5)
      await Promise.all([0, 1, 2, 3, 4].filter((k) => i + k < RACERS).map((k) => prepare(i + k)));
    const states = await r.db.deploymentRequest.groupBy({ by: ['state'], _count: true });
    console.log(
      `[deploy-race ${target}] setup ${Date.now() - t0} ms: ${RACERS} exports, requests ${JSON.stringify(Object.fromEntries(states.map((s) => [s.state, s._count])))}`,
    );
  }, 240_000);

  afterAll(async () => {
    g.__drawbridgeDb = undefined;
    g.__drawbridgeStore = undefined;
    await r?.cleanup();
  });

  const post = (handler: Handler, role: Role, json: unknown, params: Record<string, string> = {}) =>
    handler(
      new Request('http://test/api', {
        method: 'POST',
        headers: { authorization: `Bearer ${tokens[role]}`, 'content-type': 'application/json' },
        body: JSON.stringify(json),
      }),
      { params: Promise.resolve(params) },
    );

  function deploy(x: (typeof racers)[number]): Promise<Response> {
    switch (x.kind) {
      case 'request-deploy':
        return post(routes.requestDeploy.POST, 'deployer', {}, { id: x.requestId! });
      case 'config-deploy':
        return post(routes.deploy.POST, 'deployer', { model_id: x.modelId, ...AGES });
      case 'request-break-glass':
        return post(routes.breakGlass.POST, 'admin', { reason: REASON }, { id: x.requestId! });
      case 'config-break-glass':
        return post(routes.deploy.POST, 'admin', { model_id: x.modelId, ...AGES, break_glass_reason: REASON });
    }
  }

  it('answers exactly one 200 and 409s with a code, and leaves exactly one active model', async () => {
    const before = structuredClone(conflictCounters);
    const t0 = Date.now();
    const answers = await Promise.all(
      racers.map(async (x) => {
        const res = await deploy(x);
        return { ...x, status: res.status, body: (await res.json()) as Record<string, unknown> };
      }),
    );
    const ms = Date.now() - t0;
    const byStatus: Record<string, number> = {};
    const byCode: Record<string, number> = {};
    for (const a of answers) {
      byStatus[a.status] = (byStatus[a.status] ?? 0) + 1;
      if (a.status !== 200) byCode[String(a.body.code)] = (byCode[String(a.body.code)] ?? 0) + 1;
    }
    const retried = Object.fromEntries(
      Object.entries(conflictCounters.retried).map(([k, v]) => [
        k,
        v - before.retried[k as keyof typeof before.retried],
      ]),
    );
    console.log(
      `[deploy-race ${target}] ${RACERS} deploys in ${ms} ms: status ${JSON.stringify(byStatus)}, codes ${JSON.stringify(byCode)}, ` +
        `retried ${JSON.stringify(retried)}, exhausted ${conflictCounters.exhausted - before.exhausted}`,
    );

    const others = answers.filter((a) => a.status !== 200);
    expect(byStatus['200']).toBe(1);
    expect(others).toHaveLength(RACERS - 1);
    for (const a of others) {
      expect({ kind: a.kind, status: a.status, code: a.body.code }).toMatchObject({
        status: 409,
        code: expect.stringMatching(/^(active_model_exists|deploy_conflict)$/),
      });
      expect(typeof a.body.detail).toBe('string');
      expect(a.body.detail as string).not.toMatch(/\n\s+at |node_modules|\.ts:\d+/);
    }

    const winner = answers.find((a) => a.status === 200)!;
    const active = await r.db.ageGroupModel.findMany({
      where: { environment: 'production', ageMin: 2, ageMax: 3, isActive: true },
      include: { modelExport: true },
    });
    expect(active).toHaveLength(1);
    expect(active[0].modelExport.modelId).toBe(winner.modelId);
    expect(active[0].id).toBe(winner.body.deployment_id);
    // Nothing but the winner became a deployment row at all.
    expect(await r.db.ageGroupModel.count()).toBe(1);
    const deployed = await r.db.deploymentRequest.findMany({ where: { state: 'deployed' } });
    expect(deployed.map((d) => d.id)).toEqual([winner.body.request_id]);
    // A lost race (deploy_conflict) leaves an approved request approved, ready to retry.
    for (const a of others.filter((x) => x.body.code === 'deploy_conflict' && x.kind.endsWith('-deploy'))) {
      expect((await r.db.deploymentRequest.findUniqueOrThrow({ where: { id: a.requestId! } })).state).toBe('approved');
    }
  }, 120_000);
});

const SAME_REQUEST_RACERS = 20;

describe.each(testTargets())(`%s: ${SAME_REQUEST_RACERS} concurrent deploys of one approved request`, (target) => {
  let r: Awaited<ReturnType<typeof openRaceRegistry>>;
  let requestDeploy: Route;
  let token: string;
  let requestId: string;

  beforeAll(async () => {
    r = await openRaceRegistry(target);
    g.__drawbridgeDb = Promise.resolve({ db: r.db, adapter: r.adapter, close: async () => {} });
    g.__drawbridgeStore = r.store;
    requestDeploy = (await import('@/app/api/v1/deployment-requests/[id]/deploy/route')) as unknown as Route;
    token = (await createApiToken(r.db, r.actor('deployer'), 'race')).token;
    await r.db.reviewPolicy.create({
      data: { environment: 'production', requiredApprovals: 1, requirePreviewSummary: false },
    });
    const exp = await exportSmallRun(r, 'one-request-2-3', 7, await putValidationSet(r));
    // "Validate again" on: the winner writes a new (passing) run, which must lapse nothing.
    const req = await createDeploymentRequest(r.db, r.actor('reviewer'), {
      modelId: exp.modelId,
      environment: 'production',
      validateBeforeDeployment: true,
      rationale: 'One request, deployed by a double click (or twenty).',
    });
    requestId = req.id;
    expect((await validateExportedModel(r.db, r.store, r.actor('reviewer'), exp.modelId)).errors).toEqual([]);
    await reviewRequest(r.db, r.actor('admin'), req.id, { decision: 'approve', comment: 'ok' });
  }, 120_000);

  afterAll(async () => {
    g.__drawbridgeDb = undefined;
    g.__drawbridgeStore = undefined;
    await r?.cleanup();
  });

  it('deploys once: the others answer 409 deploy_in_progress or the same deployment; nothing lapses', async () => {
    const t0 = Date.now();
    const answers = await Promise.all(
      Array.from({ length: SAME_REQUEST_RACERS }, async () => {
        const res = await requestDeploy.POST(
          new Request('http://test/api', {
            method: 'POST',
            headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
            body: '{}',
          }),
          { params: Promise.resolve({ id: requestId }) },
        );
        return { status: res.status, body: (await res.json()) as Record<string, unknown> };
      }),
    );
    const tally: Record<string, number> = {};
    for (const a of answers) {
      const k = a.status === 200 ? '200' : `${a.status} ${String(a.body.code)}`;
      tally[k] = (tally[k] ?? 0) + 1;
    }
    console.log(
      `[deploy-race ${target}] ${SAME_REQUEST_RACERS} deploys of one request in ${Date.now() - t0} ms: ${JSON.stringify(tally)}`,
    );

    const made = await r.db.ageGroupModel.findMany({ where: { requestId } });
    expect(made).toHaveLength(1);
    const ok = answers.filter((a) => a.status === 200);
    expect(ok.length).toBeGreaterThanOrEqual(1);
    for (const a of ok) expect(a.body).toMatchObject({ deployment_id: made[0].id, request_id: requestId });
    for (const a of answers.filter((x) => x.status !== 200))
      expect({ status: a.status, code: a.body.code }).toEqual({ status: 409, code: 'deploy_in_progress' });
    const req = await r.db.deploymentRequest.findUniqueOrThrow({ where: { id: requestId } });
    expect(req).toMatchObject({ state: 'deployed', deployClaimToken: null, deployClaimedAt: null });
    expect(await r.db.review.count({ where: { requestId, lapsedAt: { not: null } } })).toBe(0);
    expect(await r.db.auditEvent.count({ where: { action: 'request.deploy', subjectId: requestId } })).toBe(1);
    expect(await r.db.auditEvent.count({ where: { action: 'request.lapse', subjectId: requestId } })).toBe(0);

    // Once deployed, another deploy answers the same deployment (200), changing nothing.
    const again = await requestDeploy.POST(
      new Request('http://test/api', { method: 'POST', headers: { authorization: `Bearer ${token}` } }),
      { params: Promise.resolve({ id: requestId }) },
    );
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ deployment_id: made[0].id, database_updated: false });
    expect(await r.db.ageGroupModel.count()).toBe(1);
  }, 120_000);

  it('a stale claim (a crashed deploy) expires; a live one answers deploy_in_progress', async () => {
    const exp = await r.db.modelExport.findFirstOrThrow();
    const req = await createDeploymentRequest(r.db, r.actor('reviewer'), {
      modelId: exp.modelId,
      environment: 'staging',
      validateBeforeDeployment: false,
      rationale: 'The same export, for staging.',
    });
    await r.db.reviewPolicy.create({
      data: { environment: 'staging', requiredApprovals: 1, requirePreviewSummary: false },
    });
    await reviewRequest(r.db, r.actor('admin'), req.id, { decision: 'approve', comment: 'ok' });
    const post = () =>
      requestDeploy.POST(
        new Request('http://test/api', { method: 'POST', headers: { authorization: `Bearer ${token}` } }),
        { params: Promise.resolve({ id: req.id }) },
      );
    await r.db.deploymentRequest.update({
      where: { id: req.id },
      data: { deployClaimedAt: new Date(), deployClaimToken: 'held-by-a-live-deploy' },
    });
    const busy = await post();
    expect(busy.status).toBe(409);
    expect(await busy.json()).toMatchObject({ code: 'deploy_in_progress' });
    await r.db.deploymentRequest.update({
      where: { id: req.id },
      data: { deployClaimedAt: new Date(Date.now() - DEPLOY_CLAIM_TTL_MS - 1000), deployClaimToken: 'crashed' },
    });
    const res = await post();
    expect(res.status).toBe(200);
    expect(await r.db.deploymentRequest.findUniqueOrThrow({ where: { id: req.id } })).toMatchObject({
      state: 'deployed',
      deployClaimToken: null,
    });
  }, 60_000);
});
