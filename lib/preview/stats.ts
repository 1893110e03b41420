/**
 * Reconstruction statistics for the preview: pure functions over typed arrays, shared by the
 * worker (which computes them off the main thread) and the charts. No DOM, no ORT.
 */
import { quantile } from '../formats/validation-set';

/** The drawing-embedding layout: 768 visual dims, then 64 subject dims. */
export const VISUAL_DIMS = 768;
export const SUBJECT_DIMS = 64;

/** Per-sample MSE: the same function the server uses for its reference (lib/formats/forward). */
export { meanSquaredErrors } from '../formats/forward';

/** Mean over samples of the squared error in each dimension: which dims the model cannot rebuild. */
export function perDimensionErrors(
  input: Float32Array,
  output: Float32Array,
  batch: number,
  dim: number,
): Float64Array {
  const out = new Float64Array(dim);
  for (let b = 0; b < batch; b++) {
    const o = b * dim;
    for (let i = 0; i < dim; i++) {
      const e = output[o + i] - input[o + i];
      out[i] += e * e;
    }
  }
  if (batch > 0) for (let i = 0; i < dim; i++) out[i] /= batch;
  return out;
}

/** MSE of one sample over a dimension range [from, to). */
export function segmentError(
  input: Float32Array,
  output: Float32Array,
  sample: number,
  dim: number,
  from: number,
  to: number,
): number {
  let s = 0;
  const o = sample * dim;
  for (let i = from; i < to; i++) {
    const e = output[o + i] - input[o + i];
    s += e * e;
  }
  return to > from ? s / (to - from) : Number.NaN;
}

export type ThresholdChoice = {
  value: number;
  source: 'deployment' | 'p95-normal' | 'p95-all';
  /** How the UI names it, e.g. "deployment threshold (production, deployment 3)". */
  label: string;
};

/**
 * The line drawn on the histogram: the deployment's threshold when this export is or was deployed
 * (what production actually uses), else the 95th percentile of the normal samples — the rule the
 * deploy service applies — computed here and labelled as such.
 */
export function chooseThreshold(
  errors: ArrayLike<number>,
  isAnomaly: Uint8Array | null,
  deployment: { value: number; environment: string; deploymentId: number; active: boolean } | null,
): ThresholdChoice {
  if (deployment && Number.isFinite(deployment.value)) {
    return {
      value: deployment.value,
      source: 'deployment',
      label: `deployment threshold (${deployment.environment}, deployment ${deployment.deploymentId}${deployment.active ? '' : ', no longer active'})`,
    };
  }
  const normal = isAnomaly ? Array.from(errors).filter((_, i) => !isAnomaly[i]) : Array.from(errors);
  if (isAnomaly && normal.length > 0)
    return {
      value: quantile(normal, 0.95),
      source: 'p95-normal',
      label: '95th percentile of the normal samples (not deployed)',
    };
  return {
    value: quantile(Array.from(errors), 0.95),
    source: 'p95-all',
    label: '95th percentile of all samples (unlabelled; not deployed)',
  };
}

export type Histogram = {
  /** Bin edges, length bins + 1, in error units (MSE). */
  edges: number[];
  normal: number[];
  anomalous: number[];
  log: boolean;
};

/**
 * Histogram of errors, counted separately for normal and anomalous samples. Reconstruction errors
 * of anomalies are often orders of magnitude above the normal ones: a log axis keeps both visible.
 */
export function histogram(
  errors: ArrayLike<number>,
  isAnomaly: Uint8Array | null,
  bins: number,
  extra: number[] = [],
): Histogram {
  const vals = Array.from(errors).filter((v) => Number.isFinite(v));
  const positive = vals.filter((v) => v > 0);
  const all = [...vals, ...extra.filter((v) => Number.isFinite(v))];
  let lo = Math.min(...all);
  let hi = Math.max(...all);
  const log = positive.length === vals.length && vals.length > 1 && lo > 0 && hi / lo > 30;
  const f = (v: number) => (log ? Math.log10(v) : v);
  const finv = (v: number) => (log ? 10 ** v : v);
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) [lo, hi] = [0, 1];
  let a = f(lo);
  let b = f(hi);
  if (b === a) [a, b] = [a - 0.5, b + 0.5];
  const pad = (b - a) * 0.02;
  a -= pad;
  b += pad;
  if (!log && lo >= 0 && a < 0) a = 0;
  const edges = Array.from({ length: bins + 1 }, (_, i) => finv(a + ((b - a) * i) / bins));
  const normal = new Array<number>(bins).fill(0);
  const anomalous = new Array<number>(bins).fill(0);
  for (let i = 0; i < errors.length; i++) {
    const v = errors[i];
    if (!Number.isFinite(v)) continue;
    const k = Math.min(bins - 1, Math.max(0, Math.floor(((f(v) - a) / (b - a)) * bins)));
    if (isAnomaly?.[i]) anomalous[k]++;
    else normal[k]++;
  }
  return { edges, normal, anomalous, log };
}

export type FlagComparison = {
  candidateFlagged: number;
  productionFlagged: number;
  /** Samples flagged by the candidate only (newly flagged) and by production only (no longer flagged). */
  newlyFlagged: number[];
  noLongerFlagged: number[];
};

export function compareFlags(
  candidate: ArrayLike<number>,
  candidateThreshold: number,
  production: ArrayLike<number>,
  productionThreshold: number,
): FlagComparison {
  const r: FlagComparison = { candidateFlagged: 0, productionFlagged: 0, newlyFlagged: [], noLongerFlagged: [] };
  for (let i = 0; i < candidate.length; i++) {
    const c = candidate[i] > candidateThreshold;
    const p = production[i] > productionThreshold;
    if (c) r.candidateFlagged++;
    if (p) r.productionFlagged++;
    if (c && !p) r.newlyFlagged.push(i);
    if (p && !c) r.noLongerFlagged.push(i);
  }
  return r;
}

/** Largest |a - b| / max(|b|, tiny) over two equal-length arrays (for parity checks and the bench). */
export function maxRelativeDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]) / Math.max(Math.abs(b[i]), 1e-12);
    if (d > m) m = d;
  }
  return m;
}

/** Compact scientific-ish formatting for small errors on axes and in tables. */
export function fmtError(v: number, digits = 3): string {
  if (!Number.isFinite(v)) return '—';
  if (v === 0) return '0';
  const a = Math.abs(v);
  return a >= 0.01 && a < 1000 ? Number(v.toPrecision(digits)).toString() : v.toExponential(digits - 1);
}
