import 'server-only';
import type { Actor } from '../../auth/permissions';
import { requirePermission } from '../../auth/permissions';
import type { Db } from '../../db';
import { notFound } from '../../errors';
import { recordAudit, type Tx } from '../audit';
import { kickDispatcher } from '../events';
import { authorizeTransition, WorkflowError } from '../review-state';
import { serializable } from '../transactions';
import { getReviewPolicy, loadRequest, type LoadedRequest } from './load';
import { reconcileRequest } from './reconcile';
import { amendRequestSchema, createRequestSchema, type AmendRequestInput, type CreateRequestInput } from './schemas';
import { applyTransition, usersWhoMay } from './transitions';

/** The requester's side of a request: open (or draft), submit, withdraw, amend. */

/** Opens a request to deploy an export with its ModelDeploymentConfig; the age range is the export's. */
export async function createDeploymentRequest(db: Db, actor: Actor, raw: CreateRequestInput) {
  requirePermission(actor, 'requests.create');
  const input = createRequestSchema.parse(raw);
  const exp = await db.modelExport.findUnique({ where: { modelId: input.modelId } });
  if (!exp) throw notFound('Model', input.modelId, 'model_not_found');
  const created = await serializable(db, async (tx) => {
    const dup = await tx.deploymentRequest.findFirst({
      where: {
        modelExportId: exp.id,
        environment: input.environment,
        requesterId: actor.id,
        state: { in: ['draft', 'open', 'approved'] },
      },
      select: { id: true, state: true },
    });
    if (dup)
      throw new WorkflowError(
        'conflict',
        `You already have a ${dup.state} request to deploy ${exp.modelId} to ${input.environment}; amend or withdraw it instead.`,
        { requestId: dup.id },
      );
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
      notify: {
        userIds: reviewers,
        message: `${req.requester.name} asks to deploy ${req.modelExport.modelId} to ${req.environment} (ages ${req.ageGroupMin}–${req.ageGroupMax}): your review is needed.`,
      },
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
        notify: {
          userIds: reviewers,
          message: `${req.requester.name} withdrew the request to deploy ${req.modelExport.modelId} to ${req.environment}.`,
        },
      },
    });
    return loadRequest(tx, requestId);
  });
  kickDispatcher();
  return r;
}

/** The flags a requester may amend, by the row's column. */
const AMENDABLE_FLAGS = ['replaceExisting', 'backupExisting', 'validateBeforeDeployment'] as const;

/**
 * The requester changes what the request asks: another export of the same age range (new bytes:
 * the approvals given to the old ones lapse, and an approved request goes back to open), a flag
 * (replace, backup, validate again) or the rationale. Approvals bind to the bytes, so a flag or the
 * rationale keeps them, and keeps an approved request approved while the policy is still met.
 */
export async function amendRequest(db: Db, actor: Actor, requestId: string, raw: AmendRequestInput) {
  requirePermission(actor, 'requests.create');
  const input = amendRequestSchema.parse(raw);
  const r = await serializable(db, async (tx) => {
    const req = await loadRequest(tx, requestId);
    authorizeTransition(actor, req, 'amend');
    const exp = input.modelId
      ? await tx.modelExport.findUnique({ where: { modelId: input.modelId } })
      : req.modelExport;
    if (!exp) throw new WorkflowError('model_not_found', `Model ${input.modelId} not found`, { field: 'modelId' });
    if (exp.ageGroupMin !== req.ageGroupMin || exp.ageGroupMax !== req.ageGroupMax) {
      throw new WorkflowError(
        'age_range_mismatch',
        `${exp.modelId} was exported for ages ${exp.ageGroupMin}–${exp.ageGroupMax}; this request is for ${req.ageGroupMin}–${req.ageGroupMax}.`,
        { field: 'modelId' },
      );
    }
    const rationale = input.rationale ?? req.rationale;
    const flags = Object.fromEntries(AMENDABLE_FLAGS.map((k) => [k, input[k] ?? req[k]])) as Record<
      (typeof AMENDABLE_FLAGS)[number],
      boolean
    >;
    const changedFlags = AMENDABLE_FLAGS.filter((k) => flags[k] !== req[k]);
    const newBytes = exp.id !== req.modelExportId;
    if (!newBytes && !changedFlags.length && rationale === req.rationale) {
      throw new WorkflowError(
        'conflict',
        'The request already says this; choose another export, change a flag (replace, backup, validate again) or the rationale.',
        { field: 'modelId' },
      );
    }
    const data = { modelExportId: exp.id, artifactSha256: exp.checksum, rationale, ...flags, failureReason: null };
    const before = {
      modelId: req.modelExport.modelId,
      artifactSha256: req.artifactSha256,
      ...Object.fromEntries(changedFlags.map((k) => [k, req[k]])),
    };
    const after = {
      modelId: exp.modelId,
      artifactSha256: exp.checksum,
      rationaleChanged: rationale !== req.rationale,
      ...Object.fromEntries(changedFlags.map((k) => [k, flags[k]])),
    };
    if (!newBytes && (req.state === 'open' || req.state === 'approved')) {
      // Same bytes: the state stands (the approvals bind to the bytes); reconcile below says whether it still should.
      const { count } = await tx.deploymentRequest.updateMany({ where: { id: req.id, state: req.state }, data });
      if (count !== 1)
        throw new WorkflowError(
          'conflict',
          'The request changed while you were amending it; reload the page and try again.',
        );
      await recordAudit(tx, actor, {
        action: 'request.amend',
        subjectType: 'deployment_request',
        subjectId: req.id,
        before: { state: req.state, ...before },
        after: { state: req.state, ...after },
      });
    } else {
      await applyTransition(tx, actor, req, 'amend', { data: { ...data, decidedAt: null }, before, after });
    }
    await reconcileRequest(
      tx,
      actor,
      req.id,
      !newBytes
        ? undefined
        : exp.checksum === req.artifactSha256
          ? 'the request names another export'
          : 'the request points at other bytes',
    );
    return loadRequest(tx, requestId);
  });
  kickDispatcher();
  return r;
}
