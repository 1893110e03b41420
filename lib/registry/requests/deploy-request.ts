import 'server-only';
import { randomUUID } from 'node:crypto';
import type { Actor } from '../../auth/permissions';
import { requirePermission } from '../../auth/permissions';
import type { Db } from '../../db';
import { ModelDeploymentError } from '../../formats/errors';
import { ArtifactError, type ArtifactStore } from '../../storage/types';
import { deployModel, ENVIRONMENTS, type DeploymentConfig } from '../deploy';
import { deploymentPath } from '../deploy-config';
import { kickDispatcher } from '../events';
import { authorizeTransition, WorkflowError } from '../review-state';
import { serializable, TransactionConflictError } from '../transactions';
import type { PolicyEvaluation } from '../review-policy';
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
  'deploy_in_progress',
  'invalid_transition',
  'forbidden',
  'self_review',
  'conflict',
  'request_not_found',
  'non_finite_threshold',
]);

/**
 * How long a deploy may hold its request's claim. Past it the claim is stale (the process that held
 * it died mid-deploy) and the next attempt takes it over; the deploy transaction itself re-checks
 * the state, so a slow holder and its successor still cannot both deploy.
 */
export const DEPLOY_CLAIM_TTL_MS = 15 * 60_000;

/** The one conditional UPDATE that decides which attempt deploys: the claim's token, or null when another holds it. */
async function claimDeploy(db: Db, requestId: string): Promise<string | null> {
  const token = randomUUID();
  const { count } = await db.deploymentRequest.updateMany({
    where: {
      id: requestId,
      state: 'approved',
      OR: [{ deployClaimedAt: null }, { deployClaimedAt: { lt: new Date(Date.now() - DEPLOY_CLAIM_TTL_MS) } }],
    },
    data: { deployClaimedAt: new Date(), deployClaimToken: token },
  });
  return count === 1 ? token : null;
}

async function releaseClaim(db: Db, requestId: string, token: string) {
  await db.deploymentRequest.updateMany({
    where: { id: requestId, deployClaimToken: token },
    data: { deployClaimedAt: null, deployClaimToken: null },
  });
}

/** The deployment a request has made, in deployModel's result shape (a repeated deploy answers with it). */
async function madeDeployment(db: Db, req: LoadedRequest) {
  const d = await db.ageGroupModel.findFirst({
    where: { requestId: req.id, breakGlassReason: null },
    orderBy: { createdTimestamp: 'desc' },
  });
  if (!d) return null;
  const replaced = d.replacedId
    ? await db.ageGroupModel.findUnique({ where: { id: d.replacedId }, include: { modelExport: true } })
    : null;
  return {
    success: true,
    model_id: req.modelExport.modelId,
    deployment_id: d.id,
    deployment_path: deploymentPath(d.environment, d, req.modelExport),
    backup_path: replaced?.status === 'backup' ? deploymentPath(d.environment, replaced, replaced.modelExport) : null,
    validation_result: null,
    database_updated: false,
    threshold: d.threshold,
    sample_count: d.sampleCount,
    warnings: [`already deployed by this request (deployment ${d.id}); nothing was changed`],
  };
}

/** What the deploy would refuse surfaces with its own code and fix (active_model_exists, …), else the policy's. */
function refusePolicy(evaluation: PolicyEvaluation, prefix: string): never {
  const first = evaluation.stillMissing[0];
  if (first)
    throw new WorkflowError(first.code, `${first.message} ${first.fix}`, { stillMissing: evaluation.stillMissing });
  throw new WorkflowError('policy_not_satisfied', `${prefix}: ${evaluation.reasons.join(' ')}`);
}

/**
 * Deploys an approved request: a deployer (who may not be its only approver) re-checks, inside the
 * deployment's own serializable transaction, the state, the reviewed hash against the export's
 * checksum, the validation, the deploy's preconditions and the whole policy; the age-range invariant
 * is deployModel's. Idempotent: one attempt holds the request's claim and deploys; a concurrent one
 * answers deploy_in_progress, a later one the deployment already made. A deploy that fails
 * (validation, corrupt bytes) marks the request failed with its reason and tells the requester.
 */
export async function deployFromRequest(db: Db, store: ArtifactStore, actor: Actor, requestId: string) {
  requirePermission(actor, 'deployments.write');
  const req = await loadRequest(db, requestId);
  if (req.state === 'deployed') {
    const made = await madeDeployment(db, req);
    if (made) return made;
  }
  if (req.state !== 'approved') {
    const { evaluation } = await evaluateRequest(db, req, { deployerId: actor.id });
    const missing = req.state === 'open' && evaluation.reasons.length ? `: ${evaluation.reasons.join(' ')}` : '.';
    throw new WorkflowError(
      'not_approved',
      `Only an approved request can be deployed; this one is ${req.state}${missing}`,
    );
  }
  authorizeTransition(actor, req, 'deploy');
  const token = await claimDeploy(db, requestId);
  if (!token) {
    const now = await loadRequest(db, requestId);
    const made = now.state === 'deployed' ? await madeDeployment(db, now) : null;
    if (made) return made;
    throw new WorkflowError(
      'deploy_in_progress',
      now.state === 'approved'
        ? 'Another deploy of this request is running; wait for it and read the request again.'
        : `This request is ${now.state} now; read it again.`,
    );
  }
  try {
    const pre = await evaluateRequest(db, req, { deployerId: actor.id });
    if (!pre.evaluation.satisfied) {
      // The stored "approved" may be stale (a failing validation run, another deployment): put it right first.
      await releaseClaim(db, requestId, token);
      await serializable(db, (tx) => reconcileRequest(tx, actor, requestId));
      refusePolicy(pre.evaluation, 'Not deployable yet');
    }
    return await deployModel(db, store, actor, configOf(req), {
      requestId,
      inTransaction: async (tx, ctx) => {
        const cur = await loadRequest(tx, requestId);
        authorizeTransition(actor, cur, 'deploy');
        if (cur.deployClaimToken !== token)
          throw new WorkflowError('deploy_in_progress', 'Another deploy of this request took over; read it again.');
        if (cur.modelExportId !== ctx.exportId || cur.artifactSha256 !== ctx.artifactSha256) {
          throw new WorkflowError(
            'policy_not_satisfied',
            'The request no longer names the bytes being deployed (it was amended); review it again.',
          );
        }
        // The deploy's own passing re-check (validate again) keeps the approvals: they bind to a verdict.
        const { evaluation, latest } = await evaluateRequest(tx, cur, { deployerId: actor.id });
        if (!evaluation.satisfied) refusePolicy(evaluation, 'Not deployable');
        await applyTransition(tx, actor, cur, 'deploy', {
          data: { decidedAt: new Date(), failureReason: null, deployClaimedAt: null, deployClaimToken: null },
          after: {
            approvals: evaluation.approvals,
            required: evaluation.required,
            approverIds: evaluation.approverIds,
            validationRunId: latest?.id ?? null,
            deployValidationRunId: ctx.validationRunId,
            artifactSha256: ctx.artifactSha256,
          },
        });
      },
    });
  } catch (e) {
    await releaseClaim(db, requestId, token);
    // A lost race (TransactionConflictError) changed nothing: the request stays approved for the retry.
    if (
      (e instanceof WorkflowError && (REFUSALS.has(e.code) || e.details.stillMissing)) ||
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
      const { evaluation } = await evaluateRequest(tx, cur, { deployerId: actor.id });
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
