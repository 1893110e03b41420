/**
 * The preview summary a reviewer attaches to their review: pure, so the browser that computes it
 * and the server that checks it (lib/registry/review-previews.ts) share one definition of every
 * number. The server recomputes `previewNumbers` from its own onnxruntime-node reconstruction and
 * compares with `comparePreviewNumbers`.
 */
import { quantile } from '../formats/validation-set';
import type { BackendReport, ModelResult, RunResult } from './protocol';
import type { ThresholdChoice } from './stats';

/** Bumped when a number's definition changes: the server refuses summaries of another version. */
export const PREVIEW_SUMMARY_VERSION = 2;

/** How far (relative) a browser's number may sit from the server's: float32 inference on two runtimes. */
export const PREVIEW_RELATIVE_TOLERANCE = 1e-4;

/** The quantiles in the digest: the deciles. */
export const DIGEST_QUANTILES = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9] as const;

/**
 * A fingerprint of the per-sample MSE distribution that survives a relative tolerance: every field
 * moves by about the inputs' relative error when each error does (count is exact). Moments catch a
 * shifted or rescaled distribution, min/max and the deciles (`quantile`, numpy's linear rule) its
 * shape, so numbers from another model or other samples disagree somewhere.
 */
export type ErrorDigest = {
  count: number;
  sum: number;
  sum_squares: number;
  min: number;
  max: number;
  /** The errors' quantiles at DIGEST_QUANTILES (0.1 … 0.9), in that order. */
  deciles: number[];
};

export function errorDigest(errors: ArrayLike<number>): ErrorDigest {
  let sum = 0;
  let sumSquares = 0;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < errors.length; i++) {
    const e = errors[i];
    sum += e;
    sumSquares += e * e;
    if (e < min) min = e;
    if (e > max) max = e;
  }
  return {
    count: errors.length,
    sum,
    sum_squares: sumSquares,
    min: errors.length ? min : 0,
    max: errors.length ? max : 0,
    deciles: errors.length ? DIGEST_QUANTILES.map((q) => quantile(errors, q)) : [],
  };
}

function medianOf(values: number[]): number | null {
  return values.length ? quantile(values, 0.5) : null;
}

/** The numbers of a summary the server checks: one function, so both sides count the same way. */
export type PreviewNumbers = {
  samples: number;
  threshold: number;
  /** Samples whose error is above the threshold. */
  flagged: number;
  anomalies_labelled: number | null;
  /** Labelled anomalies above the threshold. */
  anomalies_flagged: number | null;
  /** Median and 95th percentile of all samples' errors. */
  error_median: number | null;
  error_p95: number | null;
  normal_error_median: number | null;
  anomalous_error_median: number | null;
  digest: ErrorDigest;
};

export function previewNumbers(
  errors: ArrayLike<number>,
  isAnomaly: ArrayLike<number> | null,
  threshold: number,
): PreviewNumbers {
  const errs = Array.from(errors);
  const labels = isAnomaly;
  return {
    samples: errs.length,
    threshold,
    flagged: errs.filter((e) => e > threshold).length,
    anomalies_labelled: labels ? errs.filter((_, i) => labels[i]).length : null,
    anomalies_flagged: labels ? errs.filter((e, i) => labels[i] && e > threshold).length : null,
    error_median: medianOf(errs),
    error_p95: errs.length ? quantile(errs, 0.95) : null,
    normal_error_median: medianOf(errs.filter((_, i) => !labels?.[i])),
    anomalous_error_median: labels ? medianOf(errs.filter((_, i) => labels[i])) : null,
    digest: errorDigest(errs),
  };
}

/** The first number that disagrees: its name (e.g. `digest.deciles[4]`), the server's value and the summary's. */
export type PreviewMismatch = { field: string; expected: number | null; got: number | null };

export type PreviewComparison = {
  mismatch: PreviewMismatch | null;
  /** Largest relative difference over the real-valued numbers (0 when all are equal). */
  maxRelativeDifference: number;
};

function relativeDifference(a: number, b: number): number {
  return a === b ? 0 : Math.abs(a - b) / Math.max(Math.abs(b), 1e-30);
}

/**
 * Compares a summary's numbers with the server's. Real numbers agree within `tolerance` relative;
 * counts exactly, except that a flag count may be off by the samples whose server error lies
 * within `tolerance` of the threshold (the two runtimes may round them to either side).
 */
