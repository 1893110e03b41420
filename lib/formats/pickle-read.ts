/**
 * An allowlist pickle interpreter. It executes nothing: it understands the opcodes of protocols
 * 0–5 that build plain data and builds only
 *
 *   dict, collections.OrderedDict, list, tuple, str, int (number, or bigint beyond ±2^53), float,
 *   bool, None, bytes, bytearray, and tensors via torch._utils._rebuild_tensor_v2 / _rebuild_tensor
 *   (optionally wrapped by _rebuild_parameter / _rebuild_parameter_with_state) over persistent ids
 *   ('storage', torch.<Float|Half|BFloat16|Double|Long|Int|Byte|Bool>Storage, key, location, numel).
 *
 * Allowlisted globals (anything else → `unsafe_pickle_global`, "refused pickle global os.system"):
 *   collections.OrderedDict, torch._utils._rebuild_tensor_v2, torch._utils._rebuild_tensor,
 *   torch._utils._rebuild_parameter, torch._utils._rebuild_parameter_with_state, torch.<X>Storage,
 *   builtins.bytes() (empty bytes), builtins.bytearray (and the __builtin__ spellings), _codecs.encode
 *   (protocol 0–2 bytes: args (str, 'latin1')).
 * Each may only be used the way torch/pickle uses it; any other use is refused.
 * INST / OBJ / NEWOBJ / NEWOBJ_EX are always refused (`unsafe_pickle_global`, naming the target).
 *
 * Everything else is all-or-nothing (`pickle_malformed`): EXT1/2/4, PERSID other than a torch
 * storage, sets, out-of-band buffers, an unknown opcode, a stream that ends before STOP, any byte
 * after STOP, STOP with anything but exactly one value on the stack, cyclic or absurdly deep
 * structures, or a leftover global used as a value. Tensor checks: the storage's bytes must be
 * numel × dtype size (`storage_size_mismatch`); size/stride/offset must stay inside the storage
 * (`tensor_out_of_bounds`); non-contiguous tensors (e.g. a saved transpose) are gathered into
 * C-contiguous order, each at most the size of its storage (a stride-0 or overlapping view that
 * repeats elements is refused before anything is allocated) and all together counted against
 * `maxTensorBytes` (`tensor_too_large`).
 *
 * With `globals: 'none'` the same interpreter reads plain data only (the drawbridge-pickle format,
 * which must load under a Python Unpickler whose find_class refuses everything): see PLAIN_OPCODES.
 */
import { ModelDeploymentError, ModelValidationError } from './errors';
import { dtypeSize } from './dtype';
import type { DType, PlainValue, Tensor } from './types';

// ---------------------------------------------------------------------------------------------
// Values

export class PyTuple {
  constructor(readonly items: PyValue[]) {}
}

/** A dict or OrderedDict. Keys are str or int in Python; both become strings here (order kept). */
export class PyDict {
  readonly map = new Map<string, PyValue>();
  private readonly kinds = new Map<string, 'str' | 'int'>();
  constructor(readonly ordered: boolean) {}
  /** Set a key; an int key and a str key with the same text are refused as ambiguous. */
  setKey(key: PyValue, value: PyValue, at: number): void {
    let k: string;
    let kind: 'str' | 'int';
    if (typeof key === 'string') {
      k = key;
      kind = 'str';
    } else if ((typeof key === 'number' && Number.isInteger(key)) || typeof key === 'bigint') {
      k = String(key);
      kind = 'int';
    } else malformed(`dict key of type ${describe(key)} is not supported (only str and int)`, at);
    const prev = this.kinds.get(k);
    if (prev && prev !== kind) malformed(`dict has both int and str key ${JSON.stringify(k)}`, at);
    this.kinds.set(k, kind);
    this.map.set(k, value);
  }
}

/** A tensor built by the pickle: C-contiguous little-endian bytes. */
export class TensorValue implements Tensor {
  constructor(
    readonly dtype: DType,
    readonly shape: number[],
    readonly bytes: Uint8Array,
    /** Storage key and element offset it came from (for diagnostics and dedup). */
    readonly storageKey: string,
    readonly storageOffset: number,
    /** True when the bytes are a gathered copy (a non-contiguous view), false for a view into the storage. */
    readonly gathered = false,
  ) {}
}

export type PyValue =
  null | boolean | number | bigint | string | Uint8Array | PyValue[] | PyTuple | PyDict | TensorValue;

export type PickleReadOptions = {
  /**
   * Resolve a torch storage key to its raw little-endian bytes. Without it any persistent id is
   * refused. Errors it throws propagate unchanged.
   */
  loadStorage?: (key: string) => Uint8Array;
  /**
   * Cap on bytes allocated to gather non-contiguous tensors (contiguous ones are views), all
   * together. Default: the bytes of the input (the pickle plus every storage loaded), so gathering
   * can at most double what the file brought. Each gathered tensor is also bounded by its own
   * storage (`tensor_too_large`).
   */
  maxTensorBytes?: number;
  /** Cap on nesting depth of the result. Default 200. */
  maxDepth?: number;
  /**
   * 'torch' (default): the allowlist above. 'none': plain data only. No global and no persistent
   * id is ever resolved (`loadStorage` is unused): the stream must start with PROTO 2–5, any opcode
   * outside PLAIN_OPCODES → `pickle_forbidden_opcode`, dict keys must be str (`pickle_bad_key`),
   * and nesting beyond maxDepth → `pickle_too_deep`.
   */
  globals?: 'torch' | 'none';
};

