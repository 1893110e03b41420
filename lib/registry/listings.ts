import 'server-only';
import type { Actor } from '../auth/permissions';
import { can, requirePermission } from '../auth/permissions';
import type { Db } from '../db';
import type { Prisma } from '../db/generated/client';
import { getReviewPolicy } from './policy';
import { reviewFacts, requestInclude } from './requests';
import { approvalLapse, evaluatePolicy, type PolicyRules } from './review-policy';
import { REQUEST_STATES, type RequestState } from './review-state';

export type RequestListFilter = {
  state?: RequestState;
  environment?: string;
  /** mine: requests I opened; awaiting: open requests of others that have no current review of mine. */
  view?: 'all' | 'mine' | 'awaiting';
};

/** People still act on these, in this order; the rest are history. */
const STATE_ORDER: Record<RequestState, number> = { open: 0, approved: 1, draft: 2, failed: 3, rejected: 4, withdrawn: 5, deployed: 6 };

/**
 * The reviews page: requests with their approvals against the policy (evaluated now, so lapsed
 * approvals do not count), open ones first. Drafts show only to their requester.
 */
export async function listDeploymentRequests(db: Db, actor: Actor, filter: RequestListFilter = {}) {
  requirePermission(actor, 'reviews.read');
  const where: Prisma.DeploymentRequestWhereInput = {
    AND: [
      filter.state && (REQUEST_STATES as readonly string[]).includes(filter.state) ? { state: filter.state } : {},
      filter.environment ? { environment: filter.environment } : {},
      filter.view === 'mine' ? { requesterId: actor.id } : {},
      filter.view === 'awaiting' ? { state: 'open', requesterId: { not: actor.id } } : {},
      { OR: [{ state: { not: 'draft' } }, { requesterId: actor.id }] },
    ],
  };
  const rows = await db.deploymentRequest.findMany({ where, orderBy: [{ createdAt: 'desc' }], include: { ...requestInclude, _count: { select: { comments: true } } }, take: 500 });
  const exportIds = [...new Set(rows.map((r) => r.modelExportId))];
  const runs = exportIds.length
    ? await db.validationRun.findMany({ where: { modelExportId: { in: exportIds } }, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], select: { id: true, modelExportId: true, isValid: true, artifactSha256: true } })
    : [];
  const latest = new Map<string, (typeof runs)[number]>();
  for (const run of runs) if (!latest.has(run.modelExportId)) latest.set(run.modelExportId, run);
  const policies = new Map<string, PolicyRules>();
  for (const env of new Set(rows.map((r) => r.environment))) policies.set(env, await getReviewPolicy(db, env));

  const items = rows.map((r) => {
    const run = latest.get(r.modelExportId) ?? null;
    const evaluation = evaluatePolicy({
      policy: policies.get(r.environment)!,
      requesterId: r.requesterId,
      requestSha256: r.artifactSha256,
      exportSha256: r.modelExport.checksum,
      latestValidation: run,
      reviews: r.reviews.map(reviewFacts),
    });
    const mine = [...r.reviews].reverse().find((x) => x.reviewerId === actor.id);
    const myReviewIsCurrent = !!mine && (mine.decision === 'approve' ? approvalLapse(mine, r.artifactSha256, run) === null : mine.artifactSha256 === r.artifactSha256);
    const awaitingMe = r.state === 'open' && r.requesterId !== actor.id && can(actor, 'reviews.write') && !myReviewIsCurrent;
    return {
      id: r.id,
      state: r.state,
      environment: r.environment,
      ageGroupMin: r.ageGroupMin,
      ageGroupMax: r.ageGroupMax,
      modelId: r.modelExport.modelId,
      exportFormat: r.modelExport.exportFormat,
      requester: r.requester,
      createdAt: r.createdAt,
      updatedAt: r.updatedAt,
      approvals: evaluation.approvals,
      required: evaluation.required,
      lapsed: evaluation.lapsed.length,
      reasons: evaluation.reasons,
      reviews: r.reviews.length,
      comments: r._count.comments,
      awaitingMe,
      failureReason: r.failureReason,
    };
  });
  const filtered = filter.view === 'awaiting' ? items.filter((i) => i.awaitingMe) : items;
  return filtered.sort((a, b) => STATE_ORDER[a.state] - STATE_ORDER[b.state] || b.createdAt.getTime() - a.createdAt.getTime());
}
export type RequestListItem = Awaited<ReturnType<typeof listDeploymentRequests>>[number];

export async function countOverview(db: Db, actor: Actor) {
  requirePermission(actor, 'models.read');
  const [jobs, exports, active, openRequests] = await Promise.all([
    db.trainingJob.count(),
    db.modelExport.count(),
    db.ageGroupModel.count({ where: { isActive: true } }),
    db.deploymentRequest.count({ where: { state: 'open' } }),
  ]);
  return { jobs, exports, active, openRequests };
}
