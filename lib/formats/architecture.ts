/**
 * The original AutoencoderModel, recognised from a state dict:
 *
 *   encoder: for each h in hidden_dims:           Linear(prev, h) → ReLU → Dropout(0.1)
 *            ⇒ keys encoder.0, encoder.3, encoder.6, …  (.weight [out, in], .bias [out])
 *   decoder: for each d in reversed(hidden_dims[:-1]) + [input_dim]:
 *            Linear(prev, d) → ReLU → Dropout(0.1), except the last layer, a bare Linear
 *            ⇒ keys decoder.0, decoder.3, …
 *
 * Anything else (extra or missing keys, buffers such as BatchNorm's num_batches_tracked, shapes that
 * do not chain, a decoder that does not mirror the encoder, non-float weights) is refused with
 * ModelCompatibilityError `not_an_autoencoder` and the specific reason; a disagreement with the
 * checkpoint's `model_architecture` is `architecture_mismatch`. Weights that are not finite after
 * conversion to float32 → ModelValidationError `non_finite_weights`.
 */
import { ModelCompatibilityError, ModelValidationError } from './errors';
import { allFinite, isFloatDType, float32ViewOf } from './dtype';
import { sha256HexOfString } from './sha256';
import type {
  Autoencoder,
  AutoencoderArchitecture,
  Checkpoint,
  DType,
  LinearLayer,
  PlainValue,
  StateDict,
  Tensor,
} from './types';

/** The dropout rate and activation of the original model; fixed, part of the architecture hash. */
export const AUTOENCODER_DROPOUT = 0.1;
export const AUTOENCODER_ACTIVATION = 'relu';

const notAE = (why: string, details: Record<string, unknown> = {}): never => {
  throw new ModelCompatibilityError('not_an_autoencoder', `not an autoencoder state dict: ${why}`, details);
};
const mismatch = (why: string, details: Record<string, unknown> = {}): never => {
  throw new ModelCompatibilityError('architecture_mismatch', `architecture mismatch: ${why}`, details);
};

type LayerKeys = { index: number; weight?: Tensor; bias?: Tensor };

