import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Actor, Role } from '../auth/permissions';
import type { DeploymentConfig } from './deploy';
import { deployByConfig } from './deploy-entry';
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

/**
 * Deploys through the review workflow as a team would, for tests that need a deployment: the
 * environment's policy set to one approval without a preview summary, validation, a request by
 * the reviewer, the admin's approval, and the deployer's deploy of the approved request.
 */
export async function deployThroughReview(
  r: Awaited<ReturnType<typeof openTestRegistry>>,
  config: DeploymentConfig & { model_id: string },
  opts: { deployer?: Actor; rationale?: string } = {},
) {
  const env = config.deployment_environment ?? 'production';
  await r.db.reviewPolicy.upsert({
    where: { environment: env },
    create: { environment: env, requiredApprovals: 1, requirePreviewSummary: false },
    update: { requiredApprovals: 1, requirePreviewSummary: false },
  });
  const validation = await validateExportedModel(r.db, r.store, r.actor('reviewer'), config.model_id);
  if (!validation.is_valid) throw new Error(`cannot deploy an invalid export: ${validation.errors.join('; ')}`);
  const req = await createDeploymentRequest(r.db, r.actor('reviewer'), {
    modelId: config.model_id,
    environment: env,
    replaceExisting: !!config.replace_existing,
    backupExisting: config.backup_existing !== false,
    validateBeforeDeployment: config.validate_before_deployment !== false,
    rationale: opts.rationale ?? 'Test deployment through the review workflow.',
  });
  await reviewRequest(r.db, r.actor('admin'), req.id, { decision: 'approve', comment: 'ok' });
  return deployByConfig(r.db, r.store, opts.deployer ?? r.actor('deployer'), config);
}
