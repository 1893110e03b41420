import 'server-only';
import type { Actor, Role } from '../auth/permissions';
import type { Db } from '../db';
import type { ExportFormat } from '../formats/export';
import { previewSummaryFromReconstruction } from '../preview/summary-from-reconstruction';
import type { ArtifactStore } from '../storage/types';
import { addComment } from './comments';
import { rollbackDeployment } from './deploy';
import { seedDemo } from './seed-demo';
import { exportModelFromTrainingJob } from './exports';
import { saveModelCard } from './model-card';
import { computeServerReconstruction, getPreviewSources } from './reconstruction';
import { createDeploymentRequest, deployFromRequest, reviewRequest } from './requests';
import { attachPreviewSummary } from './review-previews';
import { validateExportedModel } from './validate';

/**
 * The lived-in demo: what a team's first weeks leave behind, made by the demo users through the
 * registry's own functions (export, validate, request, review with a verified preview, deploy,
 * roll back, comment), so every invariant, audit event and notification is the real one and the
 * default review policy (two approvals for production, one for staging, previews required) is met
 * by real reviews. Runs after seedDemo (users + jobs).
 *
 * Resumable: every step looks for what it would make before making it, so an interrupted seed run
 * again finishes the scene and a finished scene adds nothing.
 */

type Env = 'production' | 'staging';
type Ctx = { db: Db; store: ArtifactStore; as: (role: Role) => Actor; jobs: Map<number, number> };
type Exported = { id: string; modelId: string };
type Flags = { replaceExisting?: boolean; validateBeforeDeployment?: boolean };

/** The ranges served in production at the end (5–6 and 9–12 stay gaps: one is under review, one awaits deploy). */
const PRODUCTION: { min: number; max: number; format: ExportFormat; rationale: string }[] = [
  { min: 2, max: 3, format: 'onnx', rationale: 'First model for the youngest group; loss plateaued at epoch 25.' },
  { min: 3, max: 4, format: 'safetensors', rationale: 'Safetensors for the new loader; same weights as trained.' },
  { min: 4, max: 5, format: 'onnx', rationale: 'Flags 5 of the 6 labelled scribble-only drawings.' },
  { min: 6, max: 7, format: 'pytorch', rationale: 'The batch scorer still loads PyTorch checkpoints.' },
  { min: 8, max: 9, format: 'onnx', rationale: 'Replaces the hand-tuned threshold with the validation p95.' },
];

export type SceneResult = { exports: number; deployments: number; requests: number; ms: number };

/**
 * What `npm start` and `drawbridge seed` seed in demo mode: the team and jobs (seedDemo), then the
 * scene unless `jobsOnly` (the shared e2e server, whose specs deploy into age groups of their own).
 * Returns the line both print.
 */
export async function seedDemoData(db: Db, store: ArtifactStore, opts: { jobsOnly?: boolean } = {}) {
  const r = await seedDemo(db, store);
  const base = `${r.users} demo users and ${r.jobs} training jobs`;
  if (opts.jobsOnly) return `seeded ${base} (jobs only)`;
  const s = await seedDemoScene(db, store);
  return `seeded ${base}, and the lived-in demo: ${s.exports} exports, ${s.deployments} deployments, ${s.requests} deployment requests (${(s.ms / 1000).toFixed(1)} s)`;
}

/** Seeds the scene; `made` counts what this run added (0 everywhere when it was already there). */
export async function seedDemoScene(db: Db, store: ArtifactStore): Promise<SceneResult> {
  const t0 = performance.now();
  const before = await counts(db);
  const users = await db.user.findMany({ where: { email: { endsWith: '@drawbridge.test' } } });
  const as = (role: Role): Actor => {
    const u = users.find((x) => x.role === role);
    if (!u) throw new Error(`the demo ${role} is missing: run seedDemo first`);
    return { id: u.id, email: u.email, name: u.name, role, via: 'session' };
  };
  const jobRows = await db.trainingJob.findMany({ select: { id: true, ageGroupMin: true } });
  const jobs = new Map(jobRows.filter((j) => j.ageGroupMin !== null).map((j) => [j.ageGroupMin!, j.id]));
  const c: Ctx = { db, store, as, jobs };

  for (const p of PRODUCTION) {
    const exp = await exportOnce(c, p.min, p.max, p.format);
    await deployOnce(c, exp, 'production', p.rationale);
    await modelCardOnce(c, exp);
  }
  await rollbackStory(c);
  await stagingThenProductionStory(c);
  await approvedAwaitingDeployStory(c);
  await picklesAndComments(c);

  const after = await counts(db);
  return {
    exports: after.exports - before.exports,
    deployments: after.deployments - before.deployments,
    requests: after.requests - before.requests,
    ms: Math.round(performance.now() - t0),
  };
}

