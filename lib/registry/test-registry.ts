import 'server-only';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Actor, Role } from '../auth/permissions';
import type { DeploymentConfig } from './deploy-config';
import { deployByConfig } from './deploy-entry';
import { exportModelFromTrainingJob } from './exports';
import { createDeploymentRequest, reviewRequest } from './requests';
import { validateExportedModel } from './validate';
import { openTestDatabase, type TestTarget } from '../db/test-databases';
import { FsArtifactStore } from '../storage/fs-store';
import { seedDemo } from './seed-demo';

/** A fresh database + artifact store seeded with the real demo jobs, and an actor per role. */
export async function openTestRegistry(target: TestTarget) {
  const t = await openTestDatabase(target);
  const storeDir = fs.mkdtempSync(path.join(os.tmpdir(), 'drawbridge-store-'));
  const store = new FsArtifactStore(storeDir);
  await seedDemo(t.db, store, { demoDir: path.join(import.meta.dirname, '..', '..', 'prisma', 'demo') });
  const users = await t.db.user.findMany();
  const actor = (role: Role): Actor => {
    const u = users.find((x) => x.role === role)!;
    return { id: u.id, email: u.email, name: u.name, role, via: 'session' };
  };
  const jobs = await t.db.trainingJob.findMany({ orderBy: { id: 'asc' } });
  return {
    ...t,
    store,
    storeDir,
    actor,
    jobs,
    async cleanup() {
      await t.cleanup();
      fs.rmSync(storeDir, { recursive: true, force: true });
    },
  };
}

type TestRegistry = Awaited<ReturnType<typeof openTestRegistry>>;

/** As the reviewer, exports the demo job trained from age `min` for the range `min`–`max`. */
export function exportDemoJob(
  r: TestRegistry,
  min: number,
  max: number,
  exportFormat: 'onnx' | 'pytorch' | 'pickle' | 'safetensors' = 'onnx',
) {
  const job = r.jobs.find((j) => (j.configParameters as { age_group_min: number }).age_group_min === min)!;
  return exportModelFromTrainingJob(r.db, r.store, r.actor('reviewer'), {
    trainingJobId: job.id,
    ageGroupMin: min,
    ageGroupMax: max,
    exportFormat,
  });
}

/**
 * Takes a deployment config through the review workflow up to an approved request, as a team
 * would: the environment's policy set to one approval without a preview summary, validation, a
 * request by the reviewer (carrying the config's replace/backup/validate flags) and the admin's
 * approval. Returns the approved request.
 */
export async function approveThroughReview(
  r: Awaited<ReturnType<typeof openTestRegistry>>,
  config: DeploymentConfig & { model_id: string },
  opts: { rationale?: string; requester?: Actor; approver?: Actor } = {},
) {
  const env = config.deployment_environment ?? 'production';
  await r.db.reviewPolicy.upsert({
    where: { environment: env },
    create: { environment: env, requiredApprovals: 1, requirePreviewSummary: false },
    update: { requiredApprovals: 1, requirePreviewSummary: false },
  });
  const validation = await validateExportedModel(r.db, r.store, r.actor('reviewer'), config.model_id);
  if (!validation.is_valid) throw new Error(`cannot deploy an invalid export: ${validation.errors.join('; ')}`);
  const req = await createDeploymentRequest(r.db, opts.requester ?? r.actor('reviewer'), {
    modelId: config.model_id,
    environment: env,
    replaceExisting: flagOf(config.replace_existing, false),
    backupExisting: flagOf(config.backup_existing, true),
    validateBeforeDeployment: flagOf(config.validate_before_deployment, true),
    rationale: opts.rationale ?? 'Test deployment through the review workflow.',
  });
  await reviewRequest(r.db, opts.approver ?? r.actor('admin'), req.id, { decision: 'approve', comment: 'ok' });
  const approved = await r.db.deploymentRequest.findUniqueOrThrow({ where: { id: req.id } });
  if (approved.state !== 'approved') throw new Error(`request ${req.id} is ${approved.state}, not approved`);
  return approved;
}

/** A config flag as deploymentConfigSchema reads it ("false" is false). */
function flagOf(v: unknown, dflt: boolean): boolean {
  if (v === undefined) return dflt;
  return v === true || v === 'true' || v === '1' || v === 'on';
}

/**
 * Deploys through the review workflow as a team would, for tests that need a deployment: an
 * approved request (approveThroughReview), then the deployer's deploy of it through deployByConfig.
 */
export async function deployThroughReview(
  r: Awaited<ReturnType<typeof openTestRegistry>>,
  config: DeploymentConfig & { model_id: string },
  opts: { deployer?: Actor; rationale?: string } = {},
) {
  await approveThroughReview(r, config, { rationale: opts.rationale });
  return deployByConfig(r.db, r.store, opts.deployer ?? r.actor('deployer'), config);
}
