import 'server-only';
import type { Actor } from '../../auth/permissions';
import { requirePermission } from '../../auth/permissions';
import type { Db } from '../../db';
import { recordAudit } from '../audit';
import { ENVIRONMENTS } from '../deploy';
import { serializable } from '../transactions';
import { getReviewPolicy, policyRules } from './load';
import { reconcileRequest } from './reconcile';
import { reviewPolicySchema, type ReviewPolicyInput } from './schemas';

/** Each environment's review policy: reading it, and the admins' changes (which re-evaluate requests). */

export async function listReviewPolicies(db: Db, actor: Actor) {
  requirePermission(actor, 'reviews.read');
  const rows = await db.reviewPolicy.findMany({ include: { updatedBy: { select: { name: true } } } });
  return ENVIRONMENTS.map((environment) => {
    const row = rows.find((r) => r.environment === environment);
    return {
      ...policyRules(environment, row),
      updatedAt: row?.updatedAt ?? null,
      updatedBy: row?.updatedBy?.name ?? null,
    };
  });
}

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
      update: {
        requiredApprovals: input.requiredApprovals,
        requirePreviewSummary: input.requirePreviewSummary,
        updatedById: actor.via === 'system' ? null : actor.id,
      },
    });
    await recordAudit(tx, actor, {
      action: 'policy.update',
      subjectType: 'review_policy',
      subjectId: input.environment,
      before: {
        requiredApprovals: before.requiredApprovals,
        requirePreviewSummary: before.requirePreviewSummary,
        isDefault: before.isDefault,
      },
      after: { requiredApprovals: row.requiredApprovals, requirePreviewSummary: row.requirePreviewSummary },
    });
    const pending = await tx.deploymentRequest.findMany({
      where: { environment: input.environment, state: { in: ['open', 'approved'] } },
      select: { id: true },
    });
    for (const p of pending) await reconcileRequest(tx, actor, p.id, 'the review policy changed');
    return row;
  });
}
