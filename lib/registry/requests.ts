import { z } from 'zod';
import type { Actor } from '../auth/permissions';
import { PERMISSIONS, requirePermission, type Permission, type Role } from '../auth/permissions';
import type { Db } from '../db';
import type { Prisma } from '../db/generated/client';
import { ModelDeploymentError } from '../formats/errors';
import { ArtifactError, type ArtifactStore } from '../storage/types';
import { notFound } from '../api/errors';
import { recordAudit, type Tx } from './audit';
import { deployModel, ENVIRONMENTS, type DeploymentConfig } from './deploy';
import { actorRef, emitEvent, kickDispatcher, type EventInput } from './events';
import { MODEL_ID_PATTERN } from './model-id';
import { getReviewPolicy } from './policy';
import { evaluatePolicy, type PolicyEvaluation, type PolicyRules, type ReviewFacts } from './review-policy';
import { authorizeTransition, nextState, SELF_REVIEW_MESSAGE, WorkflowError, type RequestAction, type RequestState } from './review-state';
import { serializable, TransactionConflictError } from './transactions';

/**
 * Deployment requests: open, submit, amend, withdraw, review, deploy (or break-glass). Every state
 * change goes through `applyTransition` (state machine + optimistic guard + audit) inside a
 * serializable transaction, and fans out with `emitEvent` in that same transaction.
 */

export { WorkflowError, SELF_REVIEW_MESSAGE };

export const requestInclude = {
  modelExport: true,
  requester: { select: { id: true, name: true, email: true } },
  reviews: { orderBy: { createdAt: 'asc' }, include: { reviewer: { select: { id: true, name: true, email: true } } } },
} satisfies Prisma.DeploymentRequestInclude;
export type LoadedRequest = Prisma.DeploymentRequestGetPayload<{ include: typeof requestInclude }>;

export const requestLink = (id: string) => `/reviews/${id}`;

async function loadRequest(tx: Tx, id: string): Promise<LoadedRequest> {
  const r = await tx.deploymentRequest.findUnique({ where: { id }, include: requestInclude });
  if (!r) throw notFound('Deployment request', id, 'request_not_found');
  return r;
}

/** The export's latest validation run (optionally ignoring one: the run a deploy has just made). */
export async function latestValidationRun(tx: Tx, modelExportId: string, excludeId?: string | null) {
  return tx.validationRun.findFirst({
    where: { modelExportId, ...(excludeId ? { id: { not: excludeId } } : {}) },
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
  });
}

export function reviewFacts(r: LoadedRequest['reviews'][number]): ReviewFacts {
  return {
    id: r.id,
    reviewerId: r.reviewerId,
    reviewerName: r.reviewer.name,
    decision: r.decision,
    artifactSha256: r.artifactSha256,
    validationRunId: r.validationRunId,
    hasPreviewSummary: r.previewSummary !== null && r.previewSummary !== undefined,
    createdAt: r.createdAt,
  };
}

/** The policy evaluation of a request now (dynamic: lapses are computed, not trusted from columns). */
export async function evaluateRequest(tx: Tx, req: LoadedRequest, opts: { deployerId?: string; excludeValidationRunId?: string | null } = {}) {
  const [policy, latest] = await Promise.all([getReviewPolicy(tx, req.environment), latestValidationRun(tx, req.modelExportId, opts.excludeValidationRunId)]);
  const evaluation = evaluatePolicy({
    policy,
    requesterId: req.requesterId,
    requestSha256: req.artifactSha256,
    exportSha256: req.modelExport.checksum,
    latestValidation: latest ? { id: latest.id, isValid: latest.isValid, artifactSha256: latest.artifactSha256 } : null,
    reviews: req.reviews.map(reviewFacts),
    deployerId: opts.deployerId,
  });
  return { policy, latest, evaluation };
}

export function requestPayload(req: LoadedRequest, actor: Actor, extra: Record<string, unknown> = {}) {
  return {
    request_id: req.id,
    state: req.state,
    model_id: req.modelExport.modelId,
    export_format: req.modelExport.exportFormat,
    artifact_sha256: req.artifactSha256,
    age_group_min: req.ageGroupMin,
    age_group_max: req.ageGroupMax,
    requester: { id: req.requester.id, name: req.requester.name, email: req.requester.email },
    actor: actorRef(actor),
    url: requestLink(req.id),
    ...extra,
  };
}

