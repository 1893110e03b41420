/**
 * The benchmark's model and batch: a random 832-[512,256,128,64] autoencoder (PyTorch's default
 * Linear init range, the original module's layer names) written as ONNX by lib/formats, and a
 * seeded batch, so every run benchmarks the same numbers.
 */
import type { Autoencoder } from '../../lib/formats/types';
import { writeOnnx } from '../../lib/formats/onnx-write';

export const DIM = 832;
export const HIDDEN = [512, 256, 128, 64];

function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 0x100000000;
  };
}

function randomAutoencoder(): Autoencoder {
  const r = rng(0x5eed);
  const dims = [DIM, ...HIDDEN];
  const enc = dims.slice(0, -1).map((n, i) => [n, dims[i + 1]]);
  const decOuts = [...HIDDEN.slice(0, -1).reverse(), DIM];
  const dec = decOuts.map((out, i) => [i === 0 ? HIDDEN.at(-1)! : decOuts[i - 1], out]);
  const linear = (name: string, nin: number, nout: number, relu: boolean) => {
    const bound = 1 / Math.sqrt(nin);
    return {
      name,
      inFeatures: nin,
      outFeatures: nout,
      weight: Float32Array.from({ length: nin * nout }, () => (r() * 2 - 1) * bound),
      bias: Float32Array.from({ length: nout }, () => (r() * 2 - 1) * bound),
      relu,
    };
  };
  return {
    architecture: { modelType: 'autoencoder', inputDim: DIM, hiddenDims: HIDDEN },
    // Sequential indices as the original module numbers them: Linear, ReLU, Dropout → 0, 3, 6, …
    layers: [
      ...enc.map(([a, b], i) => linear(`encoder.${i * 3}`, a, b, true)),
      ...dec.map(([a, b], i) => linear(`decoder.${i * 3}`, a, b, i < dec.length - 1)),
    ],
    notes: [],
    sourceDType: 'float32',
  };
}

export function benchModel(batch: number): { onnx: Uint8Array; input: Float32Array } {
  const onnx = writeOnnx(randomAutoencoder(), { metadata: { purpose: 'bench:preview' } });
  const r = rng(0xbe7c);
  const input = Float32Array.from({ length: batch * DIM }, () => (r() - 0.5) * 0.2);
  return { onnx, input };
}
