import 'server-only';
import { countEvent } from '../metrics/counts';
import { z } from 'zod';
import type { Actor } from '../auth/permissions';
import { requirePermission } from '../auth/permissions';
import type { Db } from '../db';
import type { ModelExport, Prisma } from '../db/generated/client';
import { ModelDeploymentError, ModelValidationError } from '../formats/errors';
import type { ExportFormat } from '../formats/export';
import type { ArtifactStore } from '../storage/types';
import { runTask, transferable } from '../workers';
import { notFound } from '../errors';
import { recordAudit } from './audit';
import {
  deploymentConfigSchema,
  deploymentPath,
  ENVIRONMENTS,
  exportPathOf,
  parseExportPath,
  type DeploymentConfig,
} from './deploy-config';
import { actorId } from './deployment-lifecycle';
import { actorRef, emitEvent, kickDispatcher } from './events';
import { serializable } from './transactions';
import { validateExportedModel, type ValidationResult } from './validate';

// The deployment config and export paths live in deploy-config.ts, and what follows a deployment
// (list, undeploy, rollback) in deployment-lifecycle.ts; their users import them here too.
export { deploymentConfigSchema, ENVIRONMENTS, exportPathOf, parseExportPath, type DeploymentConfig };
export {
  deploymentToDict,
  listDeployedModels,
  rollbackDeployment,
  rollbackSchema,
  undeployModel,
} from './deployment-lifecycle';

/**
 * The deployment threshold: the 95th percentile of reconstruction MSE over the validation set's
 * normal samples (all samples when it carries no labels). About 5 % of normal drawings are
 * flagged, and anything reconstructing worse than 95 % of normal drawings is.
 */
export const THRESHOLD_PERCENTILE = 95;

/** The validation set a threshold is derived from (its job's), or why there is none. */
export async function thresholdBasis(
  db: Db | Prisma.TransactionClient,
  exp: Pick<ModelExport, 'modelId' | 'trainingJobId'>,
) {
  const job = exp.trainingJobId
    ? await db.trainingJob.findUnique({ where: { id: exp.trainingJobId }, select: { validationSha256: true } })
    : null;
  if (job?.validationSha256) return { validationSha256: job.validationSha256, error: null };
  return {
    validationSha256: null,
    error: new ModelDeploymentError(
      'validation_set_missing',
      `Model ${exp.modelId} has no validation set (its training job registered none), so no threshold can be derived from data.`,
    ),
  };
}

/** Threshold and sample count from the data: the export's own weights on its job's validation set. */
export async function computeThreshold(db: Db, store: ArtifactStore, exp: ModelExport) {
  const basis = await thresholdBasis(db, exp);
  if (basis.error) throw basis.error;
  const job = { validationSha256: basis.validationSha256 };
  // Parsing and the forward pass over the whole set run in a worker (lib/workers/tasks.ts).
  const t = await runTask('computeThreshold', {
    validationSet: transferable(await store.get(job.validationSha256)),
    artifact: transferable(await store.get(exp.checksum)),
    format: exp.exportFormat as ExportFormat,
    percentile: THRESHOLD_PERCENTILE,
  });
  if (!Number.isFinite(t.threshold)) {
    // Validation refuses such an export (non_finite_reconstruction); this holds when it was skipped.
    throw new ModelValidationError(
      'non_finite_threshold',
      `${exp.modelId} reconstructs its validation set's normal samples to a non-finite error (Infinity or NaN), so no deployment threshold can be derived; validate it to see why.`,
    );
  }
  return {
    threshold: t.threshold,
    sampleCount: t.normalSamples,
    parameters: {
      threshold_percentile: THRESHOLD_PERCENTILE,
      threshold_basis: t.labelled
        ? 'normal samples of the validation set'
        : 'all samples of the (unlabelled) validation set',
      validation_set_sha256: job.validationSha256,
      validation_samples: t.samples,
      flagged_validation_samples: t.flagged,
    },
  };
}

/** deploy_model: validate (when asked), then activate in one serializable transaction. */
export type DeployOptions = {
  /** The deployment request this deploy carries out (AgeGroupModel.requestId). */
  requestId?: string;
  /** An admin's written reason for deploying without approvals: flagged on the row and audited as model.deploy.break_glass. */
  breakGlassReason?: string;
  /**
   * Runs first inside the deploy's serializable transaction, so a caller's re-checks (the review
   * policy, the reviewed hash, the latest validation) and its own writes commit or roll back with
   * the deployment. `validationRunId` is the run this deploy just made (null when it did not validate).
   */
  inTransaction?: (
    tx: Prisma.TransactionClient,
    ctx: { exportId: string; modelId: string; artifactSha256: string; validationRunId: string | null },
  ) => Promise<void>;
};