/** Active users whose role holds `permission`, except `exclude`. */
export async function usersWhoMay(tx: Tx, permission: Permission, exclude: (string | null | undefined)[] = []) {
  const users = await tx.user.findMany({
    where: { role: { in: [...(PERMISSIONS[permission] as readonly Role[])] }, disabledAt: null, id: { notIn: exclude.filter((x): x is string => !!x) } },
    select: { id: true },
  });
  return users.map((u) => u.id);
}

/** Inbox rows for steps that are not workflow events of their own (a single review, a comment). */
export async function notifyUsers(tx: Tx, kind: string, userIds: string[], message: string, opts: { requestId?: string; link?: string } = {}) {
  const ids = [...new Set(userIds)].filter((id) => id && id !== 'system');
  if (!ids.length) return;
  await tx.notification.createMany({ data: ids.map((userId) => ({ userId, kind, message, requestId: opts.requestId ?? null, link: opts.link ?? null })) });
}

type TransitionOpts = {
  data?: Prisma.DeploymentRequestUncheckedUpdateManyInput;
  before?: Record<string, unknown>;
  after?: Record<string, unknown>;
  event?: { type: EventInput['type']; payload?: Record<string, unknown>; notify?: { userIds: string[]; message: string } };
};

/**
 * Moves the request along the state machine: the guarded update (another writer's change makes it
 * a conflict, never a lost update), the audit row and the event, all in the caller's transaction.
 * The caller has already checked who may do it (authorizeTransition) where a person acts.
 */
async function applyTransition(tx: Tx, actor: Actor, req: LoadedRequest, action: RequestAction, o: TransitionOpts = {}): Promise<RequestState> {
  const to = nextState(req.state, action);
  const { count } = await tx.deploymentRequest.updateMany({ where: { id: req.id, state: req.state }, data: { state: to, ...o.data } });
  if (count !== 1) throw new WorkflowError('conflict', 'The request changed while you were acting on it; reload the page and try again.');
  await recordAudit(tx, actor, {
    action: `request.${action}`,
    subjectType: 'deployment_request',
    subjectId: req.id,
    before: { state: req.state, ...o.before },
    after: { state: to, ...o.after },
  });
  if (o.event) {
    await emitEvent(tx, {
      type: o.event.type,
      environment: req.environment,
      payload: requestPayload({ ...req, state: to }, actor, o.event.payload),
      notify: o.event.notify ? { ...o.event.notify, userIds: o.event.notify.userIds.filter((id) => id !== actor.id), link: requestLink(req.id), requestId: req.id } : undefined,
    });
  }
  req.state = to;
  return to;
}

/**
 * Brings the stored state in line with the policy: stamps `lapsedAt` on approvals that no longer
 * bind (and says so with `request.lapsed`), sends an approved request whose approvals no longer
 * satisfy the policy back to open, and approves an open one that now does. Run after every review,
 * amendment, validation and policy change; pages still evaluate dynamically, so a missed call
 * cannot let anything through.
 */
