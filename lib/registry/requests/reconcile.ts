import 'server-only';
import type { Actor } from '../../auth/permissions';
import type { Db } from '../../db';
import type { ArtifactStore } from '../../storage/types';
import { recordAudit, type Tx } from '../audit';
import { kickDispatcher } from '../events';
import type { PolicyEvaluation } from '../review-policy';
import { serializable } from '../transactions';
import { validateExportedModel } from '../validate';
import { evaluateRequest, loadRequest } from './load';
import { applyTransition, emitRequestEvent, usersWhoMay } from './transitions';

/**
 * Brings the stored state in line with the policy: stamps `lapsedAt` on approvals that no longer
 * bind (and says so with `request.lapsed`), sends an approved request whose approvals no longer
 * satisfy the policy back to open, and approves an open one that now does. Run after every review,
 * amendment, validation and policy change; pages still evaluate dynamically, so a missed call
 * cannot let anything through.
 */
export async function reconcileRequest(
  tx: Tx,
  actor: Actor,
  requestId: string,
  cause?: string,
): Promise<PolicyEvaluation | null> {
  const req = await loadRequest(tx, requestId);
  if (req.state !== 'open' && req.state !== 'approved') return null;
  const { evaluation } = await evaluateRequest(tx, req);
  const fresh = evaluation.lapsed.filter((l) => !req.reviews.find((r) => r.id === l.id)?.lapsedAt);
  if (fresh.length) {
    await tx.review.updateMany({ where: { id: { in: fresh.map((l) => l.id) } }, data: { lapsedAt: new Date() } });
  }
  const names = fresh.map((l) => req.reviews.find((r) => r.id === l.id)!.reviewer.name);
  const blocker = evaluation.stillMissing[0];
  const why =
    cause ??
    (fresh.some((l) => l.cause === 'artifact_changed')
      ? 'the request points at other bytes'
      : fresh.length
        ? 'a validation run of these bytes failed'
        : blocker
          ? 'the deploy would be refused'
          : 'the policy is no longer met');
  // Approvals that still count but a deploy that would be refused (another model took the range…): say that, with the fix.
  const message =
    !fresh.length && blocker
      ? `${req.modelExport.modelId} (${req.environment}) is not ready to deploy any more: ${blocker.message} ${blocker.fix}`
      : `Approvals of ${req.modelExport.modelId} (${req.environment}) lapsed because ${why}: ${evaluation.approvals} of ${evaluation.required} still count.`;
  const lapseEvent = {
    type: 'request.lapsed' as const,
    payload: {
      lapsed_review_ids: fresh.map((l) => l.id),
      reason: why,
      approvals: evaluation.approvals,
      required_approvals: evaluation.required,
    },
    notify: {
      userIds: [req.requesterId, ...fresh.map((l) => l.reviewerId)],
      message,
    },
  };
  if (req.state === 'approved' && !evaluation.satisfied) {
    await applyTransition(tx, actor, req, 'lapse', {
      data: { decidedAt: null },
      after: {
        lapsedReviewIds: fresh.map((l) => l.id),
        reasons: evaluation.reasons,
        stillMissing: evaluation.stillMissing.map((p) => p.code),
        cause: why,
      },
      event: lapseEvent,
    });
  } else if (fresh.length) {
    await recordAudit(tx, actor, {
      action: 'request.lapse',
      subjectType: 'deployment_request',
      subjectId: req.id,
      before: { state: req.state },
      after: { state: req.state, lapsedReviewIds: fresh.map((l) => l.id), reviewers: names, cause: why },
    });
    await emitRequestEvent(tx, actor, req, lapseEvent);
  }
  if (req.state === 'open' && evaluation.satisfied) {
    const deployers = await usersWhoMay(tx, 'deployments.write');
    await applyTransition(tx, actor, req, 'approval_met', {
      data: { decidedAt: new Date() },
      after: { approvals: evaluation.approvals, required: evaluation.required, approverIds: evaluation.approverIds },
      event: {
        type: 'request.approved',
        payload: { approvals: evaluation.approvals, required_approvals: evaluation.required },
        notify: {
          userIds: [req.requesterId, ...deployers],
          message: `${req.modelExport.modelId} is approved for ${req.environment} (${evaluation.approvals} of ${evaluation.required} approvals) and ready to deploy.`,
        },
      },
    });
  }
  return evaluation;
}

/** After a validation run of an export: every request under review for it is re-evaluated. */
export async function reconcileExportRequests(db: Db, actor: Actor, modelId: string, cause?: string) {
  const ids = await db.deploymentRequest.findMany({
    where: { modelExport: { modelId }, state: { in: ['open', 'approved'] } },
    select: { id: true },
  });
  for (const { id } of ids) await serializable(db, (tx) => reconcileRequest(tx, actor, id, cause));
  if (ids.length) kickDispatcher();
  return ids.length;
}

/**
 * Validates an export and re-evaluates the requests under review for it, as one step: a failing run
 * lapses the approvals of its bytes (a passing one keeps them, and may approve a waiting request). The REST route, the console and the CLI all validate
 * through here, so none of them can record a run and forget the requests.
 */
export async function validateAndReconcile(db: Db, store: ArtifactStore, actor: Actor, modelId: string) {
  const result = await validateExportedModel(db, store, actor, modelId);
  const reconciled = await reconcileExportRequests(db, actor, modelId);
  return { result, reconciled };
}
