'use server';

import { revalidatePath } from 'next/cache';
import { redirect } from 'next/navigation';
import { z } from 'zod';
import { validatedAction } from '@/lib/auth/action';
import { addComment } from '@/lib/registry/comments';
import {
  amendRequest,
  breakGlassDeploy,
  breakGlassReasonSchema,
  createDeploymentRequest,
  environmentSchema,
  deployFromRequest,
  commentRequiredIssue,
  hasCommentUnlessApproval,
  rationaleSchema,
  reviewCommentSchema,
  reviewDecisionSchema,
  reviewRequest,
  submitRequest,
  withdrawReasonSchema,
  withdrawRequest,
} from '@/lib/registry/requests';
import { attachPreviewSummary, PREVIEW_SUMMARY_MAX_BYTES } from '@/lib/registry/review-previews';
import { getStore } from '@/lib/storage';

/** Checkboxes post "on" when checked and nothing when not. */
const checkbox = z.preprocess((v) => v === 'on' || v === 'true' || v === true, z.boolean());
const id = z.string().min(1, 'Missing request id.');

function refresh(requestId?: string, modelId?: string) {
  revalidatePath('/reviews');
  if (requestId) revalidatePath(`/reviews/${requestId}`);
  if (modelId) revalidatePath(`/models/${modelId}`);
}

export const createRequestAction = validatedAction(
  'requests.create',
  z.object({
    modelId: z.string().min(1),
    environment: environmentSchema,
    replaceExisting: checkbox,
    backupExisting: checkbox,
    validateBeforeDeployment: checkbox,
    rationale: rationaleSchema,
    intent: z.enum(['submit', 'draft']).default('submit'),
  }),
  async ({ intent, ...input }, { actor, db }) => {
    const req = await createDeploymentRequest(db, actor, { ...input, submit: intent === 'submit' });
    refresh(req.id, input.modelId);
    redirect(`/reviews/${req.id}`);
  },
);

export const submitRequestAction = validatedAction(
  'requests.create',
  z.object({ requestId: id }),
  async ({ requestId }, { actor, db }) => {
    await submitRequest(db, actor, requestId);
    refresh(requestId);
    return { ok: true, message: 'Submitted: reviewers have been notified.', fieldErrors: {} };
  },
);

export const withdrawRequestAction = validatedAction(
  'requests.create',
  z.object({ requestId: id, reason: withdrawReasonSchema }),
  async ({ requestId, reason }, { actor, db }) => {
    await withdrawRequest(db, actor, requestId, reason);
    refresh(requestId);
    return { ok: true, message: 'Request withdrawn.', fieldErrors: {} };
  },
);

export const amendRequestAction = validatedAction(
  'requests.create',
  z.object({
    requestId: id,
    // "Keep the current export" posts an empty value; the form always posts every flag.
    modelId: z.preprocess((v) => (v === '' ? undefined : v), z.string().optional()),
    rationale: z.preprocess((v) => (v === '' ? undefined : v), rationaleSchema.optional()),
    replaceExisting: checkbox,
    backupExisting: checkbox,
    validateBeforeDeployment: checkbox,
  }),
  async ({ requestId, ...input }, { actor, db }) => {
    const r = await amendRequest(db, actor, requestId, input);
    refresh(requestId, r.modelExport.modelId);
    return {
      ok: true,
      message: input.modelId
        ? `Amended: the request now names ${r.modelExport.modelId}. Earlier approvals of other bytes have lapsed.`
        : `Amended: the request is ${r.state}; its approvals stand (they bind to the bytes, which did not change).`,
      fieldErrors: {},
    };
  },
);

/** A preview summary as the browser posts it: a JSON object in one form field. */
const previewSummaryField = z
  .string()
  .max(PREVIEW_SUMMARY_MAX_BYTES, `The summary is larger than ${PREVIEW_SUMMARY_MAX_BYTES / 1024} KiB.`)
  .transform((s, ctx) => {
    try {
      const v: unknown = JSON.parse(s);
      if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
    } catch {
      // reported below
    }
    ctx.addIssue({ code: 'custom', message: 'The summary must be a JSON object.' });
    return z.NEVER;
  });
