import 'server-only';
import type { Actor } from '../auth/permissions';
import { requirePermission } from '../auth/permissions';
import type { Db } from '../db';
import { ModelDeploymentError } from '../formats/errors';
import type { ArtifactStore } from '../storage/types';
import { deploymentConfigSchema, type DeploymentConfig } from './deploy-config';
import { resolveDeploymentExport } from './deploy';
import { breakGlassDeploy, breakGlassReasonSchema, createDeploymentRequest, deployFromRequest } from './requests';

/**
 * deploy_model for the UI, the REST API and the CLI: a ModelDeploymentConfig deploys only as the
 * approved deployment request for that export, environment and age range (whose reviewed flags
 * govern), or, for an admin with a written reason, as a break-glass deploy of a request opened on
 * the spot. Anything else is refused with what to do instead.
 */
export async function deployByConfig(
  db: Db,
  store: ArtifactStore,
  actor: Actor,
  raw: DeploymentConfig,
  opts: { breakGlassReason?: string | null } = {},
) {
  requirePermission(actor, 'deployments.write');
  const cfg = deploymentConfigSchema.parse(raw);
  const exp = await resolveDeploymentExport(db, cfg);
  const approved = await db.deploymentRequest.findFirst({
    where: {
      modelExportId: exp.id,
      environment: cfg.deployment_environment,
      ageGroupMin: cfg.age_group_min,
      ageGroupMax: cfg.age_group_max,
      state: 'approved',
    },
    orderBy: { updatedAt: 'desc' },
  });
  if (approved) {
    const result = await deployFromRequest(db, store, actor, approved.id);
    const differs = (['replace_existing', 'backup_existing', 'validate_before_deployment'] as const).filter(
      (k) =>
        raw[k] !== undefined &&
        cfg[k] !==
          {
            replace_existing: approved.replaceExisting,
            backup_existing: approved.backupExisting,
            validate_before_deployment: approved.validateBeforeDeployment,
          }[k],
    );
    return {
      ...result,
      request_id: approved.id,
      warnings: [
        ...result.warnings,
        ...(differs.length ? [`the approved request's ${differs.join(', ')} were used, not the ones sent`] : []),
      ],
    };
  }
  if (opts.breakGlassReason != null) {
    requirePermission(actor, 'deployments.break_glass');
    const reason = breakGlassReasonSchema.parse(opts.breakGlassReason);
    const req = await createDeploymentRequest(db, actor, {
      modelId: exp.modelId,
      environment: cfg.deployment_environment,
      replaceExisting: cfg.replace_existing,
      backupExisting: cfg.backup_existing,
      validateBeforeDeployment: cfg.validate_before_deployment,
      rationale: `Break-glass deploy: ${reason}`,
      submit: true,
    });
    const result = await breakGlassDeploy(db, store, actor, req.id, reason);
    return { ...result, request_id: req.id, warnings: [...result.warnings, 'break-glass: deployed without approvals'] };
  }
  throw new ModelDeploymentError(
    'approval_required',
    `No approved deployment request deploys ${exp.modelId} to ${cfg.deployment_environment}: open one (model page, CLI "requests create" or POST /api/v1/deployment-requests), have it approved, then deploy; an admin may break glass with a written reason.`,
  );
}
