import 'server-only';
import type { Actor } from '../../auth/permissions';
import { requirePermission } from '../../auth/permissions';
import type { Db } from '../../db';
import type { Prisma } from '../../db/generated/client';
import { ModelDeploymentError } from '../../formats/errors';
import { recordAudit } from '../audit';
import { kickDispatcher } from '../events';
import { markHandled, REVIEW_KINDS } from '../notifications-handled';
import { authorizeTransition, SELF_REVIEW_MESSAGE, WorkflowError, type RequestState } from '../review-state';
import { serializable } from '../transactions';
import { findVisibleRequest, getReviewPolicy, latestValidationRun, loadRequest, requestLink } from './load';
import { reconcileRequest } from './reconcile';
import { reviewSchema, type ReviewDecision, type ReviewInput } from './schemas';
import { applyTransition, emitRequestEvent, notifyUsers } from './transitions';

const TRIGGER_MESSAGE = 'the requester of a deployment request cannot review it';

/** The database's self-review trigger surfaces as a driver error; it means the same as our own check. */
export function isSelfReviewViolation(e: unknown): boolean {
  const seen = new Set<unknown>();
  const walk = (x: unknown): boolean => {
    if (!x || typeof x !== 'object' || seen.has(x)) return typeof x === 'string' && x.includes(TRIGGER_MESSAGE);
    seen.add(x);
    const o = x as Record<string, unknown>;
    // message and cause are not enumerable on Errors; the driver's error hides under meta.driverAdapterError.
    return [o.message, o.cause, ...Object.values(o)].some((v) =>
      typeof v === 'string' ? v.includes(TRIGGER_MESSAGE) : walk(v),
    );
  };
  return walk(e);
}

/**
 * Approve, request changes or reject. An approval binds to the request's SHA-256, the export's
 * latest validation run (which must pass) and the reviewer's preview summary of those bytes
 * (required when the environment's policy says so). The requester can never review their own
 * request: refused here with a message, and by a database trigger underneath.
 */
export async function reviewRequest(db: Db, actor: Actor, requestId: string, raw: ReviewInput) {
  requirePermission(actor, 'reviews.write');
  const input = reviewSchema.parse(raw);
  try {
    const r = await serializable(db, async (tx) => {
      const req = await loadRequest(tx, requestId);
      authorizeTransition(actor, req, input.decision);
      const [policy, latest] = await Promise.all([
        getReviewPolicy(tx, req.environment),
        latestValidationRun(tx, req.modelExportId),
      ]);
      let preview: { id: string; summary: Prisma.JsonValue; createdAt: Date; verifiedAt: Date | null } | null = null;
      if (input.decision === 'approve') {
        if (!latest || !latest.isValid || latest.artifactSha256 !== req.artifactSha256) {
          throw new WorkflowError(
            'validation_required',
            !latest
              ? 'Validate the export first: an approval binds to a passing validation run.'
              : 'The export’s latest validation run did not pass on these bytes; an approval binds to a passing one.',
            { field: 'decision' },
          );
        }
        preview = await tx.previewSummary.findFirst({
          // Only a summary the server recomputed and vouched for (review-previews.ts) counts.
          where: {
            userId: actor.id,
            modelExportId: req.modelExportId,
            artifactSha256: req.artifactSha256,
            verifiedAt: { not: null },
          },
          orderBy: { createdAt: 'desc' },
          select: { id: true, summary: true, createdAt: true, verifiedAt: true },
        });
        if (policy.requirePreviewSummary && !preview) {
          throw new WorkflowError(
            'preview_summary_required',
            `${req.environment} requires your reconstruction preview summary before you approve: run the preview on ${req.modelExport.modelId}’s page and attach it to review.`,
            { field: 'decision' },
          );
        }
      }
      const review = await tx.review.create({
        data: {
          requestId: req.id,
          reviewerId: actor.id,
          decision: input.decision,
          comment: input.comment,
          artifactSha256: req.artifactSha256,
          validationRunId: latest?.id ?? null,
          previewSummary: preview
            ? ({
                id: preview.id,
                attached_at: preview.createdAt.toISOString(),
                verified: preview.verifiedAt !== null,
                verified_at: preview.verifiedAt?.toISOString() ?? null,
                summary: preview.summary,
              } as Prisma.InputJsonValue)
            : undefined,
        },
      });
      await recordAudit(tx, actor, {
        action: 'review.create',
        subjectType: 'deployment_request',
        subjectId: req.id,
        after: {
          reviewId: review.id,
          decision: review.decision,
          artifactSha256: review.artifactSha256,
          validationRunId: review.validationRunId,
          previewSummaryId: preview?.id ?? null,
        },
      });
      await markHandled(tx, { userId: actor.id, kinds: REVIEW_KINDS, requestId: req.id });
      const who = `${actor.name}`;
      if (input.decision === 'reject') {
        await applyTransition(tx, actor, req, 'reject', {
          data: { decidedAt: new Date() },
          after: { reviewId: review.id, comment: input.comment },
          event: {
            type: 'request.rejected',
            payload: { review_id: review.id, comment: input.comment },
            notify: {
              userIds: [req.requesterId],
              message: `${who} rejected deploying ${req.modelExport.modelId} to ${req.environment}: ${input.comment}`,
            },
          },
        });
      } else if (input.decision === 'request_changes') {
        const event = {
          type: 'request.changes_requested' as const,
          payload: { review_id: review.id, comment: input.comment },
          notify: {
            userIds: [req.requesterId],
            message: `${who} requested changes to deploying ${req.modelExport.modelId} to ${req.environment}: ${input.comment}`,
          },
        };
        if (req.state === 'approved') {
          await applyTransition(tx, actor, req, 'request_changes', {
            data: { decidedAt: null },
            after: { reviewId: review.id },
            event,
          });
        } else {
          await emitRequestEvent(tx, actor, req, event);
        }
      } else {
        const ev = await reconcileRequest(tx, actor, req.id);
        if (ev && !ev.satisfied) {
          await notifyUsers(
            tx,
            'request.reviewed',
            [req.requesterId],
            `${who} approved deploying ${req.modelExport.modelId} to ${req.environment} (${ev.approvals} of ${ev.required}).`,
            { requestId: req.id, link: requestLink(req.id) },
          );
        }
      }
      return review;
    });
    kickDispatcher();
    return r;
  } catch (e) {
    if (!(e instanceof ModelDeploymentError) && isSelfReviewViolation(e))
      throw new WorkflowError('self_review', SELF_REVIEW_MESSAGE);
    throw e;
  }
}

/**
 * Who may review, checked before anything is written: a requester's review (or a refused
 * transition) must not leave a preview summary behind. reviewRequest checks again in its transaction.
 */
export async function precheckReview(db: Db, actor: Actor, requestId: string, decision: ReviewDecision) {
  requirePermission(actor, 'reviews.write');
  const req = await findVisibleRequest(db, actor, requestId, { modelExport: { select: { modelId: true } } });
  authorizeTransition(actor, { state: req.state as RequestState, requesterId: req.requesterId }, decision);
  return { modelId: req.modelExport.modelId };
}