export async function reconcileRequest(tx: Tx, actor: Actor, requestId: string, cause?: string): Promise<PolicyEvaluation | null> {
  const req = await loadRequest(tx, requestId);
  if (req.state !== 'open' && req.state !== 'approved') return null;
  const { evaluation } = await evaluateRequest(tx, req);
  const fresh = evaluation.lapsed.filter((l) => !req.reviews.find((r) => r.id === l.id)?.lapsedAt);
  if (fresh.length) {
    await tx.review.updateMany({ where: { id: { in: fresh.map((l) => l.id) } }, data: { lapsedAt: new Date() } });
  }
  const names = fresh.map((l) => req.reviews.find((r) => r.id === l.id)!.reviewer.name);
  const why = cause ?? (fresh.some((l) => l.cause === 'artifact_changed') ? 'the request points at other bytes' : 'the export has a newer validation run');
  const lapseEvent = {
    type: 'request.lapsed' as const,
    payload: { lapsed_review_ids: fresh.map((l) => l.id), reason: why, approvals: evaluation.approvals, required_approvals: evaluation.required },
    notify: {
      userIds: [req.requesterId, ...fresh.map((l) => l.reviewerId)],
      message: `Approvals of ${req.modelExport.modelId} (${req.environment}) lapsed because ${why}: ${evaluation.approvals} of ${evaluation.required} still count.`,
    },
  };
  if (req.state === 'approved' && !evaluation.satisfied) {
    await applyTransition(tx, actor, req, 'lapse', { data: { decidedAt: null }, after: { lapsedReviewIds: fresh.map((l) => l.id), reasons: evaluation.reasons, cause: why }, event: lapseEvent });
  } else if (fresh.length) {
    await recordAudit(tx, actor, { action: 'request.lapse', subjectType: 'deployment_request', subjectId: req.id, before: { state: req.state }, after: { state: req.state, lapsedReviewIds: fresh.map((l) => l.id), reviewers: names, cause: why } });
    await emitEvent(tx, { type: 'request.lapsed', environment: req.environment, payload: requestPayload(req, actor, lapseEvent.payload), notify: { ...lapseEvent.notify, userIds: lapseEvent.notify.userIds.filter((id) => id !== actor.id), link: requestLink(req.id), requestId: req.id } });
  }
  if (req.state === 'open' && evaluation.satisfied) {
    const deployers = await usersWhoMay(tx, 'deployments.write');
    await applyTransition(tx, actor, req, 'approval_met', {
      data: { decidedAt: new Date() },
      after: { approvals: evaluation.approvals, required: evaluation.required, approverIds: evaluation.approverIds },
      event: {
        type: 'request.approved',
        payload: { approvals: evaluation.approvals, required_approvals: evaluation.required },
        notify: { userIds: [req.requesterId, ...deployers], message: `${req.modelExport.modelId} is approved for ${req.environment} (${evaluation.approvals} of ${evaluation.required} approvals) and ready to deploy.` },
      },
    });
  }
  return evaluation;
}

/** After a validation run of an export: every request under review for it is re-evaluated. */
export async function reconcileExportRequests(db: Db, actor: Actor, modelId: string, cause = 'the export has a newer validation run') {
  const ids = await db.deploymentRequest.findMany({ where: { modelExport: { modelId }, state: { in: ['open', 'approved'] } }, select: { id: true } });
  for (const { id } of ids) await serializable(db, (tx) => reconcileRequest(tx, actor, id, cause));
  if (ids.length) kickDispatcher();
  return ids.length;
}

// ---------------------------------------------------------------------------------------------
// Create, submit, amend, withdraw

export const RATIONALE_MIN = 10;
export const rationaleSchema = z.string().trim().min(RATIONALE_MIN, `Say why in at least ${RATIONALE_MIN} characters.`).max(4000, 'At most 4000 characters.');

export const createRequestSchema = z.object({
  modelId: z.string().regex(MODEL_ID_PATTERN, 'not a Drawbridge model id'),
  environment: z.enum(ENVIRONMENTS, { message: 'Choose production or staging.' }),
  replaceExisting: z.boolean().default(false),
  backupExisting: z.boolean().default(true),
  validateBeforeDeployment: z.boolean().default(true),
  rationale: rationaleSchema,
  /** Open for review now (true) or keep as a draft. */
  submit: z.boolean().default(true),
});
export type CreateRequestInput = z.input<typeof createRequestSchema>;

/** Opens a request to deploy an export with its ModelDeploymentConfig; the age range is the export's. */
export async function createDeploymentRequest(db: Db, actor: Actor, raw: CreateRequestInput) {
  requirePermission(actor, 'requests.create');
  const input = createRequestSchema.parse(raw);
  const exp = await db.modelExport.findUnique({ where: { modelId: input.modelId } });
  if (!exp) throw notFound('Model', input.modelId, 'model_not_found');
  const created = await serializable(db, async (tx) => {
    const dup = await tx.deploymentRequest.findFirst({
      where: { modelExportId: exp.id, environment: input.environment, requesterId: actor.id, state: { in: ['draft', 'open', 'approved'] } },
      select: { id: true, state: true },
    });
    if (dup) throw new WorkflowError('conflict', `You already have a ${dup.state} request to deploy ${exp.modelId} to ${input.environment}; amend or withdraw it instead.`, { requestId: dup.id });
    const row = await tx.deploymentRequest.create({
      data: {
        modelExportId: exp.id,
        requesterId: actor.id,
        state: 'draft',
        environment: input.environment,
        ageGroupMin: exp.ageGroupMin,
        ageGroupMax: exp.ageGroupMax,
        replaceExisting: input.replaceExisting,
        backupExisting: input.backupExisting,
        validateBeforeDeployment: input.validateBeforeDeployment,
        rationale: input.rationale,
        artifactSha256: exp.checksum,
      },
    });
    await recordAudit(tx, actor, {
      action: 'request.create',
      subjectType: 'deployment_request',
      subjectId: row.id,
      after: {
        state: 'draft',
        modelId: exp.modelId,
        environment: row.environment,
        ages: [row.ageGroupMin, row.ageGroupMax],
        artifactSha256: row.artifactSha256,
        replaceExisting: row.replaceExisting,
        backupExisting: row.backupExisting,
        validateBeforeDeployment: row.validateBeforeDeployment,
      },
    });
    if (input.submit) await submitInTx(tx, actor, await loadRequest(tx, row.id));
    return loadRequest(tx, row.id);
  });
  kickDispatcher();
  return created;
}

