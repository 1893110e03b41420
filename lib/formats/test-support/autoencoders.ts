/**
 * Test helpers (not shipped): seeded random autoencoders and an independent reference forward pass.
 */
import type { Autoencoder, LinearLayer } from '../types';
import { expectedLayers } from '../autoencoder-tensors';

/** mulberry32: small deterministic PRNG → [0, 1). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** AutoencoderModel(inputDim, hiddenDims) with PyTorch-like uniform(±1/√in) random weights. */
export function randomAutoencoder(inputDim: number, hiddenDims: number[], seed = 1): Autoencoder {
  const rnd = prng(seed);
  const layers: LinearLayer[] = expectedLayers(inputDim, hiddenDims).map((l) => {
    const bound = 1 / Math.sqrt(l.inFeatures);
    const weight = new Float32Array(l.inFeatures * l.outFeatures);
    for (let i = 0; i < weight.length; i++) weight[i] = (rnd() * 2 - 1) * bound;
    const bias = new Float32Array(l.outFeatures);
    for (let i = 0; i < bias.length; i++) bias[i] = (rnd() * 2 - 1) * bound;
    return { ...l, weight, bias };
  });
  return {
    architecture: { modelType: 'autoencoder', inputDim, hiddenDims: [...hiddenDims] },
    layers,
    notes: [],
    sourceDType: 'float32',
  };
}

export function randomInput(n: number, seed = 7): Float32Array {
  const rnd = prng(seed);
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = rnd() * 2 - 1;
  return x;
}

/** Reference forward pass: float64 accumulation, float32 activations between layers. */
export function referenceForward(ae: Autoencoder, input: Float32Array, batch: number): Float32Array {
  let x = input;
  for (const l of ae.layers) {
    const y = new Float32Array(batch * l.outFeatures);
    for (let b = 0; b < batch; b++) {
      for (let o = 0; o < l.outFeatures; o++) {
        let s = l.bias[o];
        const wo = o * l.inFeatures;
        const xo = b * l.inFeatures;
        for (let i = 0; i < l.inFeatures; i++) s += l.weight[wo + i] * x[xo + i];
        y[b * l.outFeatures + o] = l.relu && s < 0 ? 0 : s;
      }
    }
    x = y;
  }
  return x;
}

/** max |a − b| / max |b| (norm-wise relative error). */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num = Math.max(num, Math.abs(a[i] - b[i]));
    den = Math.max(den, Math.abs(b[i]));
  }
  return den === 0 ? num : num / den;
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