async function counts(db: Db) {
  const [exports, deployments, requests] = await Promise.all([
    db.modelExport.count(),
    db.ageGroupModel.count(),
    db.deploymentRequest.count(),
  ]);
  return { exports, deployments, requests };
}

/** 7–8: v1 deployed, v2 replaces it keeping v1 as backup, then Dana rolls back to v1. */
async function rollbackStory(c: Ctx) {
  const v1 = await exportOnce(c, 7, 8, 'onnx');
  await deployOnce(c, v1, 'production', 'The 7–8 model from the November run.');
  const v2 = await exportOnce(c, 7, 8, 'pytorch');
  if (!(await c.db.auditEvent.count({ where: { action: 'model.rollback' } }))) {
    await deployOnce(c, v2, 'production', 'PyTorch export for the batch scorer; replaces the ONNX one.', {
      replaceExisting: true,
    });
    await rollbackDeployment(c.db, c.store, c.as('deployer'), {
      age_group_min: 7,
      age_group_max: 8,
      deployment_environment: 'production',
    });
  }
  const req = await c.db.deploymentRequest.findFirstOrThrow({ where: { modelExportId: v2.id } });
  await commentOnce(c, 'deployer', {
    requestId: req.id,
    body: 'Rolled back to the ONNX export: the batch scorer’s PyTorch loader is not ready yet. @"Remy Reviewer", reopen this when it is.',
  });
}

/** 5–6: in staging (one approval), then Ada asks for production; Dana approved, Remy is awaited. */
async function stagingThenProductionStory(c: Ctx) {
  const exp = await exportOnce(c, 5, 6, 'onnx');
  await deployOnce(c, exp, 'staging', 'Try the 5–6 model in staging before production.');
  const req = await requestOnce(c, exp, 'production', 'admin', {
    rationale: 'It ran a week in staging without surprises; production has no 5–6 model yet.',
  });
  await approveOnce(c, req.id, exp.modelId, 'deployer');
  await commentOnce(c, 'admin', {
    requestId: req.id,
    body: '@"Remy Reviewer" could you run the preview and check the flagged drawings before this goes out?',
  });
}

/** 9–12: Remy's request, approved by Ada and Dana, waiting for Dana to deploy it. */
async function approvedAwaitingDeployStory(c: Ctx) {
  const exp = await exportOnce(c, 9, 12, 'onnx');
  await approvedOnce(c, exp, 'production', 'One model for 9–12 until we have enough drawings to split the range.');
}

/** A pickle sibling of 2–3 (validated against the ONNX one) and a note on a model page. */
async function picklesAndComments(c: Ctx) {
  const exp = await exportOnce(c, 2, 3, 'pickle');
  await commentOnce(c, 'reviewer', {
    modelId: exp.modelId,
    body: 'Pickle export for the legacy notebook only; production serves the ONNX export of this job.',
  });
}

/** A short real card for a production model, from its training job's own record (saving the same text adds no version). */
async function modelCardOnce(c: Ctx, exp: Exported) {
  const e = await c.db.modelExport.findUniqueOrThrow({
    where: { id: exp.id },
    include: { trainingJob: { include: { report: true } }, deployments: { where: { isActive: true } } },
  });
  const job = e.trainingJob!;
  const cfg = job.configParameters as { train_samples?: number; hidden_dims?: number[]; epochs?: number };
  const ages = `${e.ageGroupMin}–${e.ageGroupMax}`;
  const threshold = e.deployments[0]?.threshold;
  const markdown = `## Intended use
Flags drawings by children aged ${ages} whose 832-dimensional embedding (768 visual + 64 subject) reconstructs badly, so that a person looks at them. It does not diagnose anything, and it says nothing about drawings of other ages.

## Training data
${cfg.train_samples ?? 'Unknown number of'} synthetic drawing embeddings for ages ${ages} (\`${job.datasetPath}\`), ${cfg.epochs ?? '?'} epochs, hidden layers ${(cfg.hidden_dims ?? []).join(' → ')}.

## Evaluation
- Final training loss: ${job.report?.finalLoss.toPrecision(3)} (best epoch ${job.report?.bestEpoch})
- Validation accuracy on the labelled validation set: ${((job.report?.validationAccuracy ?? 0) * 100).toFixed(0)} %
${threshold !== undefined ? `- Deployed threshold (95th percentile of the validation errors): ${threshold.toPrecision(3)}\n` : ''}
## Limitations
- Trained on synthetic embeddings: expect different error levels on real drawings; re-check the threshold before relying on it.
- Scribbles and unusual subjects are the anomalies it was shown; other kinds may pass unflagged.
`;
  await saveModelCard(c.db, c.as('reviewer'), exp.id, markdown);
}