async function submitInTx(tx: Tx, actor: Actor, req: LoadedRequest) {
  authorizeTransition(actor, req, 'submit');
  const reviewers = await usersWhoMay(tx, 'reviews.write', [req.requesterId]);
  const policy = await getReviewPolicy(tx, req.environment);
  await applyTransition(tx, actor, req, 'submit', {
    data: { failureReason: null, decidedAt: null },
    event: {
      type: 'request.opened',
      payload: { rationale: req.rationale, required_approvals: policy.requiredApprovals },
      notify: { userIds: reviewers, message: `${req.requester.name} asks to deploy ${req.modelExport.modelId} to ${req.environment} (ages ${req.ageGroupMin}–${req.ageGroupMax}): your review is needed.` },
    },
  });
  // A resubmitted request may already hold enough approvals.
  await reconcileRequest(tx, actor, req.id);
}

export async function submitRequest(db: Db, actor: Actor, requestId: string) {
  requirePermission(actor, 'requests.create');
  const r = await serializable(db, async (tx) => {
    await submitInTx(tx, actor, await loadRequest(tx, requestId));
    return loadRequest(tx, requestId);
  });
  kickDispatcher();
  return r;
}

export async function withdrawRequest(db: Db, actor: Actor, requestId: string, reason = '') {
  requirePermission(actor, 'requests.create');
  const r = await serializable(db, async (tx) => {
    const req = await loadRequest(tx, requestId);
    authorizeTransition(actor, req, 'withdraw');
    const reviewers = [...new Set(req.reviews.map((x) => x.reviewerId))];
    await applyTransition(tx, actor, req, 'withdraw', {
      data: { decidedAt: new Date() },
      after: { reason: reason.trim() || null },
      event: {
        type: 'request.withdrawn',
        payload: { reason: reason.trim() || null },
        notify: { userIds: reviewers, message: `${req.requester.name} withdrew the request to deploy ${req.modelExport.modelId} to ${req.environment}.` },
      },
    });
    return loadRequest(tx, requestId);
  });
  kickDispatcher();
  return r;
}

export const amendRequestSchema = z.object({
  modelId: z.string().regex(MODEL_ID_PATTERN, 'not a Drawbridge model id'),
  rationale: rationaleSchema.optional(),
});
export type AmendRequestInput = z.input<typeof amendRequestSchema>;

/**
 * The requester points the request at another export of the same age range (new bytes, new hash):
 * approvals given to the old bytes lapse, and an approved request goes back to open.
 */
export async function amendRequest(db: Db, actor: Actor, requestId: string, raw: AmendRequestInput) {
  requirePermission(actor, 'requests.create');
  const input = amendRequestSchema.parse(raw);
  const r = await serializable(db, async (tx) => {
    const req = await loadRequest(tx, requestId);
    authorizeTransition(actor, req, 'amend');
    const exp = await tx.modelExport.findUnique({ where: { modelId: input.modelId } });
    if (!exp) throw new WorkflowError('model_not_found', `Model ${input.modelId} not found`, { field: 'modelId' });
    if (exp.ageGroupMin !== req.ageGroupMin || exp.ageGroupMax !== req.ageGroupMax) {
      throw new WorkflowError('age_range_mismatch', `${exp.modelId} was exported for ages ${exp.ageGroupMin}–${exp.ageGroupMax}; this request is for ${req.ageGroupMin}–${req.ageGroupMax}.`, { field: 'modelId' });
    }
    const rationale = input.rationale ?? req.rationale;
    if (exp.id === req.modelExportId && rationale === req.rationale) {
      throw new WorkflowError('conflict', 'The request already names this export; choose another one or change the rationale.', { field: 'modelId' });
    }
    await applyTransition(tx, actor, req, 'amend', {
      data: { modelExportId: exp.id, artifactSha256: exp.checksum, rationale, failureReason: null, decidedAt: null },
      before: { modelId: req.modelExport.modelId, artifactSha256: req.artifactSha256 },
      after: { modelId: exp.modelId, artifactSha256: exp.checksum, rationaleChanged: rationale !== req.rationale },
    });
    await reconcileRequest(tx, actor, req.id, exp.checksum === req.artifactSha256 ? 'the request names another export' : 'the request points at other bytes');
    return loadRequest(tx, requestId);
  });
  kickDispatcher();
  return r;
}