// Internal, never part of a result.
class GlobalRef {
  constructor(
    readonly module: string,
    readonly name: string,
    readonly kind: GlobalKind,
    readonly dtype?: DType,
  ) {}
  get qualname(): string {
    return `${this.module}.${this.name}`;
  }
}
class StorageRef {
  constructor(
    readonly key: string,
    readonly dtype: DType,
    readonly numel: number,
    readonly bytes: Uint8Array,
  ) {}
}
type GlobalKind =
  | 'OrderedDict'
  | 'rebuild_tensor_v2'
  | 'rebuild_tensor'
  | 'rebuild_parameter'
  | 'rebuild_parameter_with_state'
  | 'storage_type'
  | 'bytes'
  | 'bytearray'
  | 'codecs_encode';
type Item = PyValue | GlobalRef | StorageRef;

const STORAGE_TYPES: Record<string, DType> = {
  FloatStorage: 'float32',
  HalfStorage: 'float16',
  BFloat16Storage: 'bfloat16',
  DoubleStorage: 'float64',
  LongStorage: 'int64',
  IntStorage: 'int32',
  ByteStorage: 'uint8',
  BoolStorage: 'bool',
};

function resolveGlobal(module: string, name: string, at: number): GlobalRef {
  const q = `${module}.${name}`;
  switch (q) {
    case 'collections.OrderedDict':
      return new GlobalRef(module, name, 'OrderedDict');
    case 'torch._utils._rebuild_tensor_v2':
      return new GlobalRef(module, name, 'rebuild_tensor_v2');
    case 'torch._utils._rebuild_tensor':
      return new GlobalRef(module, name, 'rebuild_tensor');
    case 'torch._utils._rebuild_parameter':
      return new GlobalRef(module, name, 'rebuild_parameter');
    case 'torch._utils._rebuild_parameter_with_state':
      return new GlobalRef(module, name, 'rebuild_parameter_with_state');
    case 'builtins.bytes':
    case '__builtin__.bytes':
      return new GlobalRef(module, name, 'bytes');
    case 'builtins.bytearray':
    case '__builtin__.bytearray':
      return new GlobalRef(module, name, 'bytearray');
    case '_codecs.encode':
      return new GlobalRef(module, name, 'codecs_encode');
  }
  if (module === 'torch' && Object.prototype.hasOwnProperty.call(STORAGE_TYPES, name)) {
    return new GlobalRef(module, name, 'storage_type', STORAGE_TYPES[name]);
  }
  return refuseGlobal(q, at);
}

function refuseGlobal(qualname: string, at: number, how = 'global'): never {
  throw new ModelValidationError('unsafe_pickle_global', `refused pickle ${how} ${qualname}`, {
    global: qualname,
    offset: at,
  });
}

function malformed(why: string, at?: number): never {
  throw new ModelValidationError(
    'pickle_malformed',
    `malformed pickle: ${why}${at === undefined ? '' : ` (at byte ${at})`}`,
    {
      offset: at,
    },
  );
}

function describe(v: unknown): string {
  if (v === null) return 'None';
  if (v instanceof GlobalRef) return `global ${v.qualname}`;
  if (v instanceof StorageRef) return 'storage';
  if (v instanceof PyTuple) return 'tuple';
  if (v instanceof PyDict) return v.ordered ? 'OrderedDict' : 'dict';
  if (v instanceof TensorValue) return 'tensor';
  if (v instanceof Uint8Array) return 'bytes';
  if (Array.isArray(v)) return 'list';
  return typeof v;
}

/**
 * The only opcodes `globals: 'none'` accepts: protocol 2–5's plain-data opcodes (None, bools, ints,
 * floats, str, bytes, list, tuple, dict, memo, MARK/POP, PROTO/FRAME/STOP). Everything able to import,
 * call or build an object or load a persistent id or extension is refused before it touches the
 * stack, and so are the protocol 0/1 text forms, sets and out-of-band buffers, which a protocol-4
 * writer never emits.
 */
const PLAIN_OPCODES = new Set([
  0x80,
  0x95,
  0x2e,
  0x28,
  0x30,
  0x31, // PROTO FRAME STOP MARK POP POP_MARK
  0x4e,
  0x88,
  0x89,
  0x4a,
  0x4b,
  0x4d,
  0x8a,
  0x8b,
  0x47, // NONE NEWTRUE NEWFALSE BININT BININT1 BININT2 LONG1 LONG4 BINFLOAT
  0x8c,
  0x58,
  0x8d,
  0x43,
  0x42,
  0x8e, // SHORT_BINUNICODE BINUNICODE BINUNICODE8 SHORT_BINBYTES BINBYTES BINBYTES8
  0x7d,
  0x5d,
  0x29,
  0x74,
  0x85,
  0x86,
  0x87,
  0x6c,
  0x64, // EMPTY_DICT EMPTY_LIST EMPTY_TUPLE TUPLE TUPLE1-3 LIST DICT
  0x73,
  0x75,
  0x61,
  0x65, // SETITEM SETITEMS APPEND APPENDS
  0x71,
  0x72,
  0x94,
  0x68,
  0x6a, // BINPUT LONG_BINPUT MEMOIZE BINGET LONG_BINGET
]);

