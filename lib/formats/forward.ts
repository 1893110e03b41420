/**
 * Inference of the autoencoder in plain TypeScript (Dropout is the identity at inference).
 * Each output is accumulated in float64 and rounded to float32 after each layer, as PyTorch keeps
 * float32 activations; results match PyTorch's float32 forward to ~1e-6 relative.
 */
import type { Autoencoder } from './types';

function checkInput(ae: Autoencoder, input: Float32Array, batch: number): void {
  const d = ae.architecture.inputDim;
  if (!Number.isSafeInteger(batch) || batch < 0) throw new RangeError(`forward: bad batch size ${batch}`);
  if (input.length !== batch * d)
    throw new RangeError(`forward: input has ${input.length} values, expected batch ${batch} × ${d}`);
}

/** Reconstruct a row-major [batch, inputDim] input; returns [batch, inputDim]. */
export function forward(ae: Autoencoder, input: Float32Array, batch: number): Float32Array {
  checkInput(ae, input, batch);
  let x = input;
  for (const layer of ae.layers) {
    const { inFeatures: nin, outFeatures: nout, weight: W, bias, relu } = layer;
    const y = new Float32Array(batch * nout);
    for (let b = 0; b < batch; b++) {
      const xo = b * nin;
      const yo = b * nout;
      for (let o = 0; o < nout; o++) {
        const wo = o * nin;
        let s0 = 0,
          s1 = 0,
          s2 = 0,
          s3 = 0;
        let i = 0;
        for (; i + 3 < nin; i += 4) {
          s0 += W[wo + i] * x[xo + i];
          s1 += W[wo + i + 1] * x[xo + i + 1];
          s2 += W[wo + i + 2] * x[xo + i + 2];
          s3 += W[wo + i + 3] * x[xo + i + 3];
        }
        for (; i < nin; i++) s0 += W[wo + i] * x[xo + i];
        const v = s0 + s1 + s2 + s3 + bias[o];
        y[yo + o] = relu && v < 0 ? 0 : v;
      }
    }
    x = y;
  }
  return x === input ? input.slice() : x;
}

/** Per-sample mean squared reconstruction error over the input dimensions; returns [batch]. */
export function reconstructionErrors(ae: Autoencoder, input: Float32Array, batch: number): Float32Array {
  return Float32Array.from(meanSquaredErrors(input, forward(ae, input, batch), batch, ae.architecture.inputDim));
}

/**
 * Per-row MSE between inputs and reconstructions [batch, dim], accumulated in float64. The one
 * definition the server (validation, thresholds, the preview's reference) and the browser share.
 */
export function meanSquaredErrors(input: Float32Array, output: Float32Array, batch: number, dim: number): Float64Array {
  const out = new Float64Array(batch);
  for (let b = 0; b < batch; b++) {
    let s = 0;
    for (let i = b * dim; i < (b + 1) * dim; i++) {
      const e = output[i] - input[i];
      s += e * e;
    }
    out[b] = s / dim;
  }
  return out;
}
