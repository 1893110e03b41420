import 'server-only';
import type { Actor } from '../auth/permissions';
import { can, requirePermission } from '../auth/permissions';
import type { Db } from '../db';
import type { ModelExport, ValidationRun } from '../db/generated/client';
import { listComments } from './comments';
import {
  evaluateRequest,
  failedValidationRuns,
  findVisibleRequest,
  latestValidationRun,
  requestInclude,
  requestWhereVisibleTo,
} from './requests';
import { latestPreviewSummaries } from './review-previews';
import { approvalLapse } from './review-policy';
import { availableActions, type RequestState } from './review-state';

/** One side of the diff: an export and what is known about it. */
export type DiffSide = {
  modelId: string;
  exportFormat: string;
  checksum: string;
  hiddenDims: number[];
  inputDim: number;
  parameterCount: number;
  architectureHash: string;
  trainingMetrics: Record<string, unknown>;
  exportedAt: Date;
  validation: {
    id: string;
    isValid: boolean;
    at: Date;
    errors: number;
    warnings: number;
    normalMedian: number | null;
    anomalousMedian: number | null;
    anomaliesAboveP95: string | null;
    onnxMaxRelDiff: number | null;
  } | null;
  previews: { userName: string; at: Date; summary: unknown }[];
  deployment?: {
    id: number;
    threshold: number;
    sampleCount: number;
    deployedAt: Date;
    breakGlassReason: string | null;
  };
};

function side(
  exp: ModelExport,
  run: ValidationRun | null,
  previews: Awaited<ReturnType<typeof latestPreviewSummaries>>,
): DiffSide {
  const arch = exp.architecture as { input_dim?: number; hidden_dims?: number[] };
  const perf = (run?.performanceChecks ?? {}) as Record<string, unknown>;
  const vs = perf.validation_set as Record<string, number> | undefined;
  return {
    modelId: exp.modelId,
    exportFormat: exp.exportFormat,
    checksum: exp.checksum,
    hiddenDims: arch.hidden_dims ?? [],
    inputDim: arch.input_dim ?? exp.inputDimension,
    parameterCount: exp.parameterCount,
    architectureHash: exp.architectureHash,
    trainingMetrics: (exp.trainingMetrics ?? {}) as Record<string, unknown>,
    exportedAt: exp.exportTimestamp,
    validation: run
      ? {
          id: run.id,
          isValid: run.isValid,
          at: run.createdAt,
          errors: (run.errors as unknown[]).length,
          warnings: (run.warnings as unknown[]).length,
          normalMedian: vs?.normal_error_median ?? null,
          anomalousMedian: vs?.anomalous_error_median ?? null,
          anomaliesAboveP95: vs ? `${vs.anomalies_above_p95} of ${vs.anomalous_samples}` : null,
          onnxMaxRelDiff: typeof perf.onnxruntime_max_rel_diff === 'number' ? perf.onnxruntime_max_rel_diff : null,
        }
      : null,
    previews: previews.map((p) => ({ userName: p.user.name, at: p.createdAt, summary: p.summary })),
  };
}

/**
 * Everything the request page shows: the request, its history (its audit rows), the policy
 * evaluation now (and as the viewer would deploy it), the reviews with whether each still binds,
 * the diff against the model it would replace, the comments, and what the viewer may do.
 */
export async function getRequestDetail(db: Db, actor: Actor, requestId: string) {
  requirePermission(actor, 'reviews.read');
  const req = await findVisibleRequest(db, actor, requestId, {
    ...requestInclude,
    deployments: { include: { deployedBy: { select: { name: true } } }, orderBy: { createdTimestamp: 'desc' } },
  });
  const { policy, latest, evaluation } = await evaluateRequest(db, req);
  const asDeployer = can(actor, 'deployments.write')
    ? (await evaluateRequest(db, req, { deployerId: actor.id })).evaluation
    : null;

  const current = await db.ageGroupModel.findFirst({
    where: { environment: req.environment, ageMin: req.ageGroupMin, ageMax: req.ageGroupMax, isActive: true },
    include: { modelExport: true },
  });
  const [candidatePreviews, currentPreviews, currentRun, history, comments, siblings, failedRuns] = await Promise.all([
    latestPreviewSummaries(db, actor, req.modelExportId),
    current ? latestPreviewSummaries(db, actor, current.modelExportId) : Promise.resolve([]),
    current ? latestValidationRun(db, current.modelExportId) : Promise.resolve(null),
    db.auditEvent.findMany({
      where: { subjectType: 'deployment_request', subjectId: req.id },
      orderBy: { id: 'asc' },
      take: 200,
    }),
    listComments(db, actor, { requestId: req.id }),
    db.modelExport.findMany({
      where: { ageGroupMin: req.ageGroupMin, ageGroupMax: req.ageGroupMax },
      orderBy: { exportTimestamp: 'desc' },
      take: 50,
      select: { modelId: true, exportFormat: true, exportTimestamp: true, checksum: true },
    }),
    failedValidationRuns(db, req.modelExportId),
  ]);
  const candidate = side(req.modelExport, latest, candidatePreviews);
  const replaced = current
    ? {
        ...side(current.modelExport, currentRun, currentPreviews),
        deployment: {
          id: current.id,
          threshold: current.threshold,
          sampleCount: current.sampleCount,
          deployedAt: current.createdTimestamp,
          breakGlassReason: current.breakGlassReason,
        },
      }
    : null;
  const reviews = req.reviews.map((r) => {
    const lapse =
      r.decision === 'approve'
        ? approvalLapse(r, req.artifactSha256, failedRuns)
        : r.artifactSha256 !== req.artifactSha256
          ? 'artifact_changed'
          : null;
    return { ...r, lapse, counted: evaluation.counted.includes(r.id) };
  });
  const myPreview = candidatePreviews.find((p) => p.userId === actor.id) ?? null;
  return {
    request: req,
    state: req.state as RequestState,
    policy,
    evaluation,
    asDeployer,
    latestValidation: latest,
    reviews,
    history,
    comments,
    diff: { candidate, replaced },
    siblings: siblings.filter((s) => s.modelId !== req.modelExport.modelId),
    actions: availableActions(actor, { state: req.state as RequestState, requesterId: req.requesterId }),
    myPreview,
  };
}
export type RequestDetail = Awaited<ReturnType<typeof getRequestDetail>>;

/** The model page's review panel: the requests for this export and its discussion thread. */
export async function getModelReviewPanel(db: Db, actor: Actor, modelExportId: string) {
  requirePermission(actor, 'reviews.read');
  const [requests, comments] = await Promise.all([
    db.deploymentRequest.findMany({
      where: { AND: [{ modelExportId }, requestWhereVisibleTo(actor)] },
      orderBy: { createdAt: 'desc' },
      take: 20,
      select: {
        id: true,
        state: true,
        environment: true,
        createdAt: true,
        replaceExisting: true,
        backupExisting: true,
        validateBeforeDeployment: true,
        requester: { select: { name: true } },
      },
    }),
    listComments(db, actor, { modelExportId }),
  ]);
  const ids = (function collect(nodes: typeof comments): string[] {
    return nodes.flatMap((n) => [...n.mentions, ...collect(n.replies)]);
  })(comments);
  const users = ids.length
    ? await db.user.findMany({ where: { id: { in: [...new Set(ids)] } }, select: { id: true, name: true } })
    : [];
  return {
    requests: requests.map((r) => ({ ...r, state: r.state as RequestState })),
    comments,
    names: new Map(users.map((u) => [u.id, u.name])),
  };
}
