/**
 * Deployment requests in the API's snake_case, shared by the route handlers and the CLI's local
 * mode (so both print the same JSON). Read-only: every change goes through lib/registry.
 */
import { z } from 'zod';
import { requirePermission, type Actor } from '../auth/permissions';
import type { Db } from '../db';
import type { ArtifactStore } from '../storage/types';
import { ageRangeOverrideToJson } from '../registry/age-range';
import { deploymentToDict, type DeploymentConfig } from '../registry/deploy';
import { deployByConfig } from '../registry/deploy-entry';
import { listRequestPage, type RequestListItem } from '../registry/listings';
import type { PolicyRules, PolicyEvaluation } from '../registry/review-policy';
import { getRequestDetail, type RequestDetail } from '../registry/review-detail';
import { attachPreviewSummary, reviewPreviewOf } from '../registry/review-previews';
import {
  amendRequest,
  breakGlassDeploy,
  createDeploymentRequest,
  deployFromRequest,
  deploymentBreakGlass,
  evaluateRequest,
  listReviewPolicies,
  loadRequest,
  precheckReview,
  requestLink,
  reviewRequest,
  setReviewPolicy,
  submitRequest,
  withdrawRequest,
  type LoadedRequest,
} from '../registry/requests';
import type { RequestState } from '../registry/review-state';
import {
  amendRequestBody,
  breakGlassBody,
  createRequestBody,
  requestListQuery,
  reviewBody,
  withdrawBody,
} from './contract/deployment-requests';
import { deployConfigFlags } from './contract/deployments';
import { policyEnvironmentParam, policyUpdateBody } from './contract/review-policies';
import { deploymentToJson } from './serialize';

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);
const person = (u: { id: string; name: string; email: string }) => ({ id: u.id, name: u.name, email: u.email });

export function requestToJson(r: LoadedRequest) {
  return {
    request_id: r.id,
    state: r.state as RequestState,
    deployment_environment: r.environment,
    model_id: r.modelExport.modelId,
    export_format: r.modelExport.exportFormat,
    artifact_sha256: r.artifactSha256,
    age_group_min: r.ageGroupMin,
    age_group_max: r.ageGroupMax,
    age_range_override: ageRangeOverrideToJson(r.modelExport),
    replace_existing: r.replaceExisting,
    backup_existing: r.backupExisting,
    validate_before_deployment: r.validateBeforeDeployment,
    rationale: r.rationale,
    requester: person(r.requester),
    failure_reason: r.failureReason,
    created_at: iso(r.createdAt),
    updated_at: iso(r.updatedAt),
    decided_at: iso(r.decidedAt),
    url: requestLink(r.id),
  };
}
export type RequestJson = ReturnType<typeof requestToJson>;

export function policyToJson(p: PolicyRules) {
  return {
    deployment_environment: p.environment,
    required_approvals: p.requiredApprovals,
    require_preview_summary: p.requirePreviewSummary,
    is_default: p.isDefault,
  };
}

export function evaluationToJson(e: PolicyEvaluation) {
  return {
    satisfied: e.satisfied,
    approvals: e.approvals,
    required: e.required,
    reasons: e.reasons,
    notes: e.notes,
    counted_review_ids: e.counted,
    lapsed: e.lapsed.map((l) => ({ review_id: l.id, reviewer_id: l.reviewerId, cause: l.cause })),
  };
}

/** A request as it stands now, with its policy and the evaluation against it. */
export async function loadRequestJson(db: Db, id: string) {
  return requestWithEvaluation(db, await loadRequest(db, id));
}

export async function requestWithEvaluation(db: Db, req: LoadedRequest) {
  const { policy, evaluation } = await evaluateRequest(db, req);
  return {
    ...requestToJson(req),
    policy: policyToJson(policy),
    evaluation: evaluationToJson(evaluation),
    still_missing: evaluation.stillMissing,
  };
}

