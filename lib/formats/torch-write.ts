/**
 * PyTorch zip checkpoints, as torch.save (≥ 1.6) writes them: `archive/data.pkl` (pickle protocol 2
 * with persistent-id storages), `archive/data/<key>` raw little-endian storages (64-byte aligned),
 * `archive/byteorder`, `archive/version`.
 *
 * The pickle uses only opcodes torch 1.13's `weights_only=True` unpickler accepts. That unpickler
 * has no BINFLOAT, so non-integer numbers in metadata are written as their decimal string
 * (`String(x)`, e.g. "0.0123"); integers, strings, booleans and None are written as such.
 */
import { ModelExportError } from './errors';
import type { Autoencoder, DType, StateDict, Tensor } from './types';
import { architectureRecord, autoencoderStateDict, checkTensor } from './autoencoder-tensors';
import { shapeNumel } from './dtype';
import { concatBytes, type ByteChunks } from './bytes-write';
import { orderedDict, PyPersistentId, PyReduce, pyGlobal, tuple, writePickle, type PickleValue } from './pickle-write';
import { writeTorchArchiveChunks, type ZipEntry } from './zip-write';

export type TorchMetadataValue = string | number | boolean | null;

const STORAGE_TYPE: Record<DType, string> = {
  float32: 'FloatStorage',
  float16: 'HalfStorage',
  bfloat16: 'BFloat16Storage',
  float64: 'DoubleStorage',
  int64: 'LongStorage',
  int32: 'IntStorage',
  uint8: 'ByteStorage',
  bool: 'BoolStorage',
};

/** Marks a tensor inside a value passed to `writeTorchPickleArchive`. */
export class TorchTensorRef {
  readonly tensor: Tensor;
  constructor(tensor: Tensor) {
    this.tensor = tensor;
  }
}

/** C-contiguous strides of a shape. */
export function contiguousStrides(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i];
  }
  return strides;
}

type TorchValue =
  | PickleValue
  | TorchTensorRef
  | TorchValue[]
  | { [key: string]: TorchValue }
  | { ordered: true; entries: [string, TorchValue][] };

/**
 * An OrderedDict of tensors (a state dict), as the value of a key in `writeTorchPickleArchive`.
 */
export function stateDictValue(sd: StateDict): { ordered: true; entries: [string, TorchValue][] } {
  return { ordered: true, entries: [...sd].map(([k, t]) => [k, new TorchTensorRef(t)]) };
}

function isOrdered(v: unknown): v is { ordered: true; entries: [string, TorchValue][] } {
  return (
    typeof v === 'object' &&
    v !== null &&
    (v as { ordered?: unknown }).ordered === true &&
    Array.isArray((v as { entries?: unknown }).entries)
  );
}

/**
 * Pickles `root` (plain data with `TorchTensorRef`s and `stateDictValue(...)`s) into a torch zip
 * archive. Each tensor gets its own storage, keyed "0", "1", … in pickling order.
 */
export function writeTorchPickleArchive(root: TorchValue, opts: { prefix?: string } = {}): Uint8Array {
  return concatBytes(writeTorchPickleArchiveChunks(root, opts).chunks());
}

/** writeTorchPickleArchive as pieces: the storages are the tensors' own bytes, referenced. */
export function writeTorchPickleArchiveChunks(root: TorchValue, opts: { prefix?: string } = {}): ByteChunks {
  const storages: ZipEntry[] = [];
  const convert = (v: TorchValue, depth: number): PickleValue => {
    if (depth > 64) throw new ModelExportError('export_failed', 'checkpoint value nested too deeply');
    if (v instanceof TorchTensorRef) {
      const t = v.tensor;
      const key = String(storages.length);
      checkTensor(key, t);
      const numel = shapeNumel(t.shape);
      storages.push({ name: `data/${key}`, data: t.bytes });
      const storage = new PyPersistentId(tuple('storage', pyGlobal('torch', STORAGE_TYPE[t.dtype]), key, 'cpu', numel));
      return new PyReduce(
        pyGlobal('torch._utils', '_rebuild_tensor_v2'),
        tuple(storage, 0, tuple(...t.shape), tuple(...contiguousStrides(t.shape)), false, orderedDict()),
      );
    }
    if (isOrdered(v)) return orderedDict(v.entries.map(([k, x]) => [k, convert(x, depth + 1)]));
    if (Array.isArray(v)) return v.map((x) => convert(x, depth + 1));
    if (typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Object.prototype) {
      const out: { [key: string]: PickleValue } = {};
      for (const [k, x] of Object.entries(v as { [key: string]: TorchValue })) out[k] = convert(x, depth + 1);
      return out;
    }
    return v as PickleValue;
  };
  const pkl = writePickle(convert(root, 0), { protocol: 2 });
  return writeTorchArchiveChunks([{ name: 'data.pkl', data: pkl }, ...storages], opts);
}

/** Metadata as written into a checkpoint: non-integer numbers become strings (see module doc). */
export function torchSafeMetadata(
  metadata: Record<string, TorchMetadataValue>,
): Record<string, string | number | boolean | null> {
  const out: Record<string, string | number | boolean | null> = {};
  for (const [k, v] of Object.entries(metadata)) {
    if (typeof v === 'number') out[k] = Number.isSafeInteger(v) && !Object.is(v, -0) ? v : String(v);
    else if (v === null || typeof v === 'string' || typeof v === 'boolean') out[k] = v;
    else throw new ModelExportError('export_bad_metadata', `metadata ${k}: unsupported value type ${typeof v}`);
  }
  return out;
}

/**
 * `{model_state_dict: OrderedDict(encoder.0.weight …), model_architecture: {input_dim, hidden_dims,
 * model_type}, metadata}` as a torch zip checkpoint, loadable with
 * `torch.load(p, weights_only=True)` (torch ≥ 1.13) and `load_state_dict(strict=True)` into
 * AutoencoderModel(input_dim, hidden_dims).
 */
export function writeTorchCheckpoint(ae: Autoencoder, metadata: Record<string, TorchMetadataValue>): Uint8Array {
  return concatBytes(writeTorchCheckpointChunks(ae, metadata).chunks());
}

/** writeTorchCheckpoint as pieces (views of the weights). */
export function writeTorchCheckpointChunks(ae: Autoencoder, metadata: Record<string, TorchMetadataValue>): ByteChunks {
  const sd = autoencoderStateDict(ae);
  return writeTorchPickleArchiveChunks({
    model_state_dict: stateDictValue(sd),
    model_architecture: architectureRecord(ae),
    metadata: torchSafeMetadata(metadata),
  });
}
