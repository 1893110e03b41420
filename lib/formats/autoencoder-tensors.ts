/**
 * Autoencoder → tensors, shared by the writers (torch, drawbridge pickle, safetensors, ONNX).
 */
import { ModelExportError } from './errors';
import type { Autoencoder, StateDict, Tensor } from './types';
import { dtypeSize, isDType, shapeNumel } from './dtype';
import { float32BytesLE } from './bytes-write';

/** Throws ModelExportError('export_bad_tensor') unless `bytes.length === numel × size(dtype)`. */
export function checkTensor(name: string, t: Tensor): void {
  if (!isDType(t.dtype))
    throw new ModelExportError('export_bad_tensor', `tensor ${name}: unknown dtype ${String(t.dtype)}`, { name });
  let numel: number;
  try {
    numel = shapeNumel(t.shape);
  } catch {
    throw new ModelExportError('export_bad_tensor', `tensor ${name}: bad shape [${t.shape.join(', ')}]`, { name });
  }
  if (t.bytes.length !== numel * dtypeSize(t.dtype)) {
    throw new ModelExportError(
      'export_bad_tensor',
      `tensor ${name}: ${t.bytes.length} bytes for ${t.dtype}[${t.shape.join(', ')}]`,
      { name },
    );
  }
}

/**
 * Checks that the layers form the AutoencoderModel of `ae.architecture` (encoder.{3i}, decoder.{3i},
 * mirrored dims, ReLU everywhere but the last layer, weight/bias sizes). Throws ModelExportError
 * `export_invalid_model`.
 */
export function assertAutoencoder(ae: Autoencoder): void {
  const fail = (msg: string): never => {
    throw new ModelExportError('export_invalid_model', `not a valid autoencoder: ${msg}`);
  };
  const { inputDim, hiddenDims } = ae.architecture;
  if (!Number.isSafeInteger(inputDim) || inputDim <= 0) fail(`input_dim ${inputDim}`);
  if (hiddenDims.length === 0) fail('hidden_dims is empty');
  for (const h of hiddenDims) if (!Number.isSafeInteger(h) || h <= 0) fail(`hidden dim ${h}`);
  const expected = expectedLayers(inputDim, hiddenDims);
  if (ae.layers.length !== expected.length) fail(`${ae.layers.length} layers, expected ${expected.length}`);
  ae.layers.forEach((l, i) => {
    const e = expected[i];
    if (l.name !== e.name) fail(`layer ${i} is named ${l.name}, expected ${e.name}`);
    if (l.inFeatures !== e.inFeatures || l.outFeatures !== e.outFeatures) {
      fail(`${l.name} is ${l.inFeatures}→${l.outFeatures}, expected ${e.inFeatures}→${e.outFeatures}`);
    }
    if (l.relu !== e.relu) fail(`${l.name}.relu should be ${e.relu}`);
    if (!(l.weight instanceof Float32Array) || l.weight.length !== l.inFeatures * l.outFeatures)
      fail(`${l.name}.weight size`);
    if (!(l.bias instanceof Float32Array) || l.bias.length !== l.outFeatures) fail(`${l.name}.bias size`);
  });
}

/** The layer list AutoencoderModel(input_dim, hidden_dims) has, in forward order (without weights). */
export function expectedLayers(
  inputDim: number,
  hiddenDims: readonly number[],
): { name: string; inFeatures: number; outFeatures: number; relu: boolean }[] {
  const out: { name: string; inFeatures: number; outFeatures: number; relu: boolean }[] = [];
  let prev = inputDim;
  hiddenDims.forEach((h, i) => {
    out.push({ name: `encoder.${3 * i}`, inFeatures: prev, outFeatures: h, relu: true });
    prev = h;
  });
  const dec = [...hiddenDims.slice(0, -1)].reverse().concat([inputDim]);
  dec.forEach((h, i) => {
    out.push({ name: `decoder.${3 * i}`, inFeatures: prev, outFeatures: h, relu: i < dec.length - 1 });
    prev = h;
  });
  return out;
}

/**
 * The PyTorch state dict of the autoencoder: `<layer>.weight` [out, in] and `<layer>.bias` [out],
 * float32. Each tensor's bytes are a view of the layer's weights (the writers only read them).
 */
export function autoencoderStateDict(ae: Autoencoder): StateDict {
  assertAutoencoder(ae);
  const sd: StateDict = new Map();
  for (const l of ae.layers) {
    sd.set(`${l.name}.weight`, {
      dtype: 'float32',
      shape: [l.outFeatures, l.inFeatures],
      bytes: float32BytesLE(l.weight),
    });
    sd.set(`${l.name}.bias`, { dtype: 'float32', shape: [l.outFeatures], bytes: float32BytesLE(l.bias) });
  }
  return sd;
}

/** `model_architecture` as the original pipeline writes it. */
export function architectureRecord(ae: Autoencoder): { input_dim: number; hidden_dims: number[]; model_type: string } {
  return {
    input_dim: ae.architecture.inputDim,
    hidden_dims: [...ae.architecture.hiddenDims],
    model_type: ae.architecture.modelType,
  };
}