// ---------------------------------------------------------------------------------------------
// Reviews

export const reviewSchema = z
  .object({
    decision: z.enum(['approve', 'request_changes', 'reject'], { message: 'Choose approve, request changes or reject.' }),
    comment: z.string().trim().max(4000, 'At most 4000 characters.').default(''),
  })
  .refine((r) => r.decision === 'approve' || r.comment.length > 0, { message: 'Say what needs to change (or why you reject).', path: ['comment'] });
export type ReviewInput = z.input<typeof reviewSchema>;

const TRIGGER_MESSAGE = 'the requester of a deployment request cannot review it';

/** The database's self-review trigger surfaces as a driver error; it means the same as our own check. */
export function isSelfReviewViolation(e: unknown): boolean {
  const seen = new Set<unknown>();
  const walk = (x: unknown): boolean => {
    if (!x || typeof x !== 'object' || seen.has(x)) return typeof x === 'string' && x.includes(TRIGGER_MESSAGE);
    seen.add(x);
    const o = x as Record<string, unknown>;
    // message and cause are not enumerable on Errors; the driver's error hides under meta.driverAdapterError.
    return [o.message, o.cause, ...Object.values(o)].some((v) => (typeof v === 'string' ? v.includes(TRIGGER_MESSAGE) : walk(v)));
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
      const [policy, latest] = await Promise.all([getReviewPolicy(tx, req.environment), latestValidationRun(tx, req.modelExportId)]);
      let preview: { id: string; summary: Prisma.JsonValue; createdAt: Date } | null = null;
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
          where: { userId: actor.id, modelExportId: req.modelExportId, artifactSha256: req.artifactSha256 },
          orderBy: { createdAt: 'desc' },
          select: { id: true, summary: true, createdAt: true },
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
          previewSummary: preview ? ({ id: preview.id, attached_at: preview.createdAt.toISOString(), summary: preview.summary } as Prisma.InputJsonValue) : undefined,
        },
      });
      await recordAudit(tx, actor, {
        action: 'review.create',
        subjectType: 'deployment_request',
        subjectId: req.id,
        after: { reviewId: review.id, decision: review.decision, artifactSha256: review.artifactSha256, validationRunId: review.validationRunId, previewSummaryId: preview?.id ?? null },
      });
      const who = `${actor.name}`;
      if (input.decision === 'reject') {
        await applyTransition(tx, actor, req, 'reject', {
          data: { decidedAt: new Date() },
          after: { reviewId: review.id, comment: input.comment },
          event: { type: 'request.rejected', payload: { review_id: review.id, comment: input.comment }, notify: { userIds: [req.requesterId], message: `${who} rejected deploying ${req.modelExport.modelId} to ${req.environment}: ${input.comment}` } },
        });
      } else if (input.decision === 'request_changes') {
        const event = {
          type: 'request.changes_requested' as const,
          payload: { review_id: review.id, comment: input.comment },
          notify: { userIds: [req.requesterId], message: `${who} requested changes to deploying ${req.modelExport.modelId} to ${req.environment}: ${input.comment}` },
        };
        if (req.state === 'approved') {
          await applyTransition(tx, actor, req, 'request_changes', { data: { decidedAt: null }, after: { reviewId: review.id }, event });
        } else {
          await emitEvent(tx, { type: event.type, environment: req.environment, payload: requestPayload(req, actor, event.payload), notify: { ...event.notify, link: requestLink(req.id), requestId: req.id } });
        }
      } else {
        const ev = await reconcileRequest(tx, actor, req.id);
        if (ev && !ev.satisfied) {
          await notifyUsers(tx, 'request.reviewed', [req.requesterId], `${who} approved deploying ${req.modelExport.modelId} to ${req.environment} (${ev.approvals} of ${ev.required}).`, { requestId: req.id, link: requestLink(req.id) });
        }
      }
      return review;
    });
    kickDispatcher();
    return r;
  } catch (e) {
    if (!(e instanceof ModelDeploymentError) && isSelfReviewViolation(e)) throw new WorkflowError('self_review', SELF_REVIEW_MESSAGE);
    throw e;
  }
}