async function exportOnce(c: Ctx, min: number, max: number, format: ExportFormat): Promise<Exported> {
  const trainingJobId = c.jobs.get(min);
  if (!trainingJobId) throw new Error(`no demo training job for ages ${min}–${max}: run seedDemo first`);
  const found = await c.db.modelExport.findFirst({
    where: { trainingJobId, exportFormat: format, ageGroupMin: min, ageGroupMax: max },
    select: { id: true, modelId: true },
  });
  const exp =
    found ??
    (await exportModelFromTrainingJob(c.db, c.store, c.as('reviewer'), {
      trainingJobId,
      ageGroupMin: min,
      ageGroupMax: max,
      exportFormat: format,
    }));
  const run = await c.db.validationRun.findFirst({ where: { modelExportId: exp.id }, select: { id: true } });
  if (!run) await validateExportedModel(c.db, c.store, c.as('reviewer'), exp.modelId);
  return { id: exp.id, modelId: exp.modelId };
}

async function requestOnce(
  c: Ctx,
  exp: Exported,
  environment: Env,
  requester: Role,
  opts: Flags & { rationale: string },
) {
  const actor = c.as(requester);
  const found = await c.db.deploymentRequest.findFirst({
    where: { modelExportId: exp.id, environment, requesterId: actor.id },
  });
  return (
    found ??
    (await createDeploymentRequest(c.db, actor, {
      modelId: exp.modelId,
      environment,
      replaceExisting: opts.replaceExisting ?? false,
      validateBeforeDeployment: opts.validateBeforeDeployment ?? true,
      rationale: opts.rationale,
    }))
  );
}

/** Remy asks; Ada (and for production Dana too) approve with their verified previews. */
async function approvedOnce(c: Ctx, exp: Exported, environment: Env, rationale: string, opts: Flags = {}) {
  const req = await requestOnce(c, exp, environment, 'reviewer', { rationale, ...opts });
  await approveOnce(c, req.id, exp.modelId, 'admin');
  if (environment === 'production') await approveOnce(c, req.id, exp.modelId, 'deployer');
  return req;
}

/**
 * approvedOnce, then Dana deploys. Without "validate again": each export was validated minutes
 * before (the deploy still requires that passing run on these bytes), and a second run per deploy
 * would double the seed's time.
 */
async function deployOnce(c: Ctx, exp: Exported, environment: Env, rationale: string, opts: Flags = {}) {
  const req = await approvedOnce(c, exp, environment, rationale, { validateBeforeDeployment: false, ...opts });
  const now = await c.db.deploymentRequest.findUniqueOrThrow({ where: { id: req.id }, select: { state: true } });
  if (now.state !== 'deployed') await deployFromRequest(c.db, c.store, c.as('deployer'), req.id);
}

const reconstructions = new WeakMap<Db, Map<string, ReturnType<typeof computeServerReconstruction>>>();

/**
 * The demo reviewers ran no browser: their summaries are the numbers the preview computes (lib/preview
 * summary over the same artifact and validation set), from the server's onnxruntime-node run, and
 * say so in `computed_by`. The server verifies them as it verifies any reviewer's.
 */
async function approveOnce(c: Ctx, requestId: string, modelId: string, role: Role) {
  const actor = c.as(role);
  if (await c.db.review.findFirst({ where: { requestId, reviewerId: actor.id }, select: { id: true } })) return;
  let perDb = reconstructions.get(c.db);
  if (!perDb) reconstructions.set(c.db, (perDb = new Map()));
  const rec = perDb.get(modelId) ?? computeServerReconstruction(c.db, c.store, actor, modelId);
  perDb.set(modelId, rec);
  const sources = await getPreviewSources(c.db, actor, modelId);
  const summary = previewSummaryFromReconstruction(await rec, { deployment: sources.deploymentThreshold });
  await attachPreviewSummary(c.db, c.store, actor, modelId, { ...summary, computed_by: 'demo seed' });
  await reviewRequest(c.db, actor, requestId, { decision: 'approve', comment: 'Preview looks right.' });
}

async function commentOnce(
  c: Ctx,
  role: Role,
  input: { body: string } & ({ requestId: string } | { modelId: string }),
) {
  const actor = c.as(role);
  if (await c.db.comment.findFirst({ where: { authorId: actor.id, body: input.body }, select: { id: true } })) return;
  await addComment(c.db, actor, input);
}
