/**
 * The process crash-consistency.test.ts kills with SIGKILL. Run with `node --import tsx`, one JSON
 * argument. It opens the embedded database and the artifact store as a server would after a crash,
 * runs the start-up sweep (grace 0) and prints what it finds ("verify {…}"), then, unless the mode
 * is "verify", carries out one operation through the registry functions, announcing each step on
 * stdout ("step NAME") so the parent can kill it exactly there or a random moment after.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Actor } from '../auth/permissions';
import { openDatabase, type Db } from '../db';
import { randomAutoencoder } from '../formats/test-support/autoencoders';
import { writeTorchCheckpoint } from '../formats/torch-write';
import { FsArtifactStore } from '../storage/fs-store';
import { collectGarbage, referencedHashes } from './artifact-gc';
import { SYSTEM_ACTOR } from './audit';
import { verifyAuditChain } from './audit-chain';
import { exportModelFromTrainingJob } from './exports';
import { createDeploymentRequest, deployFromRequest, reviewRequest, withdrawRequest } from './requests';
import { registerTrainingJob } from './training-jobs';
import { validateExportedModel } from './validate';

export type ChildArgs = {
  root: string;
  mode: 'verify' | 'upload' | 'export' | 'deploy';
  seed: number;
  /** deploy: the two exports it alternates between; export: the job to export. */
  models?: [string, string];
  jobId?: number;
  ages: [number, number];
  /** upload: wait at this step until killed, so a kill "between write and record" cannot land after the record. */
  holdAt?: 'stored';
};

export type VerifyReport = {
  swept: number;
  tempSwept: number;
  referenced: number;
  unverified: string[];
  missing: string[];
  orphansLeft: string[];
  tempLeft: string[];
  active: { modelId: string; ageMin: number; ageMax: number; environment: string }[];
  jobs: number;
  exports: number;
  /** null when the audit hash chain verifies; else the first broken link (`reason at event id`). */
  auditChain: string | null;
};

const step = (name: string, detail?: unknown) =>
  process.stdout.write(`step ${name}${detail === undefined ? '' : ` ${JSON.stringify(detail)}`}\n`);

async function verify(db: Db, store: FsArtifactStore): Promise<VerifyReport> {
  const gc = await collectGarbage(db, store, SYSTEM_ACTOR, { graceMinutes: 0, apply: true });
  const refs = await referencedHashes(db);
  const unverified: string[] = [];
  for (const h of refs) {
    try {
      await store.verify(h);
    } catch {
      unverified.push(h);
    }
  }
  const stored: string[] = [];
  for await (const o of store.list()) stored.push(o.sha256);
  const active = await db.ageGroupModel.findMany({
    where: { isActive: true },
    include: { modelExport: { select: { modelId: true } } },
  });
  return {
    swept: gc.deleted.length,
    tempSwept: gc.tempFiles,
    referenced: refs.size,
    unverified,
    missing: gc.missing,
    orphansLeft: stored.filter((h) => !refs.has(h)),
    tempLeft: fs.existsSync(path.join(store.root, 'tmp')) ? fs.readdirSync(path.join(store.root, 'tmp')) : [],
    active: active.map((a) => ({
      modelId: a.modelExport.modelId,
      ageMin: a.ageMin,
      ageMax: a.ageMax,
      environment: a.environment,
    })),
    jobs: await db.trainingJob.count(),
    exports: await db.modelExport.count(),
    auditChain: await verifyAuditChain(db).then((c) =>
      c.broken ? `${c.broken.reason} at event ${c.broken.eventId}` : null,
    ),
  };
}

async function actorFor(db: Db, role: 'reviewer' | 'admin' | 'deployer'): Promise<Actor> {
  const u = await db.user.findFirstOrThrow({ where: { role }, orderBy: { email: 'asc' } });
  return { id: u.id, email: u.email, name: u.name, role, via: 'session' };
}

