import 'server-only';
import type { Actor } from '../../auth/permissions';
import { requirePermission } from '../../auth/permissions';
import type { Db } from '../../db';
import { ModelDeploymentError } from '../../formats/errors';
import { ArtifactError, type ArtifactStore } from '../../storage/types';
import { deployModel, ENVIRONMENTS, type DeploymentConfig } from '../deploy';
import { kickDispatcher } from '../events';
import { authorizeTransition, WorkflowError } from '../review-state';
import { serializable, TransactionConflictError } from '../transactions';
import { evaluateRequest, loadRequest, type LoadedRequest } from './load';
import { reconcileRequest } from './reconcile';
import { breakGlassReasonSchema } from './schemas';
import { applyTransition } from './transitions';

/** Deploying from a request: the reviewed path, and an admin's break-glass. */

function configOf(req: LoadedRequest): DeploymentConfig {
  return {
    model_id: req.modelExport.modelId,
    age_group_min: req.ageGroupMin,
    age_group_max: req.ageGroupMax,
    replace_existing: req.replaceExisting,
    backup_existing: req.backupExisting,
    validate_before_deployment: req.validateBeforeDeployment,
    deployment_environment: req.environment as (typeof ENVIRONMENTS)[number],
  };
}

/** Refusals leave the request as it was; anything else that stops a deploy marks it failed. */
// non_finite_threshold: the export's numbers, not the deploy, are at fault (validation says so too).
const REFUSALS = new Set([
  'not_approved',
  'policy_not_satisfied',
  'invalid_transition',
  'forbidden',
  'self_review',
  'conflict',
  'request_not_found',
  'non_finite_threshold',
]);

/**
 * Deploys an approved request: a deployer (who may not be its only approver) re-checks, inside the
 * deployment's own serializable transaction, the state, the reviewed hash against the export's
 * checksum, the latest validation and the whole policy; the age-range invariant is deployModel's.
 * A deploy that fails (validation, an active model in the way, corrupt bytes) marks the request
 * failed with its reason and tells the requester.
 */
export async function deployFromRequest(db: Db, store: ArtifactStore, actor: Actor, requestId: string) {
  requirePermission(actor, 'deployments.write');
  const req = await loadRequest(db, requestId);
  if (req.state !== 'approved') {
    const { evaluation } = await evaluateRequest(db, req, { deployerId: actor.id });
    const missing = req.state === 'open' && evaluation.reasons.length ? `: ${evaluation.reasons.join(' ')}` : '.';
    throw new WorkflowError(
      'not_approved',
      `Only an approved request can be deployed; this one is ${req.state}${missing}`,
    );
  }
  authorizeTransition(actor, req, 'deploy');
  const pre = await evaluateRequest(db, req, { deployerId: actor.id });
  if (!pre.evaluation.satisfied) {
    // The stored "approved" may be stale (a validation run through the API): put it right first.
    await serializable(db, (tx) => reconcileRequest(tx, actor, requestId));
    throw new WorkflowError('policy_not_satisfied', `Not deployable yet: ${pre.evaluation.reasons.join(' ')}`);
  }
  try {
    const result = await deployModel(db, store, actor, configOf(req), {
      requestId,
      inTransaction: async (tx, ctx) => {
        const cur = await loadRequest(tx, requestId);
        authorizeTransition(actor, cur, 'deploy');
        if (cur.modelExportId !== ctx.exportId || cur.artifactSha256 !== ctx.artifactSha256) {
          throw new WorkflowError(
            'policy_not_satisfied',
            'The request no longer names the bytes being deployed (it was amended); review it again.',
          );
        }
        // The run deployModel has just made is the deploy's own re-check; approvals bind to the one before it.
        const { evaluation, latest } = await evaluateRequest(tx, cur, {
          deployerId: actor.id,
          excludeValidationRunId: ctx.validationRunId,
        });
        if (!evaluation.satisfied)
          throw new WorkflowError('policy_not_satisfied', `Not deployable: ${evaluation.reasons.join(' ')}`);
        await applyTransition(tx, actor, cur, 'deploy', {
          data: { decidedAt: new Date(), failureReason: null },
          after: {
            approvals: evaluation.approvals,
            required: evaluation.required,
            approverIds: evaluation.approverIds,
            reviewedValidationRunId: latest?.id ?? null,
            deployValidationRunId: ctx.validationRunId,
            artifactSha256: ctx.artifactSha256,
          },
        });
      },
    });
    return result;
  } catch (e) {
    // A lost race (TransactionConflictError) changed nothing: the request stays approved for the retry.
    if (
      (e instanceof WorkflowError && REFUSALS.has(e.code)) ||
      (e instanceof TransactionConflictError && e.code === 'deploy_conflict')
    )
      throw e;
    await markFailed(db, actor, requestId, e);
    throw e;
  }
}