/** Names of the refused opcodes worth naming in a `pickle_forbidden_opcode` message. */
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

function forbiddenOpcode(op: number, at: number): never {
  throw new ModelValidationError(
    'pickle_forbidden_opcode',
    `pickle opcode ${OPNAMES[op] ?? '0x' + op.toString(16).padStart(2, '0')} is not allowed`,
    { offset: at, opcode: op },
  );
}

// ---------------------------------------------------------------------------------------------
// Interpreter

const utf8 = new TextDecoder('utf-8', { fatal: true });
const latin1 = new TextDecoder('latin1');
const MAX_LONG_BYTES = 4096;
const MAX_FLOAT_TEXT = 64;

/**
 * Unpickle `bytes` into PyValue (dicts as PyDict, tuples as PyTuple, tensors as TensorValue).
 * Throws ModelValidationError on anything outside the allowlist; never returns a partial result.
 */
export function unpickle(bytes: Uint8Array, opts: PickleReadOptions = {}): PyValue {
  const n = bytes.length;
  const plain = opts.globals === 'none';
  // Grows with each storage loaded (see maxTensorBytes) unless the caller fixed it.
  let maxTensorBytes = opts.maxTensorBytes ?? n;
  let tensorBytes = 0;
  let pos = 0;
  let stack: Item[] = [];
  const metastack: Item[][] = [];
  const memo = new Map<number, Item>();
  const storages = new Map<string, StorageRef>();
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);

  const need = (k: number, at: number): void => {
    if (k < 0 || pos + k > n) malformed('unexpected end of data', at);
  };
  const u8 = (at: number): number => {
    need(1, at);
    return bytes[pos++];
  };
  const u16 = (at: number): number => {
    need(2, at);
    const v = dv.getUint16(pos, true);
    pos += 2;
    return v;
  };
  const i32 = (at: number): number => {
    need(4, at);
    const v = dv.getInt32(pos, true);
    pos += 4;
    return v;
  };
  const u32 = (at: number): number => {
    need(4, at);
    const v = dv.getUint32(pos, true);
    pos += 4;
    return v;
  };
  const u64 = (at: number): number => {
    need(8, at);
    const lo = dv.getUint32(pos, true);
    const hi = dv.getUint32(pos + 4, true);
    pos += 8;
    if (hi >= 0x200000) malformed('length too large', at);
    return hi * 0x100000000 + lo;
  };
  const take = (k: number, at: number): Uint8Array => {
    need(k, at);
    const s = bytes.subarray(pos, pos + k);
    pos += k;
    return s;
  };
  const line = (at: number): string => {
    const end = bytes.indexOf(0x0a, pos);
    if (end < 0) malformed('unterminated text argument', at);
    const s = bytes.subarray(pos, end);
    pos = end + 1;
    try {
      return utf8.decode(s);
    } catch {
      return malformed('text argument is not valid UTF-8', at);
    }
  };
  const push = (v: Item): void => {
    stack.push(v);
  };
  const pop = (at: number): Item => {
    if (stack.length === 0) malformed('stack underflow', at);
    return stack.pop() as Item;
  };
  const top = (at: number): Item => {
    if (stack.length === 0) malformed('stack underflow', at);
    return stack[stack.length - 1];
  };
  const popMark = (at: number): Item[] => {
    const items = stack;
    const prev = metastack.pop();
    if (!prev) malformed('no MARK on the stack', at);
    stack = prev;
    return items;
  };
  const decodeText = (b: Uint8Array, at: number): string => {
    try {
      return utf8.decode(b);
    } catch {
      return malformed('string is not valid UTF-8', at);
    }
  };
  const decodeAscii = (b: Uint8Array, at: number): string => {
    for (let i = 0; i < b.length; i++) if (b[i] > 0x7f) malformed('protocol-0/1 string is not ASCII', at);
    return latin1.decode(b);
  };
  const intFromText = (s: string, at: number): number | bigint => {
    if (s.length > MAX_LONG_BYTES || !/^[+-]?\d+$/.test(s))
      malformed(`bad integer ${JSON.stringify(s.slice(0, 40))}`, at);
    const b = BigInt(s);
    return b >= BigInt(Number.MIN_SAFE_INTEGER) && b <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(b) : b;
  };
  const memoIndex = (v: number | bigint, at: number): number => {
    if (typeof v !== 'number' || v < 0) malformed('bad memo index', at);
    return v;
  };
  const memoGet = (i: number, at: number): Item => {
    if (!memo.has(i)) malformed(`memo key ${i} not found`, at);
    return memo.get(i) as Item;
  };
  const asValue = (v: Item, at: number, what: string): PyValue => {
    if (v instanceof GlobalRef || v instanceof StorageRef) malformed(`${describe(v)} used as ${what}`, at);
    return v;
  };
  const setItem = (d: PyDict, k: Item, v: Item, at: number): void => {
    if (plain && typeof k !== 'string')
      throw new ModelValidationError('pickle_bad_key', 'dict keys must be strings', { offset: at });
    d.setKey(asValue(k, at, 'a key'), asValue(v, at, 'a value'), at);
  };

  const persistentLoad = (pid: Item, at: number): StorageRef => {
    if (!(pid instanceof PyTuple) || pid.items.length === 0 || pid.items[0] !== 'storage') {
      malformed(`persistent id ${describe(pid)} is not a torch storage reference`, at);
    }
    const [, type, key, location, numel] = pid.items as unknown[];
    if (pid.items.length !== 5) malformed('torch storage reference must have 5 fields', at);
    if (!(type instanceof GlobalRef) || type.kind !== 'storage_type' || !type.dtype) {
      malformed(`storage type ${describe(type)} is not a supported torch storage`, at);
    }
    if (typeof key !== 'string' || typeof location !== 'string') malformed('storage key and location must be str', at);
    if (typeof numel !== 'number' || !Number.isSafeInteger(numel) || numel < 0)
      malformed('storage size must be a non-negative int', at);
    const dtype = type.dtype;
    const prev = storages.get(key);
    if (prev) {
      if (prev.dtype !== dtype || prev.numel !== numel) {
        malformed(
          `storage ${JSON.stringify(key)} is referenced as both ${prev.dtype}[${prev.numel}] and ${dtype}[${numel}]`,
          at,
        );
      }
      return prev;
    }
    if (!opts.loadStorage) malformed('persistent ids are not allowed here', at);
    let data: Uint8Array;
    try {
      data = opts.loadStorage(key);
    } catch (e) {
      if (e instanceof ModelDeploymentError) throw e;
      throw new ModelValidationError(
        'storage_missing',
        `storage ${JSON.stringify(key)} could not be loaded: ${(e as Error).message}`,
        {
          storage: key,
        },
      );
    }
    const expected = numel * dtypeSize(dtype);
    if (data.length !== expected) {
      throw new ModelValidationError(
        'storage_size_mismatch',
        `storage ${JSON.stringify(key)} declares ${numel} × ${dtype} = ${expected} bytes but has ${data.length}`,
        { storage: key, expected, actual: data.length },
      );
    }
    const ref = new StorageRef(key, dtype, numel, data);
    storages.set(key, ref);
    if (opts.maxTensorBytes === undefined) maxTensorBytes += data.length;
    return ref;
  };

  const intTuple = (v: Item, what: string, at: number): number[] => {
    if (!(v instanceof PyTuple)) malformed(`tensor ${what} must be a tuple`, at);
    return v.items.map((x) => {
      if (typeof x !== 'number' || !Number.isSafeInteger(x) || x < 0)
        malformed(`tensor ${what} has a bad entry ${String(x)}`, at);
      return x;
    });
  };
  const emptyHooks = (v: Item, at: number): void => {
    if (!(v instanceof PyDict) || v.map.size !== 0) malformed('tensor backward hooks must be an empty OrderedDict', at);
  };

  const rebuildTensor = (storage: Item, offset: Item, sizeT: Item, strideT: Item, at: number): TensorValue => {
    if (!(storage instanceof StorageRef)) malformed('tensor storage is not a torch storage', at);
    if (typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 0)
      malformed('tensor storage offset must be a non-negative int', at);
    const size = intTuple(sizeT, 'size', at);
    const stride = intTuple(strideT, 'stride', at);
    if (size.length !== stride.length) malformed('tensor size and stride differ in length', at);
    const oob = (why: string): never => {
      throw new ModelValidationError(
        'tensor_out_of_bounds',
        `tensor in storage ${JSON.stringify(storage.key)} ${why}`,
        {
          storage: storage.key,
          size,
          stride,
          offset,
        },
      );
    };
    let numel = 1;
    let maxIndex = offset;
    for (let i = 0; i < size.length; i++) {
      numel *= size[i];
      if (size[i] > 0) maxIndex += (size[i] - 1) * stride[i];
      if (!Number.isSafeInteger(numel) || !Number.isSafeInteger(maxIndex)) oob('is too large');
    }
    const es = dtypeSize(storage.dtype);
    if (numel === 0) {
      if (offset > storage.numel) oob(`starts at ${offset}, past the storage's ${storage.numel} elements`);
      return new TensorValue(storage.dtype, size, new Uint8Array(0), storage.key, offset);
    }
    if (maxIndex >= storage.numel) oob(`reaches element ${maxIndex} but the storage has ${storage.numel}`);
    let contiguous = true;
    let expect = 1;
    for (let i = size.length - 1; i >= 0; i--) {
      if (size[i] !== 1 && stride[i] !== expect) contiguous = false;
      expect *= size[i];
    }
    if (contiguous) {
      return new TensorValue(
        storage.dtype,
        size,
        storage.bytes.subarray(offset * es, (offset + numel) * es),
        storage.key,
        offset,
      );
    }
    const outBytes = numel * es;
    // A view may repeat elements (stride 0, overlapping strides): gathered, it would need more bytes
    // than the file holds. An honest tensor never needs more than its storage has.
    if (outBytes > storage.bytes.length) {
      throw new ModelValidationError(
        'tensor_too_large',
        `a tensor in storage ${JSON.stringify(storage.key)} repeats elements (size ${JSON.stringify(size)}, ` +
          `stride ${JSON.stringify(stride)}): it needs ${outBytes} bytes but its storage holds ${storage.bytes.length}`,
        { storage: storage.key, needed: outBytes, storageBytes: storage.bytes.length },
      );
    }
    if (tensorBytes + outBytes > maxTensorBytes) {
      throw new ModelValidationError(
        'tensor_too_large',
        `non-contiguous tensors need ${tensorBytes + outBytes} bytes, over the limit of ${maxTensorBytes}`,
        {
          limit: maxTensorBytes,
        },
      );
    }
    tensorBytes += outBytes;
    const out = new Uint8Array(outBytes);
    const src = storage.bytes;
    const nd = size.length;
    const idx = new Array<number>(nd).fill(0);
    let srcElem = offset;
    for (let o = 0; o < numel; o++) {
      const s = srcElem * es;
      for (let k = 0; k < es; k++) out[o * es + k] = src[s + k];
      for (let d = nd - 1; d >= 0; d--) {
        idx[d]++;
        srcElem += stride[d];
        if (idx[d] < size[d]) break;
        srcElem -= stride[d] * size[d];
        idx[d] = 0;
      }
    }
    return new TensorValue(storage.dtype, size, out, storage.key, offset, true);
  };

  const callGlobal = (fn: Item, argsItem: Item, at: number): Item => {
    if (!(fn instanceof GlobalRef)) malformed(`REDUCE on ${describe(fn)}`, at);
    if (!(argsItem instanceof PyTuple)) malformed(`REDUCE arguments for ${fn.qualname} are not a tuple`, at);
    const args = argsItem.items as Item[];
    const bad = (): never => malformed(`unexpected arguments to ${fn.qualname}`, at);
    switch (fn.kind) {
      case 'OrderedDict': {
        const d = new PyDict(true);
        if (args.length === 0) return d;
        if (args.length !== 1 || !Array.isArray(args[0])) bad();
        for (const pair of args[0] as PyValue[]) {
          const kv = pair instanceof PyTuple ? pair.items : Array.isArray(pair) ? pair : null;
          if (!kv || kv.length !== 2) return bad();
          d.setKey(kv[0], kv[1], at);
        }
        return d;
      }
      case 'rebuild_tensor_v2': {
        if (args.length !== 6 && args.length !== 7) bad();
        if (typeof args[4] !== 'boolean') malformed('requires_grad must be a bool', at);
        emptyHooks(args[5], at);
        if (args.length === 7 && args[6] !== null && !(args[6] instanceof PyDict))
          malformed('tensor metadata must be a dict', at);
        return rebuildTensor(args[0], args[1], args[2], args[3], at);
      }
      case 'rebuild_tensor':
        if (args.length !== 4) bad();
        return rebuildTensor(args[0], args[1], args[2], args[3], at);
      case 'rebuild_parameter':
      case 'rebuild_parameter_with_state': {
        const withState = fn.kind === 'rebuild_parameter_with_state';
        if (args.length !== (withState ? 4 : 3)) bad();
        if (!(args[0] instanceof TensorValue)) malformed('parameter data is not a tensor', at);
        if (typeof args[1] !== 'boolean') malformed('requires_grad must be a bool', at);
        emptyHooks(args[2], at);
        if (withState) {
          const st = args[3];
          const empty = st === null || (st instanceof PyDict && st.map.size === 0);
          if (!empty) malformed('parameters with extra state are not supported', at);
        }
        return args[0];
      }
      case 'bytes':
        if (args.length === 0) return new Uint8Array(0);
        return bad();
      case 'bytearray': {
        if (args.length === 0) return new Uint8Array(0);
        if (args.length === 1 && args[0] instanceof Uint8Array) return args[0].slice();
        if (args.length === 2 && typeof args[0] === 'string' && (args[1] === 'latin-1' || args[1] === 'latin1'))
          return latin1Encode(args[0], at);
        return bad();
      }
      case 'codecs_encode': {
        if (args.length === 2 && typeof args[0] === 'string' && (args[1] === 'latin-1' || args[1] === 'latin1'))
          return latin1Encode(args[0], at);
        return bad();
      }
      case 'storage_type':
        return malformed(`${fn.qualname} cannot be called`, at);
    }
  };

  if (plain && (n < 2 || bytes[0] !== 0x80)) malformed('missing PROTO header', 0);
  let sawStop = false;
  loop: while (pos < n) {
    const at = pos;
    const op = bytes[pos++];
    if (plain && !PLAIN_OPCODES.has(op)) forbiddenOpcode(op, at);
    switch (op) {
      case 0x80: {
        // PROTO
        const v = u8(at);
        if (v > 5 || (plain && v < 2)) malformed(`unsupported pickle protocol ${v}`, at);
        break;
      }
      case 0x95: {
        // FRAME: a length hint; the frame must fit in the data
        const len = u64(at);
        need(len, at);
        break;
      }
      case 0x2e: // STOP '.'
        sawStop = true;
        break loop;
      case 0x28: // MARK '('
        metastack.push(stack);
        stack = [];
        break;
      case 0x30: // POP '0'
        if (stack.length) stack.pop();
        else popMark(at);
        break;
      case 0x31: // POP_MARK '1'
        popMark(at);
        break;
      case 0x32: // DUP '2'
        push(top(at));
        break;
      // ---- constants
      case 0x4e: // NONE 'N'
        push(null);
        break;
      case 0x88: // NEWTRUE
        push(true);
        break;
      case 0x89: // NEWFALSE
        push(false);
        break;
      // ---- ints
      case 0x49: {
        // INT 'I' (protocol 0; I01/I00 are bools)
        const s = line(at);
        if (s === '01') push(true);
        else if (s === '00') push(false);
        else push(intFromText(s, at));
        break;
      }
      case 0x4c: {
        // LONG 'L'
        const s = line(at);
        push(intFromText(s.endsWith('L') ? s.slice(0, -1) : s, at));
        break;
      }
      case 0x4a: // BININT 'J'
        push(i32(at));
        break;
      case 0x4b: // BININT1 'K'
        push(u8(at));
        break;
      case 0x4d: // BININT2 'M'
        push(u16(at));
        break;
      case 0x8a: // LONG1
      case 0x8b: {
        // LONG4
        const len = op === 0x8a ? u8(at) : i32(at);
        if (len < 0) malformed('negative LONG4 length', at);
        if (len > MAX_LONG_BYTES) malformed(`integer of ${len} bytes is too large`, at);
        push(decodeLong(take(len, at)));
        break;
      }
      // ---- floats
      case 0x46: {
        // FLOAT 'F'
        const s = line(at);
        // repr() of a float is at most ~25 characters. The length cap and the unambiguous pattern keep
        // a long digit run from backtracking quadratically (a 20 000-digit line took seconds).
        if (s.length > MAX_FLOAT_TEXT || !/^[+-]?((\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?|inf|nan)$/i.test(s)) {
          malformed(`bad float ${JSON.stringify(s.slice(0, 40))}`, at);
        }
        const t = s.toLowerCase().replace(/^\+/, '');
        push(t === 'inf' ? Infinity : t === '-inf' ? -Infinity : t.endsWith('nan') ? NaN : Number(s));
        break;
      }
      case 0x47: {
        // BINFLOAT 'G' (big-endian)
        need(8, at);
        push(dv.getFloat64(pos, false));
        pos += 8;
        break;
      }
      // ---- strings
      case 0x53: {
        // STRING 'S' (protocol 0): only simple quoted literals without escapes
        const s = line(at);
        const q = s[0];
        if (s.length < 2 || (q !== "'" && q !== '"') || s[s.length - 1] !== q || s.slice(1, -1).includes('\\')) {
          malformed('unsupported protocol-0 STRING literal', at);
        }
        push(decodeAscii(new TextEncoder().encode(s.slice(1, -1)), at));
        break;
      }
      case 0x54: // BINSTRING 'T'
      case 0x55: {
        // SHORT_BINSTRING 'U'
        const len = op === 0x54 ? i32(at) : u8(at);
        if (len < 0) malformed('negative string length', at);
        push(decodeAscii(take(len, at), at));
        break;
      }
      case 0x56: {
        // UNICODE 'V' (raw-unicode-escape): only escape-free text
        const end = bytes.indexOf(0x0a, pos);
        if (end < 0) malformed('unterminated text argument', at);
        const raw = latin1.decode(bytes.subarray(pos, end));
        pos = end + 1;
        // raw-unicode-escape: only \uXXXX / \UXXXXXXXX are escapes (pickle escapes every literal backslash).
        const text = raw.replace(/\\(?:u([0-9a-fA-F]{4})|U([0-9a-fA-F]{8}))|\\/g, (m, u4?: string, u8x?: string) => {
          const cp = parseInt((u4 ?? u8x ?? '') || 'x', 16);
          if (!(cp >= 0 && cp <= 0x10ffff)) malformed('unsupported escape in UNICODE', at);
          return String.fromCodePoint(cp);
        });
        push(text);
        break;
      }
      case 0x58: // BINUNICODE 'X'
        push(decodeText(take(u32(at), at), at));
        break;
      case 0x8c: // SHORT_BINUNICODE
        push(decodeText(take(u8(at), at), at));
        break;
      case 0x8d: // BINUNICODE8
        push(decodeText(take(u64(at), at), at));
        break;
      // ---- bytes
      case 0x42: // BINBYTES 'B'
        push(take(u32(at), at).slice());
        break;
      case 0x43: // SHORT_BINBYTES 'C'
        push(take(u8(at), at).slice());
        break;
      case 0x8e: // BINBYTES8
      case 0x96: // BYTEARRAY8
        push(take(u64(at), at).slice());
        break;
      // ---- containers
      case 0x7d: // EMPTY_DICT '}'
        push(new PyDict(false));
        break;
      case 0x5d: // EMPTY_LIST ']'
        push([]);
        break;
      case 0x29: // EMPTY_TUPLE ')'
        push(new PyTuple([]));
        break;
      case 0x85: // TUPLE1
      case 0x86: // TUPLE2
      case 0x87: {
        // TUPLE3
        const k = op - 0x84;
        if (stack.length < k) malformed('stack underflow', at);
        push(new PyTuple(stack.splice(stack.length - k, k) as PyValue[]));
        break;
      }
      case 0x74: // TUPLE 't'
        push(new PyTuple(popMark(at) as PyValue[]));
        break;
      case 0x6c: // LIST 'l'
        push(popMark(at).map((v) => asValue(v, at, 'a list item')));
        break;
      case 0x64: {
        // DICT 'd'
        const items = popMark(at);
        if (items.length % 2) malformed('odd number of items for DICT', at);
        const d = new PyDict(false);
        for (let i = 0; i < items.length; i += 2) setItem(d, items[i], items[i + 1], at);
        push(d);
        break;
      }
      case 0x61: {
        // APPEND 'a'
        const v = asValue(pop(at), at, 'a list item');
        const l = top(at);
        if (!Array.isArray(l)) malformed(`APPEND to ${describe(l)}`, at);
        l.push(v);
        break;
      }
      case 0x65: {
        // APPENDS 'e'
        const items = popMark(at);
        const l = top(at);
        if (!Array.isArray(l)) malformed(`APPENDS to ${describe(l)}`, at);
        for (const v of items) l.push(asValue(v, at, 'a list item'));
        break;
      }
      case 0x73: {
        // SETITEM 's'
        const v = pop(at);
        const k = pop(at);
        const d = top(at);
        if (!(d instanceof PyDict)) malformed(`SETITEM on ${describe(d)}`, at);
        setItem(d, k, v, at);
        break;
      }
      case 0x75: {
        // SETITEMS 'u'
        const items = popMark(at);
        const d = top(at);
        if (!(d instanceof PyDict)) malformed(`SETITEMS on ${describe(d)}`, at);
        if (items.length % 2) malformed('odd number of items for SETITEMS', at);
        for (let i = 0; i < items.length; i += 2) setItem(d, items[i], items[i + 1], at);
        break;
      }
      case 0x8f: // EMPTY_SET
      case 0x90: // ADDITEMS
      case 0x91: // FROZENSET
        malformed('sets are not supported', at);
        break; // not reached (malformed throws); ESLint's no-fallthrough cannot see a `never` return
      // ---- memo
      case 0x70: // PUT 'p'
        memo.set(memoIndex(intFromText(line(at), at), at), top(at));
        break;
      case 0x71: // BINPUT 'q'
        memo.set(u8(at), top(at));
        break;
      case 0x72: // LONG_BINPUT 'r'
        memo.set(u32(at), top(at));
        break;
      case 0x94: // MEMOIZE
        memo.set(memo.size, top(at));
        break;
      case 0x67: // GET 'g'
        push(memoGet(memoIndex(intFromText(line(at), at), at), at));
        break;
      case 0x68: // BINGET 'h'
        push(memoGet(u8(at), at));
        break;
      case 0x6a: // LONG_BINGET 'j'
        push(memoGet(u32(at), at));
        break;
      // ---- globals and object construction
      case 0x63: {
        // GLOBAL 'c'
        const moduleName = line(at);
        const name = line(at);
        push(resolveGlobal(moduleName, name, at));
        break;
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = pop(at);
        const moduleName = pop(at);
        if (typeof moduleName !== 'string' || typeof name !== 'string') malformed('STACK_GLOBAL needs two str', at);
        push(resolveGlobal(moduleName, name, at));
        break;
      }
      case 0x69: {
        // INST 'i'
        const moduleName = line(at);
        const name = line(at);
        refuseGlobal(`${moduleName}.${name}`, at, 'INST of');
        break;
      }
      case 0x6f: {
        // OBJ 'o'
        const items = popMark(at);
        const cls = items[0];
        if (cls instanceof GlobalRef) refuseGlobal(cls.qualname, at, 'OBJ of');
        malformed(`OBJ on ${describe(cls)}`, at);
        break;
      }
      case 0x81: // NEWOBJ
      case 0x92: {
        // NEWOBJ_EX
        if (op === 0x92) pop(at);
        pop(at);
        const cls = pop(at);
        if (cls instanceof GlobalRef) refuseGlobal(cls.qualname, at, 'NEWOBJ of');
        malformed(`NEWOBJ on ${describe(cls)}`, at);
        break;
      }
      case 0x52: {
        // REDUCE 'R'
        const args = pop(at);
        const fn = pop(at);
        push(callGlobal(fn, args, at));
        break;
      }
      case 0x62: {
        // BUILD 'b': only torch's `_metadata` attribute on an OrderedDict state dict (ignored)
        const state = pop(at);
        const obj = top(at);
        if (!(obj instanceof PyDict) || !obj.ordered) malformed(`BUILD on ${describe(obj)} is not supported`, at);
        if (!(state instanceof PyDict)) malformed(`BUILD state ${describe(state)} is not supported`, at);
        for (const k of state.map.keys())
          if (k !== '_metadata') malformed(`BUILD sets attribute ${JSON.stringify(k)}`, at);
        break;
      }
      case 0x50: // PERSID 'P'
        malformed('text persistent ids are not supported', at);
        break;
      case 0x51: {
        // BINPERSID 'Q'
        push(persistentLoad(pop(at), at));
        break;
      }
      case 0x82:
      case 0x83:
      case 0x84:
        malformed('extension registry opcodes (EXT1/2/4) are not supported', at);
        break;
      case 0x97:
      case 0x98:
        malformed('out-of-band buffers are not supported', at);
        break;
      default:
        malformed(`unknown opcode 0x${op.toString(16).padStart(2, '0')}`, at);
    }
  }
  if (!sawStop) malformed('data ended before STOP', pos);
  if (pos !== n) malformed(`${n - pos} bytes after STOP`, pos);
  if (metastack.length !== 0 || stack.length !== 1) malformed('STOP with an unbalanced stack', pos - 1);
  const result = stack[0];
  checkTree(result, opts.maxDepth ?? 200, plain ? 'pickle_too_deep' : 'pickle_malformed');
  return result as PyValue;
}