/** The export a ModelDeploymentConfig names (by model_id or the original's export path), checked against its age range. */
export async function resolveDeploymentExport(
  db: Db,
  cfg: z.output<typeof deploymentConfigSchema>,
): Promise<ModelExport> {
  let modelId = cfg.model_id;
  if (cfg.model_export_path) {
    const parsed = parseExportPath(cfg.model_export_path);
    if (modelId && modelId !== parsed.modelId) {
      throw new ModelDeploymentError('invalid_export_path', 'model_id and model_export_path name different exports', {
        field: 'model_export_path',
      });
    }
    modelId = parsed.modelId;
    const e = await db.modelExport.findUnique({ where: { modelId } });
    if (e && e.exportFormat !== parsed.format) {
      throw new ModelDeploymentError(
        'invalid_export_path',
        `${modelId} is a ${e.exportFormat} export; its path is ${exportPathOf(e)}`,
        { field: 'model_export_path' },
      );
    }
  }
  const exp = await db.modelExport.findUnique({ where: { modelId: modelId! } });
  if (!exp) throw notFound('Model', modelId!, 'model_not_found');
  const mismatch = ageRangeMismatch(exp, cfg);
  if (mismatch) throw mismatch;
  return exp;
}

type RangeConfig = Pick<
  z.output<typeof deploymentConfigSchema>,
  'age_group_min' | 'age_group_max' | 'deployment_environment' | 'replace_existing'
>;

/** A deploy serves exactly the export's own age range. */
export function ageRangeMismatch(
  exp: Pick<ModelExport, 'modelId' | 'ageGroupMin' | 'ageGroupMax'>,
  cfg: Pick<RangeConfig, 'age_group_min' | 'age_group_max'>,
) {
  if (exp.ageGroupMin === cfg.age_group_min && exp.ageGroupMax === cfg.age_group_max) return null;
  return new ModelDeploymentError(
    'age_range_mismatch',
    `${exp.modelId} was exported for ages ${exp.ageGroupMin}–${exp.ageGroupMax}, not ${cfg.age_group_min}–${cfg.age_group_max}`,
    { field: 'age_group_min' },
  );
}

/** The deployment now serving the config's range and environment (what a deploy replaces), if any. */
export function findActiveDeployment(tx: Db | Prisma.TransactionClient, cfg: RangeConfig) {
  return tx.ageGroupModel.findFirst({
    where: {
      environment: cfg.deployment_environment,
      ageMin: cfg.age_group_min,
      ageMax: cfg.age_group_max,
      isActive: true,
    },
    include: { modelExport: true },
  });
}

/** A deploy that does not replace may not take a range another model serves. */
export function replaceConflict(current: { id: number; modelExport: { modelId: string } } | null, cfg: RangeConfig) {
  if (!current || cfg.replace_existing) return null;
  return new ModelDeploymentError(
    'active_model_exists',
    `Ages ${cfg.age_group_min}–${cfg.age_group_max} in ${cfg.deployment_environment} are already served by ${current.modelExport.modelId} (deployment ${current.id}); set replace_existing to replace it.`,
  );
}

/**
 * The deploy primitive. Only the review workflow calls it: every deployment carries out a
 * deployment request (approved, or broken glass by an admin) whose checks run in `inTransaction`,
 * inside the same serializable transaction as the activation. Entry points (UI, API, CLI) go
 * through `deployByConfig` in deploy-entry.ts.
 */