async function markFailed(db: Db, actor: Actor, requestId: string, e: unknown) {
  const reason =
    e instanceof ModelDeploymentError || e instanceof ArtifactError
      ? e.message
      : 'Internal error while deploying; it has been logged.';
  if (reason.startsWith('Internal')) console.error('deploy from request failed', e);
  await serializable(db, async (tx) => {
    const req = await loadRequest(tx, requestId);
    if (req.state !== 'approved') return;
    await applyTransition(tx, actor, req, 'fail', {
      data: { failureReason: reason, decidedAt: new Date() },
      after: { failureReason: reason, code: (e as { code?: string })?.code ?? null },
      event: {
        type: 'request.failed',
        payload: { failure_reason: reason },
        notify: {
          userIds: [req.requesterId],
          message: `Deploying ${req.modelExport.modelId} to ${req.environment} failed: ${reason}`,
        },
      },
    });
  });
  kickDispatcher();
}

/**
 * An admin deploys a request without its approvals, with a written reason: the deployment row
 * carries the reason (flagged wherever deployments show), the audit says model.deploy.break_glass,
 * and the request records what the policy was still missing.
 */
export async function breakGlassDeploy(
  db: Db,
  store: ArtifactStore,
  actor: Actor,
  requestId: string,
  rawReason: string,
) {
  requirePermission(actor, 'deployments.break_glass');
  const parsed = breakGlassReasonSchema.safeParse(rawReason);
  if (!parsed.success)
    throw new WorkflowError('break_glass_reason_required', parsed.error.issues[0].message, { field: 'reason' });
  const reason = parsed.data;
  const req = await loadRequest(db, requestId);
  authorizeTransition(actor, req, 'break_glass');
  return deployModel(db, store, actor, configOf(req), {
    requestId,
    breakGlassReason: reason,
    inTransaction: async (tx, ctx) => {
      const cur = await loadRequest(tx, requestId);
      authorizeTransition(actor, cur, 'break_glass');
      if (cur.modelExportId !== ctx.exportId || cur.artifactSha256 !== ctx.artifactSha256) {
        throw new WorkflowError('conflict', 'The request was amended while deploying; look at it again.');
      }
      const { evaluation } = await evaluateRequest(tx, cur, {
        deployerId: actor.id,
        excludeValidationRunId: ctx.validationRunId,
      });
      await applyTransition(tx, actor, cur, 'break_glass', {
        data: { decidedAt: new Date(), failureReason: null },
        after: {
          breakGlass: true,
          breakGlassReason: reason,
          bypassed: evaluation.reasons,
          approvals: evaluation.approvals,
          required: evaluation.required,
        },
      });
    },
  });
}

/** The break-glass reason a deployment row carries (null for a reviewed deploy). */
export async function deploymentBreakGlass(db: Db, deploymentId: number) {
  const d = await db.ageGroupModel.findUnique({ where: { id: deploymentId }, select: { breakGlassReason: true } });
  return { breakGlass: !!d?.breakGlassReason, breakGlassReason: d?.breakGlassReason ?? null };
}
