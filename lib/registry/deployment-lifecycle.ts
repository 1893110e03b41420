import 'server-only';
import { z } from 'zod';
import type { Actor } from '../auth/permissions';
import { requirePermission } from '../auth/permissions';
import type { Db } from '../db';
import type { AgeGroupModel, ModelExport, Prisma } from '../db/generated/client';
import { ModelDeploymentError } from '../formats/errors';
import type { ArtifactStore } from '../storage/types';
import { recordAudit } from './audit';
import { ENVIRONMENTS } from './deploy-config';
import { actorRef, emitEvent, kickDispatcher } from './events';
import { serializable } from './transactions';

// What happens to a deployment after deployModel made it: listing, undeploying and rolling back
// to its backup. deploy.ts re-exports all of it, so callers keep importing from there.

/** The (un)deployer a row records: a system actor (seeding, maintenance) is no one, its id need not be a user row. */
export function actorId(actor: Actor): string | null {
  return actor.via === 'system' ? null : actor.id;
}

/** AgeGroupModel in the original's snake_case, plus what Drawbridge adds. */
export function deploymentToDict(
  d: AgeGroupModel & { modelExport?: Pick<ModelExport, 'modelId' | 'exportFormat'> | null },
) {
  return {
    id: d.id,
    age_min: d.ageMin,
    age_max: d.ageMax,
    model_type: d.modelType,
    vision_model: d.visionModel,
    parameters: d.parameters,
    sample_count: d.sampleCount,
    threshold: d.threshold,
    created_timestamp: d.createdTimestamp.toISOString(),
    is_active: d.isActive,
    status: d.status,
    deployment_environment: d.environment,
    model_id: d.modelExport?.modelId ?? null,
    export_format: d.modelExport?.exportFormat ?? null,
    artifact_sha256: d.artifactSha256,
    replaced_deployment_id: d.replacedId,
    break_glass_reason: d.breakGlassReason,
  };
}

/** list_deployed_models: the active deployments (or all, with history), per environment and age. */
export async function listDeployedModels(
  db: Db,
  actor: Actor,
  opts: { environment?: string; includeInactive?: boolean } = {},
) {
  requirePermission(actor, 'deployments.read');
  return db.ageGroupModel.findMany({
    where: {
      ...(opts.environment ? { environment: opts.environment } : {}),
      ...(opts.includeInactive ? {} : { isActive: true }),
    },
    orderBy: [{ environment: 'asc' }, { ageMin: 'asc' }, { ageMax: 'asc' }, { createdTimestamp: 'desc' }],
    include: { modelExport: { select: { modelId: true, exportFormat: true } }, deployedBy: { select: { name: true } } },
  });
}

/** undeploy_model: true when the deployment was active and now is not; false otherwise. */
export async function undeployModel(db: Db, actor: Actor, id: number): Promise<boolean> {
  requirePermission(actor, 'deployments.write');
  return serializable(db, async (tx) => {
    const { count } = await tx.ageGroupModel.updateMany({
      where: { id, isActive: true },
      data: { isActive: false, status: 'undeployed', undeployedAt: new Date(), undeployedById: actorId(actor) },
    });
    if (count === 1) {
      await recordAudit(tx, actor, {
        action: 'model.undeploy',
        subjectType: 'deployment',
        subjectId: id,
        before: { status: 'active' },
        after: { status: 'undeployed' },
      });
      const d = await tx.ageGroupModel.findUniqueOrThrow({
        where: { id },
        include: { modelExport: { select: { modelId: true } } },
      });
      await emitEvent(tx, {
        type: 'model.undeployed',
        environment: d.environment,
        payload: {
          deployment_id: d.id,
          model_id: d.modelExport.modelId,
          age_group_min: d.ageMin,
          age_group_max: d.ageMax,
          actor: actorRef(actor),
        },
      });
    }
    return count === 1;
  }).then((undeployed) => {
    if (undeployed) kickDispatcher();
    return undeployed;
  });
}

export const rollbackSchema = z
  .object({
    age_group_min: z.coerce.number().finite().min(2).max(18),
    age_group_max: z.coerce.number().finite().min(2).max(18),
    deployment_environment: z.enum(ENVIRONMENTS).default('production'),
  })
  .refine((c) => c.age_group_min < c.age_group_max, {
    message: 'age_group_max must be greater than age_group_min',
    path: ['age_group_max'],
  });

/**
 * Re-activates the backup the current deployment replaced (or, with nothing active, the newest
 * backup of the range), after re-verifying its bytes, in one transaction.
 */
export async function rollbackDeployment(
  db: Db,
  store: ArtifactStore,
  actor: Actor,
  raw: z.input<typeof rollbackSchema>,
) {
  requirePermission(actor, 'deployments.write');
  const c = rollbackSchema.parse(raw);
  const range = { environment: c.deployment_environment, ageMin: c.age_group_min, ageMax: c.age_group_max };
  const pick = async (tx: Prisma.TransactionClient | Db) => {
    const current = await tx.ageGroupModel.findFirst({
      where: { ...range, isActive: true },
      include: { modelExport: true },
    });
    const backup = current?.replacedId
      ? await tx.ageGroupModel.findFirst({
          where: { id: current.replacedId, status: 'backup' },
          include: { modelExport: true },
        })
      : current
        ? null
        : await tx.ageGroupModel.findFirst({
            where: { ...range, status: 'backup' },
            orderBy: { undeployedAt: 'desc' },
            include: { modelExport: true },
          });
    return { current, backup };
  };
  const { backup: candidate } = await pick(db);
  if (!candidate) {
    throw new ModelDeploymentError(
      'no_backup',
      `There is no backup to roll back to for ages ${c.age_group_min}–${c.age_group_max} in ${c.deployment_environment}.`,
    );
  }
  // The bytes must still be exactly what was deployed (throws artifact_corrupt otherwise).
  await store.get(candidate.artifactSha256);

  return serializable(db, async (tx) => {
    const { current, backup } = await pick(tx);
    if (!backup || backup.id !== candidate.id) {
      throw new ModelDeploymentError(
        'conflict',
        'The deployments of this range changed while rolling back; review them and try again.',
      );
    }
    if (current) {
      await tx.ageGroupModel.update({
        where: { id: current.id },
        data: { isActive: false, status: 'retired', undeployedAt: new Date(), undeployedById: actorId(actor) },
      });
    }
    const restored = await tx.ageGroupModel.update({
      where: { id: backup.id },
      data: { isActive: true, status: 'active', undeployedAt: null, undeployedById: null },
      include: { modelExport: true },
    });
    await recordAudit(tx, actor, {
      action: 'model.rollback',
      subjectType: 'deployment',
      subjectId: restored.id,
      before: current ? { deploymentId: current.id, modelId: current.modelExport.modelId } : null,
      after: { deploymentId: restored.id, modelId: restored.modelExport.modelId },
    });
    await emitEvent(tx, {
      type: 'model.rolled_back',
      environment: c.deployment_environment,
      payload: {
        deployment_id: restored.id,
        model_id: restored.modelExport.modelId,
        artifact_sha256: restored.artifactSha256,
        age_group_min: restored.ageMin,
        age_group_max: restored.ageMax,
        retired_deployment_id: current?.id ?? null,
        retired_model_id: current?.modelExport.modelId ?? null,
        actor: actorRef(actor),
      },
    });
    return { success: true, restored: deploymentToDict(restored), retired_deployment_id: current?.id ?? null };
  }).then((result) => {
    kickDispatcher();
    return result;
  });
}
