/**
 * Validation sets travel as safetensors: `embeddings` [N, D] (any float dtype) and optionally
 * `is_anomaly` [N] (U8/BOOL/I64; nonzero = anomalous). Pure: usable on the server and in the browser.
 */
import { toFloat32Array, toIntegerArray } from './dtype';
import { ModelValidationError } from './errors';
import { readSafetensors } from './safetensors';

export type ValidationSet = {
  count: number;
  dim: number;
  /** Row-major [count, dim]. */
  embeddings: Float32Array;
  /** 1 = labelled anomalous, 0 = normal; null when the file carries no labels. */
  isAnomaly: Uint8Array | null;
  metadata: Record<string, string>;
};

export function readValidationSet(bytes: Uint8Array): ValidationSet {
  const { tensors, metadata } = readSafetensors(bytes);
  const emb = tensors.get('embeddings');
  if (!emb) {
    throw new ModelValidationError(
      'validation_set_invalid',
      'validation set has no "embeddings" tensor (expected shape [N, D])',
    );
  }
  if (emb.shape.length !== 2 || emb.shape[0] < 1 || emb.shape[1] < 1) {
    throw new ModelValidationError(
      'validation_set_invalid',
      `"embeddings" must have shape [N, D] with N, D ≥ 1; got [${emb.shape.join(', ')}]`,
    );
  }
  const [count, dim] = emb.shape;
  const embeddings = toFloat32Array(emb);
  for (let i = 0; i < embeddings.length; i++) {
    if (!Number.isFinite(embeddings[i])) {
      throw new ModelValidationError(
        'validation_set_invalid',
        `"embeddings" holds a non-finite value at sample ${Math.floor(i / dim)}`,
      );
    }
  }
  let isAnomaly: Uint8Array | null = null;
  const labels = tensors.get('is_anomaly');
  if (labels) {
    if (labels.shape.length !== 1 || labels.shape[0] !== count) {
      throw new ModelValidationError(
        'validation_set_invalid',
        `"is_anomaly" must have shape [${count}]; got [${labels.shape.join(', ')}]`,
      );
    }
    isAnomaly = Uint8Array.from(toIntegerArray(labels), (v) => (v ? 1 : 0));
  }
  return { count, dim, embeddings, isAnomaly, metadata };
}

/** The q-quantile (0..1) by linear interpolation between order statistics, as numpy's default. */
export function quantile(values: ArrayLike<number>, q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = Float64Array.from(values).sort();
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}