const blankAsMissing = (v: unknown) => (v === '' || v === null ? undefined : v);

export const reviewRequestAction = validatedAction(
  'reviews.write',
  z
    .object({
      requestId: id,
      decision: reviewDecisionSchema,
      comment: reviewCommentSchema,
      // The request page's inline preview: its run's summary, attached in the same submit as the approval.
      modelId: z.preprocess(blankAsMissing, z.string().min(1).optional()),
      summary: z.preprocess(blankAsMissing, previewSummaryField.optional()),
    })
    .refine(hasCommentUnlessApproval, commentRequiredIssue),
  async ({ requestId, decision, comment, modelId, summary }, { actor, db }) => {
    // Attached (and verified) first: a refused summary throws here and no review is recorded.
    const attached = decision === 'approve' && summary && modelId;
    if (attached) await attachPreviewSummary(db, getStore(), actor, modelId, summary);
    await reviewRequest(db, actor, requestId, { decision, comment });
    refresh(requestId, attached ? modelId : undefined);
    const said = {
      approve: attached ? 'Approved. The server verified your preview summary and attached it.' : 'Approved.',
      request_changes: 'Changes requested: the requester has been notified.',
      reject: 'Rejected: the requester has been notified.',
    }[decision];
    return { ok: true, message: said, fieldErrors: {} };
  },
);

export const deployRequestAction = validatedAction(
  'deployments.write',
  z.object({ requestId: id }),
  async ({ requestId }, { actor, db }) => {
    try {
      const r = await deployFromRequest(db, getStore(), actor, requestId);
      return {
        ok: true,
        message: `Deployed as deployment ${r.deployment_id} (threshold ${r.threshold.toPrecision(4)} from ${r.sample_count} samples).`,
        fieldErrors: {},
      };
    } finally {
      // A failed deploy changes the request too (state failed, with its reason).
      refresh(requestId);
      revalidatePath('/deployments');
    }
  },
);

export const breakGlassDeployAction = validatedAction(
  'deployments.break_glass',
  z.object({ requestId: id, reason: breakGlassReasonSchema }),
  async ({ requestId, reason }, { actor, db }) => {
    const r = await breakGlassDeploy(db, getStore(), actor, requestId, reason);
    refresh(requestId, r.model_id);
    revalidatePath('/deployments');
    return {
      ok: true,
      message: `Deployed with break-glass as deployment ${r.deployment_id}; flagged and audited.`,
      fieldErrors: {},
    };
  },
);

const optional = z.preprocess((v) => (v === '' || v === null ? undefined : v), z.string().min(1).optional());

export const addCommentAction = validatedAction(
  'comments.write',
  z.object({
    requestId: optional,
    modelId: optional,
    parentId: optional,
    body: z.string().trim().min(1, 'Write something first.').max(8000, 'At most 8000 characters.'),
  }),
  async (input, { actor, db }) => {
    const { unresolved } = await addComment(db, actor, input);
    refresh(input.requestId, input.modelId);
    return {
      ok: true,
      message: unresolved.length
        ? `Posted, but ${unresolved.map((u) => `@${u}`).join(', ')} mentioned nobody: no teammate (or more than one) has that name. Pick one from the suggestions, or write @"Full Name" or their email.`
        : 'Posted.',
      fieldErrors: {},
    };
  },
);

/**
 * The reconstruction preview's "Attach to review": stores the summary the reviewer's browser
 * computed, once the server has recomputed and verified it, for their next approval of these bytes.
 */
export const attachPreviewSummaryAction = validatedAction(
  'reviews.write',
  z.object({
    modelId: z.string().min(1),
    summary: previewSummaryField,
  }),
  async ({ modelId, summary }, { actor, db }) => {
    const row = await attachPreviewSummary(db, getStore(), actor, modelId, summary);
    refresh(undefined, modelId);
    return {
      ok: true,
      message:
        'Verified and attached: the server recomputed these numbers and they agree; your next approval of a request for these bytes carries this summary.',
      fieldErrors: {},
      data: { previewSummaryId: row.id },
    };
  },
);
