/**
 * The "pickle" export format: ONE protocol-4 pickle of plain data only (no globals, no REDUCE),
 * loadable by a Python Unpickler whose find_class refuses everything:
 *
 *   {"format": "drawbridge-pickle-v1",
 *    "model_state_dict": {name: {"dtype": "float32", "shape": [...], "data": <LE bytes>}},
 *    "model_architecture": {"input_dim", "hidden_dims", "model_type"},
 *    "metadata": {...}}
 *
 * Also a strict plain-data unpickler (`readPlainPickle`) that refuses every opcode able to import,
 * call or build objects.
 */
import { ModelExportError, ModelValidationError } from './errors';
import type { Autoencoder, Checkpoint, DType, PlainValue, StateDict } from './types';
import { architectureRecord, autoencoderStateDict, DTYPE_BYTES, numelOf } from './autoencoder-tensors';
import { pyFloat, writePickle, type PickleValue } from './pickle-write';

export const DRAWBRIDGE_PICKLE_FORMAT = 'drawbridge-pickle-v1';

export type DrawbridgeMetadataValue = string | number | boolean | null;

/** Writes the autoencoder as a drawbridge-pickle-v1 (protocol 4). Non-integer numbers are floats. */
export function writeDrawbridgePickle(ae: Autoencoder, metadata: Record<string, DrawbridgeMetadataValue>): Uint8Array {
  const sd = autoencoderStateDict(ae);
  const tensors: Record<string, PickleValue> = {};
  for (const [name, t] of sd) tensors[name] = { dtype: t.dtype, shape: [...t.shape], data: t.bytes };
  const meta: Record<string, PickleValue> = {};
  for (const [k, v] of Object.entries(metadata)) {
    if (typeof v === 'number') meta[k] = Number.isSafeInteger(v) && !Object.is(v, -0) ? v : pyFloat(v);
    else if (v === null || typeof v === 'string' || typeof v === 'boolean') meta[k] = v;
    else throw new ModelExportError('export_bad_metadata', `metadata ${k}: unsupported value type ${typeof v}`);
  }
  return writePickle(
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

function malformed(msg: string, details: Record<string, unknown> = {}): never {
  throw new ModelValidationError('pickle_malformed', `malformed pickle: ${msg}`, details);
}

const MARK_SENTINEL = Symbol('mark');
type Slot = PlainValue | typeof MARK_SENTINEL;

const OPNAMES: Record<number, string> = {
  0x63: 'GLOBAL',
  0x93: 'STACK_GLOBAL',
  0x52: 'REDUCE',
  0x62: 'BUILD',
  0x69: 'INST',
  0x6f: 'OBJ',
  0x81: 'NEWOBJ',
  0x92: 'NEWOBJ_EX',
  0x50: 'PERSID',
  0x51: 'BINPERSID',
  0x82: 'EXT1',
  0x83: 'EXT2',
  0x84: 'EXT4',
};

export type PlainPickleOptions = {
  /** Maximum container nesting depth of the result (default 32). */
  maxDepth?: number;
};

/**
 * Decodes a pickle (protocol 2–5) made only of None/bool/int/float/str/bytes/list/tuple/dict
 * (string keys). Tuples become arrays, dicts null-prototype objects, ints beyond 2^53 bigints.
 * Any other opcode → ModelValidationError('pickle_forbidden_opcode'); broken input →
 * ModelValidationError('pickle_malformed').
 */
export function readPlainPickle(bytes: Uint8Array, opts: PlainPickleOptions = {}): PlainValue {
  const maxDepth = opts.maxDepth ?? 32;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dec = new TextDecoder('utf-8', { fatal: true });
  const dicts = new WeakSet<object>();
  const lists = new WeakSet<object>();
  const memo = new Map<number, PlainValue>();
  let stack: Slot[] = [];
  const metastack: Slot[][] = [];
  let pos = 0;

  const need = (n: number): number => {
    if (n < 0 || pos + n > bytes.length) malformed('truncated', { offset: pos });
    const p = pos;
    pos += n;
    return p;
  };
  const u8 = (): number => bytes[need(1)];
  const u16 = (): number => dv.getUint16(need(2), true);
  const u32 = (): number => dv.getUint32(need(4), true);
  const u64 = (): number => {
    const v = dv.getBigUint64(need(8), true);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) malformed('length too large');
    return Number(v);
  };
  const pop = (): PlainValue => {
    const v = stack.pop();
    if (v === undefined || v === MARK_SENTINEL) malformed('stack underflow', { offset: pos });
    return v as PlainValue;
  };
  const top = (): PlainValue => {
    const v = stack[stack.length - 1];
    if (v === undefined || v === MARK_SENTINEL) malformed('stack underflow', { offset: pos });
    return v as PlainValue;
  };
  const popMark = (): PlainValue[] => {
    const items = stack;
    const prev = metastack.pop();
    if (!prev) malformed('no MARK', { offset: pos });
    stack = prev as Slot[];
    for (const it of items) if (it === MARK_SENTINEL) malformed('nested MARK');
    return items as PlainValue[];
  };
  const str = (n: number): string => {
    const p = need(n);
    try {
      return dec.decode(bytes.subarray(p, p + n));
    } catch {
      return malformed('invalid UTF-8 string', { offset: p });
    }
  };
  const raw = (n: number): Uint8Array => {
    const p = need(n);
    return bytes.slice(p, p + n);
  };
  const decodeLong = (b: Uint8Array): number | bigint => {
    if (b.length === 0) return 0;
    let v = 0n;
    for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
    if (b[b.length - 1] & 0x80) v -= 1n << BigInt(8 * b.length);
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  };
  const newDict = (): { [key: string]: PlainValue } => {
    const d = Object.create(null) as { [key: string]: PlainValue };
    dicts.add(d);
    return d;
  };
  const newList = (items: PlainValue[] = []): PlainValue[] => {
    lists.add(items);
    return items;
  };
  const setItems = (target: PlainValue, items: PlainValue[]): void => {
    if (typeof target !== 'object' || target === null || !dicts.has(target)) malformed('SETITEM(S) on a non-dict');
    if (items.length % 2) malformed('odd SETITEMS');
    const d = target as { [key: string]: PlainValue };
    for (let i = 0; i < items.length; i += 2) {
      const k = items[i];
      if (typeof k !== 'string') throw new ModelValidationError('pickle_bad_key', 'dict keys must be strings');
      d[k] = items[i + 1];
    }
  };
  const append = (target: PlainValue, items: PlainValue[]): void => {
    if (typeof target !== 'object' || target === null || !lists.has(target)) malformed('APPEND(S) on a non-list');
    (target as PlainValue[]).push(...items);
  };
  const checkDepth = (v: PlainValue, depth: number): void => {
    if (depth > maxDepth) throw new ModelValidationError('pickle_too_deep', `pickle nested deeper than ${maxDepth}`);
    if (v instanceof Uint8Array || typeof v !== 'object' || v === null) return;
    for (const x of Array.isArray(v) ? v : Object.values(v)) checkDepth(x as PlainValue, depth + 1);
  };

  if (bytes.length < 2 || bytes[0] !== 0x80) malformed('missing PROTO header');
  for (;;) {
    const at = pos;
    const op = u8();
    switch (op) {
      case 0x80: {
        const proto = u8();
        if (proto < 2 || proto > 5) malformed(`unsupported protocol ${proto}`);
        break;
      }
      case 0x95: // FRAME
        need(0);
        u64();
        break;
      case 0x2e: {
        // STOP
        const v = pop();
        if (stack.length !== 0 || metastack.length !== 0) malformed('stack not empty at STOP');
        if (pos !== bytes.length) malformed('trailing bytes after STOP', { offset: pos });
        checkDepth(v, 0);
        return v;
      }
      case 0x28: // MARK
        metastack.push(stack);
        stack = [];
        break;
      case 0x30: // POP
        if (stack.length === 0) malformed('stack underflow');
        if (stack.pop() === MARK_SENTINEL) malformed('POP of a mark');
        break;
      case 0x31: // POP_MARK
        popMark();
        break;
      case 0x4e:
        stack.push(null);
        break;
      case 0x88:
        stack.push(true);
        break;
      case 0x89:
        stack.push(false);
        break;
      case 0x4a:
        stack.push(dv.getInt32(need(4), true));
        break;
      case 0x4b:
        stack.push(u8());
        break;
      case 0x4d:
        stack.push(u16());
        break;
      case 0x8a: // LONG1
        stack.push(decodeLong(raw(u8())));
        break;
      case 0x8b: {
        // LONG4
        const n = dv.getInt32(need(4), true);
        if (n < 0 || n > 64) malformed('LONG4 length out of range');
        stack.push(decodeLong(raw(n)));
        break;
      }
      case 0x47: // BINFLOAT
        stack.push(dv.getFloat64(need(8), false));
        break;
      case 0x8c:
        stack.push(str(u8()));
        break;
      case 0x58:
        stack.push(str(u32()));
        break;
      case 0x8d:
        stack.push(str(u64()));
        break;
      case 0x43:
        stack.push(raw(u8()));
        break;
      case 0x42:
        stack.push(raw(u32()));
        break;
      case 0x8e:
        stack.push(raw(u64()));
        break;
      case 0x7d:
        stack.push(newDict());
        break;
      case 0x5d:
        stack.push(newList());
        break;
      case 0x29:
        stack.push(Object.freeze([]) as unknown as PlainValue[]);
        break;
      case 0x74: // TUPLE
        stack.push(Object.freeze(popMark()) as PlainValue[]);
        break;
      case 0x85:
      case 0x86:
      case 0x87: {
        const n = op - 0x84;
        const items: PlainValue[] = [];
        for (let i = 0; i < n; i++) items.unshift(pop());
        stack.push(Object.freeze(items) as PlainValue[]);
        break;
      }
      case 0x6c: // LIST
        stack.push(newList(popMark()));
        break;
      case 0x64: {
        // DICT
        const items = popMark();
        const d = newDict();
        setItems(d, items);
        stack.push(d);
        break;
      }
      case 0x73: {
        // SETITEM
        const v = pop();
        const k = pop();
        setItems(top(), [k, v]);
        break;
      }
      case 0x75: {
        const items = popMark();
        setItems(top(), items);
        break;
      }
      case 0x61: {
        const v = pop();
        append(top(), [v]);
        break;
      }
      case 0x65: {
        const items = popMark();
        append(top(), items);
        break;
      }
      case 0x71:
        memo.set(u8(), top());
        break;
      case 0x72:
        memo.set(u32(), top());
        break;
      case 0x94: // MEMOIZE
        memo.set(memo.size, top());
        break;
      case 0x68:
      case 0x6a: {
        const idx = op === 0x68 ? u8() : u32();
        if (!memo.has(idx)) malformed(`memo ${idx} not set`);
        stack.push(memo.get(idx) as PlainValue);
        break;
      }
      default:
        throw new ModelValidationError(
          'pickle_forbidden_opcode',
          `pickle opcode ${OPNAMES[op] ?? '0x' + op.toString(16).padStart(2, '0')} is not allowed`,
          { offset: at, opcode: op },
        );
    }
  }
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
    if (typeof dtype !== 'string' || !Object.prototype.hasOwnProperty.call(DTYPE_BYTES, dtype)) bad(`dtype ${String(dtype)}`);
    const shape = e.shape;
    if (!Array.isArray(shape) || !shape.every((d) => typeof d === 'number' && Number.isSafeInteger(d) && d >= 0)) bad('bad shape');
    const data = e.data;
    if (!(data instanceof Uint8Array)) bad('data is not bytes');
    let numel = 0;
    try {
      numel = numelOf(shape as number[]);
    } catch {
      bad('shape too large');
    }
    if ((data as Uint8Array).length !== numel * DTYPE_BYTES[dtype as DType]) bad(`${(data as Uint8Array).length} bytes for ${dtype}[${(shape as number[]).join(', ')}]`);
    stateDict.set(name, { dtype: dtype as DType, shape: [...(shape as number[])], bytes: data as Uint8Array });
  }
  return { layout: 'original', stateDict, modelArchitecture: arch, metadata: meta };
}