// ---------------------------------------------------------------------------------------------
// Deploy from a request, and break-glass

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
const REFUSALS = new Set(['not_approved', 'policy_not_satisfied', 'invalid_transition', 'forbidden', 'self_review', 'conflict', 'request_not_found', 'non_finite_threshold']);

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
    throw new WorkflowError('not_approved', `Only an approved request can be deployed; this one is ${req.state}${missing}`);
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
          throw new WorkflowError('policy_not_satisfied', 'The request no longer names the bytes being deployed (it was amended); review it again.');
        }
        // The run deployModel has just made is the deploy's own re-check; approvals bind to the one before it.
        const { evaluation, latest } = await evaluateRequest(tx, cur, { deployerId: actor.id, excludeValidationRunId: ctx.validationRunId });
        if (!evaluation.satisfied) throw new WorkflowError('policy_not_satisfied', `Not deployable: ${evaluation.reasons.join(' ')}`);
        await applyTransition(tx, actor, cur, 'deploy', {
          data: { decidedAt: new Date(), failureReason: null },
          after: { approvals: evaluation.approvals, required: evaluation.required, approverIds: evaluation.approverIds, reviewedValidationRunId: latest?.id ?? null, deployValidationRunId: ctx.validationRunId, artifactSha256: ctx.artifactSha256 },
        });
      },
    });
    return result;
  } catch (e) {
    // A lost race (TransactionConflictError) changed nothing: the request stays approved for the retry.
    if ((e instanceof WorkflowError && REFUSALS.has(e.code)) || (e instanceof TransactionConflictError && e.code === 'deploy_conflict')) throw e;
    await markFailed(db, actor, requestId, e);
    throw e;
  }
}

async function markFailed(db: Db, actor: Actor, requestId: string, e: unknown) {
  const reason = e instanceof ModelDeploymentError || e instanceof ArtifactError ? e.message : 'Internal error while deploying; it has been logged.';
  if (reason.startsWith('Internal')) console.error('deploy from request failed', e);
  await serializable(db, async (tx) => {
    const req = await loadRequest(tx, requestId);
    if (req.state !== 'approved') return;
    await applyTransition(tx, actor, req, 'fail', {
      data: { failureReason: reason, decidedAt: new Date() },
      after: { failureReason: reason, code: (e as { code?: string })?.code ?? null },
      event: { type: 'request.failed', payload: { failure_reason: reason }, notify: { userIds: [req.requesterId], message: `Deploying ${req.modelExport.modelId} to ${req.environment} failed: ${reason}` } },
    });
  });
  kickDispatcher();
}

export const BREAK_GLASS_REASON_MIN = 20;
export const breakGlassReasonSchema = z
  .string()
  .trim()
  .min(BREAK_GLASS_REASON_MIN, `Write why this cannot wait for approvals, in at least ${BREAK_GLASS_REASON_MIN} characters.`)
  .max(2000, 'At most 2000 characters.');

/**
 * An admin deploys a request without its approvals, with a written reason: the deployment row
 * carries the reason (flagged wherever deployments show), the audit says model.deploy.break_glass,
 * and the request records what the policy was still missing.
 */
export async function breakGlassDeploy(db: Db, store: ArtifactStore, actor: Actor, requestId: string, rawReason: string) {
  requirePermission(actor, 'deployments.break_glass');
  const parsed = breakGlassReasonSchema.safeParse(rawReason);
  if (!parsed.success) throw new WorkflowError('break_glass_reason_required', parsed.error.issues[0].message, { field: 'reason' });
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
      const { evaluation } = await evaluateRequest(tx, cur, { deployerId: actor.id, excludeValidationRunId: ctx.validationRunId });
      await applyTransition(tx, actor, cur, 'break_glass', {
        data: { decidedAt: new Date(), failureReason: null },
        after: { breakGlass: true, breakGlassReason: reason, bypassed: evaluation.reasons, approvals: evaluation.approvals, required: evaluation.required },
      });
    },
  });
}