/** Infer {inputDim, hiddenDims} from a state dict, checking it is exactly the autoencoder. */
export function inferArchitecture(stateDict: StateDict): AutoencoderArchitecture {
  const groups: Record<'encoder' | 'decoder', Map<number, LayerKeys>> = { encoder: new Map(), decoder: new Map() };
  const KEY = /^(encoder|decoder)\.(0|[1-9]\d{0,5})\.(weight|bias)$/;
  const unexpected = [...stateDict].filter(([key]) => !KEY.test(key));
  if (unexpected.length) {
    const list = unexpected
      .slice(0, 5)
      .map(([key, t]) => `${JSON.stringify(key)}${isFloatDType(t.dtype) ? '' : ` (${t.dtype} buffer)`}`)
      .join(', ');
    const more = unexpected.length > 5 ? ` and ${unexpected.length - 5} more` : '';
    const bn = unexpected.some(([k]) => /running_mean|running_var|num_batches_tracked/.test(k))
      ? '; BatchNorm buffers found, but the autoencoder has no BatchNorm'
      : '';
    notAE(`unexpected keys ${list}${more}${bn} (expected only encoder.N/decoder.N .weight/.bias of Linear layers)`, {
      keys: unexpected.map(([k]) => k),
    });
  }
  if (stateDict.size === 0) notAE('the state dict is empty');
  for (const [key, t] of stateDict) {
    const m = KEY.exec(key) as RegExpExecArray;
    const part = m[1] as 'encoder' | 'decoder';
    const index = Number(m[2]);
    if (index % 3 !== 0)
      notAE(`key ${JSON.stringify(key)} is not at a Linear position (0, 3, 6, … in Linear→ReLU→Dropout blocks)`, {
        key,
      });
    if (!isFloatDType(t.dtype)) notAE(`${key} has dtype ${t.dtype}; weights must be floating point`, { key });
    const g = groups[part].get(index) ?? { index };
    g[m[3] as 'weight' | 'bias'] = t;
    groups[part].set(index, g);
  }
  const layersOf = (part: 'encoder' | 'decoder'): { name: string; weight: Tensor; bias: Tensor }[] => {
    const idx = [...groups[part].keys()].sort((a, b) => a - b);
    return idx.map((index, i) => {
      const name = `${part}.${index}`;
      if (index !== i * 3)
        notAE(
          `${part} layers must be ${part}.0, ${part}.3, ${part}.6, …; ${name} is out of place (a layer is missing)`,
        );
      const g = groups[part].get(index) as LayerKeys;
      if (!g.weight) notAE(`${name}.weight is missing`);
      if (!g.bias) notAE(`${name}.bias is missing (the autoencoder's Linear layers have biases)`);
      return { name, weight: g.weight as Tensor, bias: g.bias as Tensor };
    });
  };
  const enc = layersOf('encoder');
  const dec = layersOf('decoder');
  if (enc.length === 0) notAE('no encoder layers (expected encoder.0.weight, …)');
  if (dec.length !== enc.length)
    notAE(`${enc.length} encoder layers but ${dec.length} decoder layers; the decoder must mirror the encoder`);

  const shapeOf = (l: { name: string; weight: Tensor; bias: Tensor }): [number, number] => {
    const ws = l.weight.shape;
    if (ws.length !== 2) notAE(`${l.name}.weight has shape [${ws.join(', ')}]; a Linear weight is 2-D`);
    if (l.bias.shape.length !== 1 || l.bias.shape[0] !== ws[0]) {
      notAE(
        `${l.name}.bias has shape [${l.bias.shape.join(', ')}]; expected [${ws[0]}] to match ${l.name}.weight [${ws.join(', ')}]`,
      );
    }
    if (ws[0] < 1 || ws[1] < 1) notAE(`${l.name} has an empty dimension`);
    return [ws[1], ws[0]]; // [in, out]
  };
  const encShapes = enc.map(shapeOf);
  const decShapes = dec.map(shapeOf);
  const inputDim = encShapes[0][0];
  const hiddenDims = encShapes.map((s) => s[1]);
  const all = [...enc, ...dec];
  const shapes = [...encShapes, ...decShapes];
  for (let i = 1; i < shapes.length; i++) {
    if (shapes[i][0] !== shapes[i - 1][1]) {
      notAE(`${all[i].name} takes ${shapes[i][0]} inputs but ${all[i - 1].name} produces ${shapes[i - 1][1]}`);
    }
  }
  const decOut = [...hiddenDims.slice(0, -1).reverse(), inputDim];
  for (let i = 0; i < dec.length; i++) {
    if (decShapes[i][1] !== decOut[i]) {
      notAE(
        `${dec[i].name} produces ${decShapes[i][1]} features but the mirrored decoder needs ${decOut[i]} (decoder dims ${decOut.join('→')})`,
      );
    }
  }
  return { modelType: 'autoencoder', inputDim, hiddenDims };
}

/** Layer list (forward order) of an architecture. */
export function describeLayers(
  arch: AutoencoderArchitecture,
): { name: string; in: number; out: number; params: number; activation: 'relu' | 'none' }[] {
  const out: { name: string; in: number; out: number; params: number; activation: 'relu' | 'none' }[] = [];
  let prev = arch.inputDim;
  arch.hiddenDims.forEach((h, i) => {
    out.push({ name: `encoder.${i * 3}`, in: prev, out: h, params: prev * h + h, activation: 'relu' });
    prev = h;
  });
  const decDims = [...arch.hiddenDims.slice(0, -1).reverse(), arch.inputDim];
  decDims.forEach((d, i) => {
    out.push({
      name: `decoder.${i * 3}`,
      in: prev,
      out: d,
      params: prev * d + d,
      activation: i === decDims.length - 1 ? 'none' : 'relu',
    });
    prev = d;
  });
  return out;
}

/** Trainable parameters (weights + biases). */
export function parameterCount(arch: AutoencoderArchitecture): number {
  return describeLayers(arch).reduce((s, l) => s + l.params, 0);
}

/**
 * The canonical architecture string, e.g. for input 832 and hidden [512, 256]:
 *   `autoencoder-v1:input=832;hidden=512,256;dropout=0.1;activation=relu`
 * (decimal integers, no spaces; hidden dims in encoder order; dropout and activation are the fixed
 * values of the original model).
 */