export function comparePreviewNumbers(
  got: PreviewNumbers,
  expected: PreviewNumbers,
  serverErrors: ArrayLike<number>,
  isAnomaly: ArrayLike<number> | null,
  tolerance = PREVIEW_RELATIVE_TOLERANCE,
): PreviewComparison {
  const t = expected.threshold;
  let borderline = 0;
  let borderlineAnomalies = 0;
  for (let i = 0; i < serverErrors.length; i++) {
    if (Math.abs(serverErrors[i] - t) <= tolerance * Math.abs(t)) {
      borderline++;
      if (isAnomaly?.[i]) borderlineAnomalies++;
    }
  }
  let maxRel = 0;
  let mismatch: PreviewMismatch | null = null;
  const fail = (field: string, e: number | null, g: number | null) => {
    mismatch ??= { field, expected: e, got: g };
  };
  const real = (field: string, e: number | null, g: number | null) => {
    if (e === null || g === null) return e === g ? undefined : fail(field, e, g);
    const d = relativeDifference(g, e);
    maxRel = Math.max(maxRel, d);
    if (!(d <= tolerance)) fail(field, e, g);
  };
  const count = (field: string, e: number | null, g: number | null, slack = 0) => {
    if (e === null || g === null) return e === g ? undefined : fail(field, e, g);
    // A borderline sample counted on the other side moves the count by one each, either way.
    if (!(Math.abs(g - e) <= slack)) fail(field, e, g);
  };
  count('samples', expected.samples, got.samples);
  count('anomalies_labelled', expected.anomalies_labelled, got.anomalies_labelled);
  count('flagged', expected.flagged, got.flagged, borderline);
  count('anomalies_flagged', expected.anomalies_flagged, got.anomalies_flagged, borderlineAnomalies);
  real('error_median', expected.error_median, got.error_median);
  real('error_p95', expected.error_p95, got.error_p95);
  real('normal_error_median', expected.normal_error_median, got.normal_error_median);
  real('anomalous_error_median', expected.anomalous_error_median, got.anomalous_error_median);
  const ed = expected.digest;
  const gd = got.digest;
  count('digest.count', ed.count, gd.count);
  real('digest.sum', ed.sum, gd.sum);
  real('digest.sum_squares', ed.sum_squares, gd.sum_squares);
  real('digest.min', ed.min, gd.min);
  real('digest.max', ed.max, gd.max);
  count('digest.deciles.length', ed.deciles.length, gd.deciles.length);
  ed.deciles.forEach((v, i) => real(`digest.deciles[${i}]`, v, gd.deciles[i] ?? null));
  return { mismatch, maxRelativeDifference: maxRel };
}

/** The parts of a preview run a summary reads (a whole RunResult fits). */
export type PreviewRun = {
  backend: Pick<BackendReport, 'name' | 'threads'>;
  samples: Pick<RunResult['samples'], 'source' | 'sha256' | 'count' | 'isAnomaly'>;
  candidate: Pick<ModelResult, 'modelId' | 'sha256' | 'errors'>;
  production: Pick<ModelResult, 'modelId' | 'sha256' | 'errors'> | null;
};

/**
 * What a reviewer vouches for: the numbers this browser computed on these exact bytes and samples.
 * Bound to the candidate's and the validation set's SHA-256, so it cannot be reused for others.
 */
export function previewSummary(result: PreviewRun, threshold: ThresholdChoice, productionThreshold: number | null) {
  const { samples, candidate, production, backend } = result;
  const numbers = previewNumbers(candidate.errors, samples.isAnomaly, threshold.value);
  const prodFlagged =
    production && productionThreshold !== null ? Array.from(production.errors, (e) => e > productionThreshold) : null;
  const flagged = Array.from(candidate.errors, (e) => e > threshold.value);
  const flips = prodFlagged ? flagged.map((f, i) => (f !== prodFlagged[i] ? i : -1)).filter((i) => i >= 0) : [];
  return {
    summary_version: PREVIEW_SUMMARY_VERSION,
    model_id: candidate.modelId,
    artifact_sha256: candidate.sha256,
    /** null when the samples were a file the reviewer chose: the server can only check the validation set. */
    validation_set_sha256: samples.sha256,
    backend: backend.name,
    threads: backend.threads,
    sample_source: samples.source,
    threshold_source: threshold.source,
    threshold_basis: threshold.label,
    ...numbers,
    production: production
      ? {
          model_id: production.modelId,
          artifact_sha256: production.sha256,
          flagged: prodFlagged?.filter(Boolean).length ?? null,
          flips: flips.slice(0, 200),
          flip_count: flips.length,
        }
      : null,
    computed_at: new Date().toISOString(),
  };
}

export type PreviewSummary = ReturnType<typeof previewSummary>;