function latin1Encode(s: string, at: number): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0xff) malformed('bytes payload is not latin-1', at);
    out[i] = c;
  }
  return out;
}

/** Two's-complement little-endian → number (if safe) or bigint. */
function decodeLong(b: Uint8Array): number | bigint {
  if (b.length === 0) return 0;
  let v = 0n;
  for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
  if (b[b.length - 1] & 0x80) v -= 1n << BigInt(8 * b.length);
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

/** Refuse leftovers (globals/storages used as values), cycles and excessive depth (`tooDeep`). */
function checkTree(root: Item, maxDepth: number, tooDeep: 'pickle_malformed' | 'pickle_too_deep'): void {
  const done = new Set<object>();
  const onPath = new Set<object>();
  const visit = (v: Item, depth: number): void => {
    if (v instanceof GlobalRef || v instanceof StorageRef) malformed(`${describe(v)} left in the data`);
    if (v === null || typeof v !== 'object' || v instanceof Uint8Array || v instanceof TensorValue) return;
    if (done.has(v)) return;
    if (onPath.has(v)) malformed('cyclic structure');
    if (depth > maxDepth) {
      if (tooDeep === 'pickle_malformed') malformed(`nesting deeper than ${maxDepth}`);
      throw new ModelValidationError(tooDeep, `pickle nested deeper than ${maxDepth}`);
    }
    onPath.add(v);
    const kids: Iterable<Item> = Array.isArray(v) ? v : v instanceof PyTuple ? v.items : v.map.values();
    for (const k of kids) visit(k, depth + 1);
    onPath.delete(v);
    done.add(v);
  };
  visit(root, 0);
}

/**
 * PyValue → PlainValue: tuples become arrays, dicts become plain objects (own properties via
 * defineProperty, so a key like "__proto__" is just a key), or null-prototype objects with
 * `nullPrototype` (so a dict can be told from any other object by its prototype alone). Note JS
 * orders integer-like keys first; use the PyDict's map when order matters.
 */
export function toPlain(v: PyValue, opts: { nullPrototype?: boolean } = {}): PlainValue {
  const seen = new Map<object, PlainValue>();
  const conv = (x: PyValue): PlainValue => {
    if (x === null || typeof x !== 'object' || x instanceof Uint8Array) return x;
    if (x instanceof TensorValue) return x;
    const cached = seen.get(x);
    if (cached !== undefined) return cached;
    let out: PlainValue;
    if (Array.isArray(x) || x instanceof PyTuple) {
      const arr: PlainValue[] = [];
      seen.set(x, arr);
      for (const i of Array.isArray(x) ? x : x.items) arr.push(conv(i));
      out = arr;
    } else {
      const obj: { [key: string]: PlainValue } = opts.nullPrototype ? Object.create(null) : {};
      seen.set(x, obj);
      for (const [k, val] of x.map)
        Object.defineProperty(obj, k, { value: conv(val), enumerable: true, writable: true, configurable: true });
      out = obj;
    }
    return out;
  };
  return conv(v);
}

/** unpickle() then toPlain(). */
export function unpickleToPlain(bytes: Uint8Array, opts: PickleReadOptions = {}): PlainValue {
  return toPlain(unpickle(bytes, opts));
}

export function isTensor(v: unknown): v is TensorValue {
  return v instanceof TensorValue;
}
