/**
 * The "pickle" export format: ONE protocol-4 pickle of plain data only (no globals, no REDUCE),
 * loadable by a Python Unpickler whose find_class refuses everything:
 *
 *   {"format": "drawbridge-pickle-v1",
 *    "model_state_dict": {name: {"dtype": "float32", "shape": [...], "data": <LE bytes>}},
 *    "model_architecture": {"input_dim", "hidden_dims", "model_type"},
 *    "metadata": {...}}
 *
 * Also a strict plain-data unpickler (`readPlainPickle`: pickle-read's interpreter with
 * `globals: 'none'`) that refuses every opcode able to import, call or build objects.
 */
import { ModelExportError, ModelValidationError } from './errors';
import type { Autoencoder, Checkpoint, DType, PlainValue, StateDict } from './types';
import { architectureRecord, autoencoderStateDict } from './autoencoder-tensors';
import { dtypeSize, isDType, shapeNumel } from './dtype';
import { toPlain, unpickle } from './pickle-read';
import { concatBytes, type ByteChunks } from './bytes-write';
import { pyFloat, writePickleChunks, type PickleValue } from './pickle-write';

export const DRAWBRIDGE_PICKLE_FORMAT = 'drawbridge-pickle-v1';

export type DrawbridgeMetadataValue = string | number | boolean | null;

/** Writes the autoencoder as a drawbridge-pickle-v1 (protocol 4). Non-integer numbers are floats. */
export function writeDrawbridgePickle(ae: Autoencoder, metadata: Record<string, DrawbridgeMetadataValue>): Uint8Array {
  return concatBytes(writeDrawbridgePickleChunks(ae, metadata).chunks());
}

/** writeDrawbridgePickle as pieces: the tensors' data are views of the weights. */
export function writeDrawbridgePickleChunks(
  ae: Autoencoder,
  metadata: Record<string, DrawbridgeMetadataValue>,
): ByteChunks {
  const sd = autoencoderStateDict(ae);
  const tensors: Record<string, PickleValue> = {};
  for (const [name, t] of sd) tensors[name] = { dtype: t.dtype, shape: [...t.shape], data: t.bytes };
  const meta: Record<string, PickleValue> = {};
  for (const [k, v] of Object.entries(metadata)) {
    if (typeof v === 'number') meta[k] = Number.isSafeInteger(v) && !Object.is(v, -0) ? v : pyFloat(v);
    else if (v === null || typeof v === 'string' || typeof v === 'boolean') meta[k] = v;
    else throw new ModelExportError('export_bad_metadata', `metadata ${k}: unsupported value type ${typeof v}`);
  }
  return writePickleChunks(
    {
      format: DRAWBRIDGE_PICKLE_FORMAT,
      model_state_dict: tensors,
      model_architecture: architectureRecord(ae),
      metadata: meta,
    },
    { protocol: 4 },
  );
}

// ---------------------------------------------------------------------------------------------
// Strict plain-data unpickler

export type PlainPickleOptions = {
  /** Maximum container nesting depth of the result (default 32). */
  maxDepth?: number;
};

/**
 * Decodes a pickle (protocol 2–5) made only of None/bool/int/float/str/bytes/list/tuple/dict
 * (string keys). Tuples become arrays, dicts null-prototype objects, ints beyond 2^53 bigints.
 * Any other opcode → ModelValidationError('pickle_forbidden_opcode'); a non-str key →
 * 'pickle_bad_key'; nesting beyond maxDepth → 'pickle_too_deep'; broken input → 'pickle_malformed'.
 * It is pickle-read's interpreter with `globals: 'none'`.
 */
export function readPlainPickle(bytes: Uint8Array, opts: PlainPickleOptions = {}): PlainValue {
  return toPlain(unpickle(bytes, { globals: 'none', maxDepth: opts.maxDepth ?? 32 }), { nullPrototype: true });
}

// ---------------------------------------------------------------------------------------------
// drawbridge-pickle-v1 reader

function badFormat(msg: string): never {
  throw new ModelValidationError('drawbridge_pickle_bad_format', `not a drawbridge-pickle-v1: ${msg}`);
}

type Dict = { [key: string]: PlainValue };

function isDict(v: PlainValue | undefined): boolean {
  // readPlainPickle makes every dict a null-prototype object (and nothing else).
  return typeof v === 'object' && v !== null && !Array.isArray(v) && Object.getPrototypeOf(v) === null;
}

/**
 * Reads a drawbridge-pickle-v1 into a Checkpoint (layout 'original', metadata set). Errors:
 * pickle_malformed, pickle_forbidden_opcode, pickle_bad_key, drawbridge_pickle_bad_format,
 * drawbridge_pickle_bad_tensor (all ModelValidationError).
 */
export function readDrawbridgePickle(bytes: Uint8Array): Checkpoint & { metadata: { [key: string]: PlainValue } } {
  const rootValue = readPlainPickle(bytes);
  if (!isDict(rootValue)) badFormat('root is not a dict');
  const root = rootValue as Dict;
  if (root.format !== DRAWBRIDGE_PICKLE_FORMAT) badFormat(`format is ${JSON.stringify(String(root.format))}`);
  if (!isDict(root.model_state_dict)) badFormat('model_state_dict is not a dict');
  const sdIn = root.model_state_dict as Dict;
  if (!isDict(root.model_architecture)) badFormat('model_architecture is not a dict');
  const arch = root.model_architecture as Dict;
  const meta = (root.metadata ?? Object.create(null)) as Dict;
  if (!isDict(meta)) badFormat('metadata is not a dict');

  const stateDict: StateDict = new Map();
  for (const [name, entry] of Object.entries(sdIn)) {
    const bad = (msg: string): never => {
      throw new ModelValidationError('drawbridge_pickle_bad_tensor', `tensor ${name}: ${msg}`, { name });
    };
    if (!isDict(entry)) bad('not a dict');
    const e = entry as { [key: string]: PlainValue };
    const keys = Object.keys(e).sort().join(',');
    if (keys !== 'data,dtype,shape') bad(`keys ${keys}`);
    const dtype = e.dtype;
    if (!isDType(dtype)) bad(`dtype ${String(dtype)}`);
    const shape = e.shape;
    if (!Array.isArray(shape) || !shape.every((d) => typeof d === 'number' && Number.isSafeInteger(d) && d >= 0))
      bad('bad shape');
    const data = e.data;
    if (!(data instanceof Uint8Array)) bad('data is not bytes');
    let numel = 0;
    try {
      numel = shapeNumel(shape as number[]);
    } catch {
      bad('shape too large');
    }
    if ((data as Uint8Array).length !== numel * dtypeSize(dtype as DType))
      bad(`${(data as Uint8Array).length} bytes for ${dtype}[${(shape as number[]).join(', ')}]`);
    stateDict.set(name, { dtype: dtype as DType, shape: [...(shape as number[])], bytes: data as Uint8Array });
  }
  return { layout: 'original', stateDict, modelArchitecture: arch, metadata: meta };
}