/** GET /api/v1/deployment-requests/{id}: the request, its reviews (with whether each still binds), the policy evaluation. */
export function requestDetailToJson(d: RequestDetail) {
  const req = d.request;
  return {
    ...requestToJson(req),
    policy: policyToJson(d.policy),
    evaluation: evaluationToJson(d.evaluation),
    still_missing: d.evaluation.stillMissing,
    as_deployer: d.asDeployer ? evaluationToJson(d.asDeployer) : null,
    latest_validation: d.latestValidation
      ? {
          validation_run_id: d.latestValidation.id,
          is_valid: d.latestValidation.isValid,
          artifact_sha256: d.latestValidation.artifactSha256,
          created_at: iso(d.latestValidation.createdAt),
        }
      : null,
    reviews: d.reviews.map((r) => ({
      review_id: r.id,
      reviewer: person(r.reviewer),
      decision: r.decision,
      comment: r.comment,
      artifact_sha256: r.artifactSha256,
      validation_run_id: r.validationRunId,
      preview_summary: r.previewSummary ?? null,
      preview: reviewPreviewOf(r.previewSummary),
      created_at: iso(r.createdAt),
      lapsed_at: iso(r.lapsedAt),
      /** null while the review binds; artifact_changed or validation_failed once it lapsed. */
      lapse: r.lapse,
      counted: r.counted,
    })),
    deployments: req.deployments.map((x) =>
      deploymentToJson(deploymentToDict({ ...x, modelExport: req.modelExport }), x.deployedBy),
    ),
    available_actions: d.actions,
  };
}

export function requestListItemToJson(i: RequestListItem) {
  return {
    request_id: i.id,
    state: i.state,
    deployment_environment: i.environment,
    model_id: i.modelId,
    export_format: i.exportFormat,
    age_group_min: i.ageGroupMin,
    age_group_max: i.ageGroupMax,
    requester: person(i.requester),
    approvals: i.approvals,
    required: i.required,
    lapsed: i.lapsed,
    reasons: i.reasons,
    reviews: i.reviews,
    comments: i.comments,
    awaiting_me: i.awaitingMe,
    failure_reason: i.failureReason,
    created_at: iso(i.createdAt),
    updated_at: iso(i.updatedAt),
  };
}

/** The break-glass flags of a deployment, in the API's words. */
async function deploymentFlags(db: Db, deploymentId: number) {
  const f = await deploymentBreakGlass(db, deploymentId);
  return { break_glass: f.breakGlass, break_glass_reason: f.breakGlassReason };
}

// ---------------------------------------------------------------------------------------------
// The operations behind the routes, shared with the CLI's local mode (same JSON either way). Each
// is a registry call plus serialization; the registry does every check.

export async function listRequestsJson(db: Db, actor: Actor, rawQuery: Record<string, unknown>) {
  const q = requestListQuery.parse(rawQuery);
  const filter = { state: q.state, environment: q.environment, view: q.view };
  const p = await listRequestPage(db, actor, filter, { page: q.page, pageSize: q.page_size });
  return {
    total: p.total,
    total_exact: p.totalExact,
    page: p.page,
    page_size: p.pageSize,
    requests: p.items.map(requestListItemToJson),
  };
}

export async function createRequestJson(db: Db, actor: Actor, raw: Record<string, unknown>) {
  const b = createRequestBody.parse(raw);
  const created = await createDeploymentRequest(db, actor, {
    modelId: b.model_id,
    environment: b.deployment_environment,
    replaceExisting: b.replace_existing,
    backupExisting: b.backup_existing,
    validateBeforeDeployment: b.validate_before_deployment,
    rationale: b.rationale,
    submit: b.submit,
  });
  return requestWithEvaluation(db, created);
}

export async function requestDetailJson(db: Db, actor: Actor, id: string) {
  return requestDetailToJson(await getRequestDetail(db, actor, id));
}