export function architectureCanonicalString(arch: AutoencoderArchitecture): string {
  return `autoencoder-v1:input=${arch.inputDim};hidden=${arch.hiddenDims.join(',')};dropout=${AUTOENCODER_DROPOUT};activation=${AUTOENCODER_ACTIVATION}`;
}

/** architecture_hash = lowercase hex SHA-256 of the UTF-8 bytes of architectureCanonicalString(arch). */
export function architectureHash(arch: AutoencoderArchitecture): string {
  return sha256HexOfString(architectureCanonicalString(arch));
}

function asInt(v: PlainValue | undefined): number | null {
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'bigint') return Number(v);
  return null;
}

/** Compare an inferred architecture with a checkpoint's `model_architecture` dict (when present). */
export function checkDeclaredArchitecture(
  arch: AutoencoderArchitecture,
  declared: { [key: string]: PlainValue } | undefined,
): string[] {
  const notes: string[] = [];
  if (!declared) return notes;
  if ('model_type' in declared && declared.model_type !== null) {
    const t = declared.model_type;
    if (typeof t !== 'string' || t.toLowerCase() !== 'autoencoder')
      mismatch(`model_architecture.model_type is ${JSON.stringify(t)}, not "autoencoder"`);
  }
  if ('input_dim' in declared) {
    const d = asInt(declared.input_dim);
    if (d === null) mismatch('model_architecture.input_dim is not an integer');
    if (d !== arch.inputDim)
      mismatch(`model_architecture.input_dim is ${d} but the weights take ${arch.inputDim} inputs`, {
        declared: d,
        actual: arch.inputDim,
      });
  }
  if ('hidden_dims' in declared) {
    const h = declared.hidden_dims;
    const dims = Array.isArray(h) ? h.map(asInt) : null;
    if (!dims || dims.some((x) => x === null)) mismatch('model_architecture.hidden_dims is not a list of integers');
    const want = (dims as number[]).join(',');
    if (want !== arch.hiddenDims.join(',')) {
      mismatch(`model_architecture.hidden_dims is [${want}] but the weights have [${arch.hiddenDims.join(',')}]`, {
        declared: dims,
        actual: arch.hiddenDims,
      });
    }
  }
  for (const key of ['dropout_rate', 'dropout']) {
    const v = declared[key];
    if (typeof v === 'number' && v !== AUTOENCODER_DROPOUT)
      notes.push(`model_architecture.${key} is ${v}; dropout does not affect inference`);
  }
  return notes;
}

/**
 * Check a checkpoint is the autoencoder (and agrees with its declared architecture), and convert
 * its weights to float32. Float32 weights stay views of the checkpoint's bytes (see float32ViewOf):
 * the result shares memory with the file it was read from.
 */
export function toAutoencoder(ckpt: Checkpoint): Autoencoder {
  const architecture = inferArchitecture(ckpt.stateDict);
  const notes = checkDeclaredArchitecture(architecture, ckpt.modelArchitecture);
  const dtypes = new Set<DType>();
  for (const t of ckpt.stateDict.values()) dtypes.add(t.dtype);
  const sourceDType = [...dtypes][0];
  for (const d of dtypes) if (d !== 'float32') notes.push(`converted ${d} → float32`);
  if (dtypes.size > 1) notes.push(`mixed weight dtypes: ${[...dtypes].join(', ')}`);

  const layers: LinearLayer[] = describeLayers(architecture).map((l) => {
    const w = ckpt.stateDict.get(`${l.name}.weight`) as Tensor;
    const b = ckpt.stateDict.get(`${l.name}.bias`) as Tensor;
    // Views of the checkpoint's bytes, not copies: the weights of a 400 MB model were copied once here.
    const weight = float32ViewOf(w);
    const bias = float32ViewOf(b);
    if (!allFinite(weight) || !allFinite(bias)) {
      throw new ModelValidationError(
        'non_finite_weights',
        `${l.name} has NaN or infinite weights${w.dtype === 'float64' ? ' (or float64 values beyond float32 range)' : ''}`,
        { layer: l.name },
      );
    }
    return { name: l.name, inFeatures: l.in, outFeatures: l.out, weight, bias, relu: l.activation === 'relu' };
  });
  return { architecture, layers, notes, sourceDType };
}
