/**
 * Two exports side by side: what the compare page shows (facts, and what its in-browser run needs)
 * and the server's reference for that run — both models on the same validation set through
 * onnxruntime-node, their per-sample errors and the samples whose anomaly flag flips.
 *
 * The validation set is A's training job's (B's when A has none): one set for both, so the errors
 * are comparable sample by sample. Each model flags with its own threshold, the one the preview
 * would draw (lib/preview/stats chooseThreshold): its deployment threshold when deployed, else the
 * 95th percentile of its errors on that set.
 */
import 'server-only';
import type { Actor } from '../auth/permissions';
import { requirePermission } from '../auth/permissions';
import type { Db } from '../db';
import { notFound } from '../errors';
import { ModelCompatibilityError, ModelDeploymentError } from '../formats/errors';
import type { ExportFormat } from '../formats/export';
import { fmtModelName } from '../format-display';
import { chooseThreshold, compareFlags, type ThresholdChoice } from '../preview/stats';
import type { ArtifactStore } from '../storage/types';
import { runTask, transferable } from '../workers';
import { getPreviewSources, type PreviewArtifact, type PreviewSources } from './reconstruction';

async function loadSide(db: Db, modelId: string) {
  const exp = await db.modelExport.findUnique({
    where: { modelId },
    include: {
      trainingJob: { select: { id: true, jobName: true, validationSha256: true } },
      validationRuns: { orderBy: { createdAt: 'desc' }, take: 1 },
      deployments: {
        orderBy: { createdTimestamp: 'desc' },
        select: { id: true, environment: true, isActive: true, threshold: true, createdTimestamp: true, status: true },
      },
    },
  });
  if (!exp) throw notFound('Model', modelId, 'model_not_found');
  return exp;
}
type Side = Awaited<ReturnType<typeof loadSide>>;

/** Which set both models run on, and why that one (the page says it). */
function pickValidationSet(a: Side, b: Side) {
  const aSet = a.trainingJob?.validationSha256 ?? null;
  const bSet = b.trainingJob?.validationSha256 ?? null;
  if (aSet) {
    const note =
      bSet && bSet !== aSet
        ? `Both run on A's validation set (training job ${a.trainingJob!.jobName}); B's own set is not used.`
        : `Both run on A's validation set (training job ${a.trainingJob!.jobName}).`;
    return { sha256: aSet, of: 'a' as const, note };
  }
  if (bSet) {
    return {
      sha256: bSet,
      of: 'b' as const,
      note: `A has no validation set; both run on B's (training job ${b.trainingJob!.jobName}).`,
    };
  }
  return null;
}

function checkDimensions(a: Side, b: Side) {
  if (a.inputDimension !== b.inputDimension) {
    throw new ModelCompatibilityError(
      'validation_set_dimension_mismatch',
      `${a.modelId} takes ${a.inputDimension} input dimensions and ${b.modelId} takes ${b.inputDimension}: they cannot run on the same samples. Compare models of the same input dimension.`,
      { field: 'b' },
    );
  }
}

/** The page's two sides (facts and preview sources) and the shared validation set. */
export async function getModelComparison(db: Db, actor: Actor, aId: string, bId: string) {
  requirePermission(actor, 'models.read');
  const [a, b] = await Promise.all([loadSide(db, aId), loadSide(db, bId)]);
  const [pa, pb] = await Promise.all([getPreviewSources(db, actor, aId), getPreviewSources(db, actor, bId)]);
  const vs = pickValidationSet(a, b);
  const validationSet: (PreviewArtifact & { of: 'a' | 'b'; note: string }) | null = vs
    ? { ...((vs.of === 'a' ? pa : pb).validationSet as PreviewArtifact), of: vs.of, note: vs.note }
    : null;
  return {
    a: { exp: a, name: fmtModelName(a), preview: pa },
    b: { exp: b, name: fmtModelName(b), preview: pb },
    validationSet,
    dimensionMismatch:
      a.inputDimension !== b.inputDimension
        ? `${a.modelId} takes ${a.inputDimension} input dimensions and ${b.modelId} takes ${b.inputDimension}: they cannot run on the same samples.`
        : null,
  };
}
export type ModelComparison = Awaited<ReturnType<typeof getModelComparison>>;
export type ComparisonSide = ModelComparison['a'];