/** A review, with the preview summary (when given) attached to the export's bytes first so the approval carries it. */
export async function reviewJson(db: Db, store: ArtifactStore, actor: Actor, id: string, raw: Record<string, unknown>) {
  const b = reviewBody.parse(raw);
  const { modelId } = await precheckReview(db, actor, id, b.decision);
  const preview = b.preview_summary ? await attachPreviewSummary(db, store, actor, modelId, b.preview_summary) : null;
  const review = await reviewRequest(db, actor, id, { decision: b.decision, comment: b.comment ?? '' });
  return {
    review: {
      review_id: review.id,
      decision: review.decision,
      comment: review.comment,
      artifact_sha256: review.artifactSha256,
      validation_run_id: review.validationRunId,
      preview_summary_id: preview?.id ?? null,
      has_preview_summary: review.previewSummary !== null && review.previewSummary !== undefined,
      preview: reviewPreviewOf(review.previewSummary),
      created_at: review.createdAt.toISOString(),
    },
    request: await loadRequestJson(db, id),
  };
}

export async function deployRequestJson(db: Db, store: ArtifactStore, actor: Actor, id: string) {
  const r = await deployFromRequest(db, store, actor, id);
  return { ...r, request_id: id, ...(await deploymentFlags(db, r.deployment_id)) };
}

export async function breakGlassJson(
  db: Db,
  store: ArtifactStore,
  actor: Actor,
  id: string,
  raw: Record<string, unknown>,
) {
  const { reason } = breakGlassBody.parse(raw);
  const r = await breakGlassDeploy(db, store, actor, id, reason);
  return {
    ...r,
    warnings: [...r.warnings, 'break-glass: deployed without approvals'],
    request_id: id,
    ...(await deploymentFlags(db, r.deployment_id)),
  };
}

/** deployByConfig with the API's parameters: the approved request for the config, or an admin's break-glass. */
export async function deployByConfigJson(db: Db, store: ArtifactStore, actor: Actor, raw: Record<string, unknown>) {
  const { break_glass_reason, ...f } = deployConfigFlags.parse(raw);
  // The registry's schema drops break_glass_reason; booleans are parsed strictly first.
  const r = await deployByConfig(db, store, actor, { ...raw, ...f } as DeploymentConfig, {
    breakGlassReason: break_glass_reason ?? null,
  });
  return { ...r, ...(await deploymentFlags(db, r.deployment_id)) };
}

export async function withdrawJson(db: Db, actor: Actor, id: string, raw: Record<string, unknown>) {
  const { reason } = withdrawBody.parse(raw);
  return requestWithEvaluation(db, await withdrawRequest(db, actor, id, reason ?? ''));
}

/** The requester's amendment: only what the body names changes. */
export async function amendJson(db: Db, actor: Actor, id: string, raw: Record<string, unknown>) {
  const b = amendRequestBody.parse(raw);
  const amended = await amendRequest(db, actor, id, {
    modelId: b.model_id,
    rationale: b.rationale,
    replaceExisting: b.replace_existing,
    backupExisting: b.backup_existing,
    validateBeforeDeployment: b.validate_before_deployment,
  });
  return requestWithEvaluation(db, amended);
}

export async function submitJson(db: Db, actor: Actor, id: string) {
  return requestWithEvaluation(db, await submitRequest(db, actor, id));
}

export async function listPoliciesJson(db: Db, actor: Actor) {
  return { policies: (await listReviewPolicies(db, actor)).map(policyRowToJson) };
}

function policyRowToJson(p: Awaited<ReturnType<typeof listReviewPolicies>>[number]) {
  return { ...policyToJson(p), updated_at: p.updatedAt?.toISOString() ?? null, updated_by: p.updatedBy };
}

/** An environment's policy; an omitted field keeps its current value. */
export async function setPolicyJson(db: Db, actor: Actor, rawEnvironment: string, raw: Record<string, unknown>) {
  requirePermission(actor, 'policy.manage');
  const env = policyEnvironmentParam.safeParse(rawEnvironment);
  if (!env.success) throw new z.ZodError(env.error.issues.map((i) => ({ ...i, path: ['path', 'environment'] })));
  const b = policyUpdateBody.parse(raw);
  const current = (await listReviewPolicies(db, actor)).find((x) => x.environment === env.data)!;
  await setReviewPolicy(db, actor, {
    environment: env.data,
    requiredApprovals: b.required_approvals ?? current.requiredApprovals,
    requirePreviewSummary: b.require_preview_summary ?? current.requirePreviewSummary,
  });
  return policyRowToJson((await listReviewPolicies(db, actor)).find((x) => x.environment === env.data)!);
}
