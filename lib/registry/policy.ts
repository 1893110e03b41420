import { z } from 'zod';
import type { Actor } from '../auth/permissions';
import { requirePermission } from '../auth/permissions';
import type { Db } from '../db';
import { recordAudit, type Tx } from './audit';
import { ENVIRONMENTS } from './deploy';
import { reconcileRequest } from './requests';
import { defaultPolicy, type PolicyRules } from './review-policy';
import { serializable } from './transactions';

/** The review policy of an environment: the admins' row, or the defaults (staging 1, production 2). */
export async function getReviewPolicy(tx: Tx, environment: string): Promise<PolicyRules> {
  const row = await tx.reviewPolicy.findUnique({ where: { environment } });
  return row ? { environment, requiredApprovals: row.requiredApprovals, requirePreviewSummary: row.requirePreviewSummary, isDefault: false } : defaultPolicy(environment);
}

export async function listReviewPolicies(db: Db, actor: Actor) {
  requirePermission(actor, 'reviews.read');
  const rows = await db.reviewPolicy.findMany({ include: { updatedBy: { select: { name: true } } } });
  return ENVIRONMENTS.map((environment) => {
    const row = rows.find((r) => r.environment === environment);
    return {
      ...(row ? { environment, requiredApprovals: row.requiredApprovals, requirePreviewSummary: row.requirePreviewSummary, isDefault: false } : defaultPolicy(environment)),
      updatedAt: row?.updatedAt ?? null,
      updatedBy: row?.updatedBy?.name ?? null,
    };
  });
}

export const reviewPolicySchema = z.object({
  environment: z.enum(ENVIRONMENTS, { message: 'Choose production or staging.' }),
  requiredApprovals: z.coerce.number({ message: 'Enter a number.' }).int('Whole approvals only.').min(1, 'At least 1 approval.').max(10, 'At most 10 approvals.'),
  requirePreviewSummary: z.boolean(),
});
export type ReviewPolicyInput = z.input<typeof reviewPolicySchema>;

/**
 * Admins set an environment's rules. Requests under review in that environment are re-evaluated
 * in the same transaction: raising the bar sends approved requests back to open, lowering it
 * approves the ones that now satisfy it.
 */
export async function setReviewPolicy(db: Db, actor: Actor, raw: ReviewPolicyInput) {
  requirePermission(actor, 'policy.manage');
  const input = reviewPolicySchema.parse(raw);
  return serializable(db, async (tx) => {
    const before = await getReviewPolicy(tx, input.environment);
    const row = await tx.reviewPolicy.upsert({
      where: { environment: input.environment },
      create: { ...input, updatedById: actor.via === 'system' ? null : actor.id },
      update: { requiredApprovals: input.requiredApprovals, requirePreviewSummary: input.requirePreviewSummary, updatedById: actor.via === 'system' ? null : actor.id },
    });
    await recordAudit(tx, actor, {
      action: 'policy.update',
      subjectType: 'review_policy',
      subjectId: input.environment,
      before: { requiredApprovals: before.requiredApprovals, requirePreviewSummary: before.requirePreviewSummary, isDefault: before.isDefault },
      after: { requiredApprovals: row.requiredApprovals, requirePreviewSummary: row.requirePreviewSummary },
    });
    const pending = await tx.deploymentRequest.findMany({ where: { environment: input.environment, state: { in: ['open', 'approved'] } }, select: { id: true } });
    for (const p of pending) await reconcileRequest(tx, actor, p.id, 'the review policy changed');
    return row;
  });
}