export type ReferenceSide = {
  model_id: string;
  name: string;
  export_format: ExportFormat;
  errors: number[];
  threshold: number;
  threshold_source: ThresholdChoice['source'];
  threshold_label: string;
  flagged: number;
};

export type ComparisonReference = {
  validation_set_sha256: string;
  validation_set_of: 'a' | 'b';
  validation_set_note: string;
  samples: number;
  a: ReferenceSide;
  b: ReferenceSide;
  /** Largest |error_A − error_B| over the samples (0 for the same weights in two formats). */
  max_abs_difference: number;
  /** Sample indices flagged by exactly one model, ascending, with which one flags it. */
  flips: { index: number; flagged_by: 'a' | 'b' }[];
  backend: 'onnxruntime-node';
};

/**
 * Both models on the same validation set through onnxruntime-node (non-ONNX converted with the
 * browser's own writer, as computeServerReconstruction does): the numbers the compare page's
 * in-browser run must reproduce.
 */
export async function computeComparisonReference(
  db: Db,
  store: ArtifactStore,
  actor: Actor,
  aId: string,
  bId: string,
): Promise<ComparisonReference> {
  requirePermission(actor, 'models.read');
  const [a, b] = await Promise.all([loadSide(db, aId), loadSide(db, bId)]);
  checkDimensions(a, b);
  const vs = pickValidationSet(a, b);
  if (!vs) {
    throw new ModelDeploymentError(
      'validation_set_missing',
      `Neither ${a.modelId} nor ${b.modelId} has a validation set (their training jobs registered none, or they were exported directly). Compare an export of a training job that has one.`,
    );
  }
  const [pa, pb] = await Promise.all([getPreviewSources(db, actor, aId), getPreviewSources(db, actor, bId)]);
  const setBytes = await store.get(vs.sha256);
  const run = async (exp: Side) =>
    runTask('reconstruction', {
      artifact: transferable(await store.get(exp.checksum)),
      format: exp.exportFormat as ExportFormat,
      // A copy per run: the transfer detaches the buffer it sends.
      validationSet: new Uint8Array(setBytes),
      modelId: exp.modelId,
    });
  // One after the other: each run holds a worker, and the pool is shared with every request.
  const ra = await run(a);
  const rb = await run(b);
  const labels = ra.isAnomaly ? Uint8Array.from(ra.isAnomaly) : null;
  const side = (exp: Side, errors: Float64Array, p: PreviewSources): ReferenceSide => {
    const t = chooseThreshold(errors, labels, p.deploymentThreshold);
    return {
      model_id: exp.modelId,
      name: fmtModelName(exp),
      export_format: exp.exportFormat as ExportFormat,
      errors: Array.from(errors),
      threshold: t.value,
      threshold_source: t.source,
      threshold_label: t.label,
      flagged: errors.filter((e) => e > t.value).length,
    };
  };
  const sa = side(a, Float64Array.from(ra.errors), pa);
  const sb = side(b, Float64Array.from(rb.errors), pb);
  const flags = compareFlags(sa.errors, sa.threshold, sb.errors, sb.threshold);
  const flips = [
    ...flags.newlyFlagged.map((index) => ({ index, flagged_by: 'a' as const })),
    ...flags.noLongerFlagged.map((index) => ({ index, flagged_by: 'b' as const })),
  ].sort((x, y) => x.index - y.index);
  let maxAbs = 0;
  for (let i = 0; i < sa.errors.length; i++) maxAbs = Math.max(maxAbs, Math.abs(sa.errors[i] - sb.errors[i]));
  return {
    validation_set_sha256: vs.sha256,
    validation_set_of: vs.of,
    validation_set_note: vs.note,
    samples: ra.samples,
    a: sa,
    b: sb,
    max_abs_difference: maxAbs,
    flips,
    backend: 'onnxruntime-node',
  };
}