/** At most 1 MiB each 5 ms, as from a network client: the write lasts long enough to be killed inside. */
async function* chunks(bytes: Uint8Array, size: number) {
  for (let i = 0; i < bytes.length; i += size) {
    yield bytes.subarray(i, i + size);
    if (i === 0) step('writing'); // the store has written the first chunk to its temp file
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function upload(db: Db, store: FsArtifactStore, a: ChildArgs) {
  // ~31 MB: long enough that a random kill lands inside the streaming write.
  const bytes = writeTorchCheckpoint(randomAutoencoder(832, [2048, 1024, 64], a.seed), { crash_seed: a.seed });
  step('generated', { bytes: bytes.length });
  const stored = await store.put(chunks(bytes, 1 << 20));
  step('stored', stored);
  // A busy machine can otherwise record the job before the parent's SIGKILL arrives.
  if (a.holdAt === 'stored') await new Promise(() => setInterval(() => {}, 1000));
  await registerTrainingJob(db, await actorFor(db, 'admin'), {
    jobName: `crash-upload-${a.seed}`,
    status: 'completed',
    checkpoint: { ...stored, mediaType: 'application/x-pytorch-checkpoint' },
    report: { finalLoss: 0.01 },
  });
  step('recorded');
}

async function exportOne(db: Db, store: FsArtifactStore, a: ChildArgs) {
  step('exporting');
  const e = await exportModelFromTrainingJob(db, store, await actorFor(db, 'admin'), {
    trainingJobId: a.jobId!,
    ageGroupMin: a.ages[0],
    ageGroupMax: a.ages[1],
    exportFormat: 'onnx',
  });
  step('exported', { modelId: e.modelId, checksum: e.checksum });
}

async function deploy(db: Db, store: FsArtifactStore, a: ChildArgs) {
  const [A, B] = a.models!;
  const reviewer = await actorFor(db, 'reviewer');
  const current = await db.ageGroupModel.findFirst({
    where: { environment: 'production', ageMin: a.ages[0], ageMax: a.ages[1], isActive: true },
    include: { modelExport: { select: { modelId: true } } },
  });
  const target = current?.modelExport.modelId === A ? B : A;
  step('attempt', { from: current?.modelExport.modelId ?? null, to: target });
  // A killed run may have left a request of ours open: withdraw it, as its requester would.
  const exp = await db.modelExport.findUniqueOrThrow({ where: { modelId: target } });
  for (const r of await db.deploymentRequest.findMany({
    where: { modelExportId: exp.id, requesterId: reviewer.id, state: { in: ['draft', 'open', 'approved'] } },
  })) {
    await withdrawRequest(db, reviewer, r.id, 'superseded after a crash');
  }
  step('withdrawn');
  await validateExportedModel(db, store, reviewer, target);
  step('validated');
  const req = await createDeploymentRequest(db, reviewer, {
    modelId: target,
    environment: 'production',
    replaceExisting: true,
    backupExisting: true,
    validateBeforeDeployment: true,
    rationale: `Crash test deploy ${a.seed}`,
  });
  step('requested');
  await reviewRequest(db, await actorFor(db, 'admin'), req.id, { decision: 'approve', comment: 'ok' });
  step('approved');
  step('deploying');
  await deployFromRequest(db, store, await actorFor(db, 'deployer'), req.id);
  step('deployed', { to: target });
}

const args = JSON.parse(process.argv[2]) as ChildArgs;
const t0 = Date.now();
const opened = await openDatabase(
  { kind: 'pglite', dir: path.join(args.root, 'pglite') },
  { migrationsDir: path.join(import.meta.dirname, '..', '..', 'prisma', 'migrations') },
);
const store = new FsArtifactStore(path.join(args.root, 'artifacts'));
const tOpen = Date.now() - t0;
const report = await verify(opened.db, store);
process.stderr.write(`timing: open ${tOpen} ms, verify ${Date.now() - t0 - tOpen} ms\n`);
process.stdout.write(`verify ${JSON.stringify(report)}\n`);
if (args.mode === 'upload') await upload(opened.db, store, args);
if (args.mode === 'export') await exportOne(opened.db, store, args);
if (args.mode === 'deploy') await deploy(opened.db, store, args);
await opened.close();
step('done');
