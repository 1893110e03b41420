/**
 * The review workflow's inputs in the domain's camelCase. The API's snake_case bodies
 * (lib/api/contract), the console's form schemas and the CLI derive from these, so a rule (the
 * rationale's length, the decisions, the break-glass reason) is written once.
 */
import 'server-only';
import { z } from 'zod';
import { ENVIRONMENTS } from '../deploy';
import { MODEL_ID_PATTERN } from '../model-id';

export const environmentSchema = z.enum(ENVIRONMENTS, { message: 'Choose production or staging.' });

export const RATIONALE_MIN = 10;
export const rationaleSchema = z
  .string()
  .trim()
  .min(RATIONALE_MIN, `Say why in at least ${RATIONALE_MIN} characters.`)
  .max(4000, 'At most 4000 characters.');

const modelIdSchema = z.string().regex(MODEL_ID_PATTERN, 'not a Drawbridge model id');

export const createRequestSchema = z.object({
  modelId: modelIdSchema,
  environment: environmentSchema,
  replaceExisting: z.boolean().default(false),
  backupExisting: z.boolean().default(true),
  validateBeforeDeployment: z.boolean().default(true),
  rationale: rationaleSchema,
  /** Open for review now (true) or keep as a draft. */
  submit: z.boolean().default(true),
});
export type CreateRequestInput = z.input<typeof createRequestSchema>;

/** What an amendment may change; what it leaves out stays as it is. */
export const amendRequestSchema = z.object({
  modelId: modelIdSchema.optional(),
  rationale: rationaleSchema.optional(),
  replaceExisting: z.boolean().optional(),
  backupExisting: z.boolean().optional(),
  validateBeforeDeployment: z.boolean().optional(),
});
export type AmendRequestInput = z.input<typeof amendRequestSchema>;

export const withdrawReasonSchema = z.string().trim().max(2000, 'At most 2000 characters.').default('');

export const REVIEW_DECISIONS = ['approve', 'request_changes', 'reject'] as const;
export type ReviewDecision = (typeof REVIEW_DECISIONS)[number];
export const reviewDecisionSchema = z.enum(REVIEW_DECISIONS, { message: 'Choose approve, request changes or reject.' });
export const reviewCommentSchema = z.string().trim().max(4000, 'At most 4000 characters.').default('');

/** The rule every review schema carries: only an approval may come without a comment. */
export const hasCommentUnlessApproval = (r: { decision: ReviewDecision; comment: string }) =>
  r.decision === 'approve' || r.comment.length > 0;
export const commentRequiredIssue = { message: 'Say what needs to change (or why you reject).', path: ['comment'] };

export const reviewSchema = z
  .object({ decision: reviewDecisionSchema, comment: reviewCommentSchema })
  .refine(hasCommentUnlessApproval, commentRequiredIssue);
export type ReviewInput = z.input<typeof reviewSchema>;

export const BREAK_GLASS_REASON_MIN = 20;
export const breakGlassReasonSchema = z
  .string()
  .trim()
  .min(
    BREAK_GLASS_REASON_MIN,
    `Write why this cannot wait for approvals, in at least ${BREAK_GLASS_REASON_MIN} characters.`,
  )
  .max(2000, 'At most 2000 characters.');

export const reviewPolicySchema = z.object({
  environment: environmentSchema,
  requiredApprovals: z.coerce
    .number({ message: 'Enter a number.' })
    .int('Whole approvals only.')
    .min(1, 'At least 1 approval.')
    .max(10, 'At most 10 approvals.'),
  requirePreviewSummary: z.boolean(),
});
export type ReviewPolicyInput = z.input<typeof reviewPolicySchema>;
