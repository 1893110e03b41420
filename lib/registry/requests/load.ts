import 'server-only';
import type { Actor } from '../../auth/permissions';
import type { Db } from '../../db';
import type { Prisma } from '../../db/generated/client';
import { notFound } from '../../errors';
import type { Tx } from '../audit';
import { reviewPreviewOf } from '../review-previews';
import { defaultPolicy, evaluatePolicy, type PolicyRules, type ReviewFacts } from '../review-policy';
import { checkDeployPreconditions } from './preconditions';
import { requestWhereVisibleTo } from './visibility';

/** Loading a request and what it is judged against: the environment's policy, the latest validation. */

export const requestInclude = {
  modelExport: true,
  requester: { select: { id: true, name: true, email: true } },
  reviews: { orderBy: { createdAt: 'asc' }, include: { reviewer: { select: { id: true, name: true, email: true } } } },
} satisfies Prisma.DeploymentRequestInclude;
export type LoadedRequest = Prisma.DeploymentRequestGetPayload<{ include: typeof requestInclude }>;

export const requestLink = (id: string) => `/reviews/${id}`;

/** A request by id for the workflow itself (its writers have checked who may act). */
export async function loadRequest(tx: Tx, id: string): Promise<LoadedRequest> {
  const r = await tx.deploymentRequest.findUnique({ where: { id }, include: requestInclude });
  if (!r) throw notFound('Deployment request', id, 'request_not_found');
  return r;
}

/** A request as `actor` may see it (requestWhereVisibleTo), or request_not_found. */
export async function findVisibleRequest<I extends Prisma.DeploymentRequestInclude>(
  db: Db,
  actor: Actor,
  id: string,
  include: I,
) {
  const r = await db.deploymentRequest.findFirst({ where: { AND: [{ id }, requestWhereVisibleTo(actor)] }, include });
  if (!r) throw notFound('Deployment request', id, 'request_not_found');
  return r as Prisma.DeploymentRequestGetPayload<{ include: I }>;
}

/** The review policy of an environment: the admins' row, or the defaults (staging 1, production 2). */
export async function getReviewPolicy(tx: Tx, environment: string): Promise<PolicyRules> {
  return policyRules(environment, await tx.reviewPolicy.findUnique({ where: { environment } }));
}

export function policyRules(
  environment: string,
  row: { requiredApprovals: number; requirePreviewSummary: boolean } | null | undefined,
): PolicyRules {
  if (!row) return defaultPolicy(environment);
  return {
    environment,
    requiredApprovals: row.requiredApprovals,
    requirePreviewSummary: row.requirePreviewSummary,
    isDefault: false,
  };
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
    // "Preview required" means one the server verified (review-previews.ts), not any attached JSON.
    hasPreviewSummary: reviewPreviewOf(r.previewSummary)?.verified === true,
    createdAt: r.createdAt,
  };
}

/** The export's failing validation runs: each lapses the approvals of its bytes given before it. */
export function failedValidationRuns(tx: Tx, modelExportId: string) {
  return tx.validationRun.findMany({
    where: { modelExportId, isValid: false },
    select: { artifactSha256: true, createdAt: true },
  });
}

/**
 * The policy evaluation of a request now, with what the deploy would refuse (dynamic: lapses and
 * preconditions are computed against the world now, not trusted from columns).
 */
export async function evaluateRequest(tx: Tx, req: LoadedRequest, opts: { deployerId?: string } = {}) {
  const [policy, latest, failedRuns] = await Promise.all([
    getReviewPolicy(tx, req.environment),
    latestValidationRun(tx, req.modelExportId),
    failedValidationRuns(tx, req.modelExportId),
  ]);
  const preconditions = await checkDeployPreconditions(tx, req, latest);
  const evaluation = evaluatePolicy({
    policy,
    requesterId: req.requesterId,
    requestSha256: req.artifactSha256,
    exportSha256: req.modelExport.checksum,
    latestValidation: latest ? { id: latest.id, isValid: latest.isValid, artifactSha256: latest.artifactSha256 } : null,
    failedRuns,
    preconditions,
    reviews: req.reviews.map(reviewFacts),
    deployerId: opts.deployerId,
  });
  return { policy, latest, evaluation };
}