export async function deployModel(
  db: Db,
  store: ArtifactStore,
  actor: Actor,
  raw: DeploymentConfig,
  opts: DeployOptions = {},
) {
  requirePermission(actor, 'deployments.write');
  if (!opts.requestId || !opts.inTransaction) {
    throw new ModelDeploymentError(
      'approval_required',
      'A deployment must carry out a deployment request (approved, or broken glass by an admin).',
    );
  }
  const cfg = deploymentConfigSchema.parse(raw);
  const exp = await resolveDeploymentExport(db, cfg);
  const warnings: string[] = [];
  let validation: (ValidationResult & { validation_run_id: string }) | null = null;
  if (cfg.validate_before_deployment) {
    validation = await validateExportedModel(db, store, actor, exp.modelId);
    if (!validation.is_valid) {
      countEvent('deploy', { environment: cfg.deployment_environment, outcome: 'validation_failed' });
      throw new ModelValidationError(
        'validation_failed',
        `${exp.modelId} failed validation: ${validation.errors.join('; ')}`,
        { validation },
      );
    }
    warnings.push(...validation.warnings);
  } else {
    warnings.push('deployed without validation (validate_before_deployment was false)');
  }
  const { threshold, sampleCount, parameters } = await computeThreshold(db, store, exp);
  const env = cfg.deployment_environment;

  const result = await serializable(db, async (tx) => {
    await opts.inTransaction?.(tx, {
      exportId: exp.id,
      modelId: exp.modelId,
      artifactSha256: exp.checksum,
      validationRunId: validation?.validation_run_id ?? null,
    });
    const current = await findActiveDeployment(tx, cfg);
    const conflict = replaceConflict(current, cfg);
    if (conflict) throw conflict;
    if (current) {
      await tx.ageGroupModel.update({
        where: { id: current.id },
        data: {
          isActive: false,
          status: cfg.backup_existing ? 'backup' : 'retired',
          undeployedAt: new Date(),
          undeployedById: actorId(actor),
        },
      });
    }
    const created = await tx.ageGroupModel.create({
      data: {
        ageMin: cfg.age_group_min,
        ageMax: cfg.age_group_max,
        environment: env,
        modelType: exp.modelType,
        parameters: {
          ...parameters,
          model_id: exp.modelId,
          export_format: exp.exportFormat,
          architecture: exp.architecture,
        } as Prisma.InputJsonValue,
        sampleCount,
        threshold,
        modelExportId: exp.id,
        artifactSha256: exp.checksum,
        deployedById: actorId(actor),
        replacedId: current?.id ?? null,
        requestId: opts.requestId ?? null,
        breakGlassReason: opts.breakGlassReason ?? null,
      },
    });
    await recordAudit(tx, actor, {
      action: opts.breakGlassReason ? 'model.deploy.break_glass' : 'model.deploy',
      subjectType: 'deployment',
      subjectId: created.id,
      before: current ? { deploymentId: current.id, modelId: current.modelExport.modelId, status: 'active' } : null,
      after: {
        modelId: exp.modelId,
        environment: env,
        ages: [cfg.age_group_min, cfg.age_group_max],
        threshold,
        sampleCount,
        replaced: current?.id ?? null,
        backup: !!current && cfg.backup_existing,
        requestId: opts.requestId ?? null,
        ...(opts.breakGlassReason ? { breakGlass: true, breakGlassReason: opts.breakGlassReason } : {}),
      },
    });
    const request = opts.requestId
      ? await tx.deploymentRequest.findUnique({ where: { id: opts.requestId }, select: { requesterId: true } })
      : null;
    await emitEvent(tx, {
      type: 'model.deployed',
      environment: env,
      payload: {
        deployment_id: created.id,
        model_id: exp.modelId,
        export_format: exp.exportFormat,
        artifact_sha256: exp.checksum,
        age_group_min: cfg.age_group_min,
        age_group_max: cfg.age_group_max,
        threshold,
        sample_count: sampleCount,
        replaced_deployment_id: current?.id ?? null,
        replaced_model_id: current?.modelExport.modelId ?? null,
        backup_kept: !!current && cfg.backup_existing,
        request_id: opts.requestId ?? null,
        break_glass_reason: opts.breakGlassReason ?? null,
        actor: actorRef(actor),
      },
      // The requester hears that their request shipped (the deployer knows already).
      notify: request
        ? {
            userIds: request.requesterId === actor.id ? [] : [request.requesterId],
            message: `${exp.modelId} was deployed to ${env} (ages ${cfg.age_group_min}–${cfg.age_group_max}) by ${actor.name}.`,
            requestId: opts.requestId,
          }
        : undefined,
    });
    return { created, current };
  });
  kickDispatcher();
  countEvent('deploy', { environment: env, outcome: result.current ? 'replaced' : 'deployed' });

  return {
    success: true,
    model_id: exp.modelId,
    deployment_id: result.created.id,
    deployment_path: deploymentPath(env, result.created, exp),
    backup_path:
      result.current && cfg.backup_existing ? deploymentPath(env, result.current, result.current.modelExport) : null,
    validation_result: validation,
    database_updated: true,
    threshold,
    sample_count: sampleCount,
    warnings,
  };
}
