/**
 * Minimal pickle writer (protocols 2–4) for plain data, plus the handful of constructs torch.save
 * emits: GLOBAL, REDUCE, BUILD, BINPERSID. No framing (FRAME is optional in protocol 4).
 *
 * Value mapping:
 *   null → None; boolean → bool; number → int when it is a safe integer, else float (use PyFloat
 *   to force a float); bigint → int; string → str; Uint8Array → bytes (protocol ≥ 3);
 *   Array → list; PyTuple → tuple; plain object → dict (string keys, insertion order);
 *   Map / PyDict → dict with any keys; PyGlobal → GLOBAL; PyReduce → callable(*args) then optional
 *   SETITEMS / APPENDS / BUILD; PyPersistentId → BINPERSID.
 *
 * With protocol 2 the writer emits only opcodes torch 1.13's weights_only unpickler accepts, plus
 * BINFLOAT (which it does not accept: callers targeting torch 1.13 weights_only must avoid floats).
 */
import { ModelExportError } from './errors';
import { ByteWriter, utf8, type ByteChunks } from './bytes-write';

export class PyTuple {
  readonly items: PickleValue[];
  constructor(items: PickleValue[]) {
    this.items = items;
  }
}

export class PyFloat {
  readonly value: number;
  constructor(value: number) {
    this.value = value;
  }
}

export class PyDict {
  readonly entries: [PickleValue, PickleValue][];
  constructor(entries: [PickleValue, PickleValue][]) {
    this.entries = entries;
  }
}

export class PyGlobal {
  readonly module: string;
  readonly name: string;
  constructor(module: string, name: string) {
    this.module = module;
    this.name = name;
  }
}

export class PyReduce {
  readonly callable: PyGlobal;
  readonly args: PyTuple;
  /** SETITEMS onto the result (e.g. OrderedDict items). */
  readonly dictItems?: [PickleValue, PickleValue][];
  /** APPENDS onto the result. */
  readonly listItems?: PickleValue[];
  /** BUILD state. */
  readonly state?: PickleValue;
  constructor(
    callable: PyGlobal,
    args: PyTuple,
    extra: { dictItems?: [PickleValue, PickleValue][]; listItems?: PickleValue[]; state?: PickleValue } = {},
  ) {
    this.callable = callable;
    this.args = args;
    this.dictItems = extra.dictItems;
    this.listItems = extra.listItems;
    this.state = extra.state;
  }
}

export class PyPersistentId {
  readonly pid: PickleValue;
  constructor(pid: PickleValue) {
    this.pid = pid;
  }
}

export type PickleValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | PickleValue[]
  | PyTuple
  | PyFloat
  | PyDict
  | PyGlobal
  | PyReduce
  | PyPersistentId
  | Map<PickleValue, PickleValue>
  | { [key: string]: PickleValue };

export const tuple = (...items: PickleValue[]): PyTuple => new PyTuple(items);
export const pyFloat = (v: number): PyFloat => new PyFloat(v);
export const pyGlobal = (module: string, name: string): PyGlobal => new PyGlobal(module, name);

/** `collections.OrderedDict(items)` as torch.save writes it: GLOBAL, EMPTY_TUPLE, REDUCE, SETITEMS. */
export function orderedDict(items: [PickleValue, PickleValue][] = []): PyReduce {
  return new PyReduce(pyGlobal('collections', 'OrderedDict'), tuple(), { dictItems: items });
}

export type PickleWriteOptions = {
  /** 2 (default: what torch.save uses), 3 or 4. */
  protocol?: 2 | 3 | 4;
  /** Maximum nesting depth (default 64). */
  maxDepth?: number;
};

// Opcodes
const MARK = 0x28; // (
const STOP = 0x2e; // .
const BININT = 0x4a; // J
const BININT1 = 0x4b; // K
const BININT2 = 0x4d; // M
const NONE = 0x4e; // N
const BINPERSID = 0x51; // Q
const REDUCE = 0x52; // R
const BINUNICODE = 0x58; // X
const EMPTY_LIST = 0x5d; // ]
const APPENDS = 0x65; // e
const BINGET = 0x68; // h
const LONG_BINGET = 0x6a; // j
const BINPUT = 0x71; // q
const LONG_BINPUT = 0x72; // r
const SETITEMS = 0x75; // u
const EMPTY_DICT = 0x7d; // }
const EMPTY_TUPLE = 0x29; // )
const TUPLE = 0x74; // t
const BUILD = 0x62; // b
const GLOBAL = 0x63; // c
const BINFLOAT = 0x47; // G
const PROTO = 0x80;
const TUPLE1 = 0x85;
const TUPLE2 = 0x86;
const TUPLE3 = 0x87;
const NEWTRUE = 0x88;
const NEWFALSE = 0x89;
const LONG1 = 0x8a;
const BINBYTES = 0x42; // B (protocol 3)
const SHORT_BINBYTES = 0x43; // C (protocol 3)
const SHORT_BINUNICODE = 0x8c; // protocol 4
const BINUNICODE8 = 0x8d; // protocol 4
const BINBYTES8 = 0x8e; // protocol 4

/** Batch size of SETITEMS/APPENDS runs, as CPython's pickler does. */
const BATCH = 1000;

function unsupported(msg: string): never {
  throw new ModelExportError('pickle_unsupported_value', `cannot pickle: ${msg}`);
}

/** Little-endian two's complement, minimal length (CPython's encode_long). */
function encodeLong(v: bigint): Uint8Array {
  if (v === 0n) return new Uint8Array(0);
  const out: number[] = [];
  let x = v;
  // Emit bytes until the remaining value is just sign extension of the last byte.
  for (;;) {
    const byte = Number(x & 0xffn);
    out.push(byte);
    x >>= 8n;
    if ((x === 0n && (byte & 0x80) === 0) || (x === -1n && (byte & 0x80) !== 0)) break;
  }
  return Uint8Array.from(out);
}

class Pickler {
  private readonly w = new ByteWriter(4096);
  private readonly memo = new Map<string, number>();
  private readonly protocol: 2 | 3 | 4;
  private readonly maxDepth: number;

  constructor(opts: PickleWriteOptions) {
    this.protocol = opts.protocol ?? 2;
    this.maxDepth = opts.maxDepth ?? 64;
    if (![2, 3, 4].includes(this.protocol)) unsupported(`protocol ${this.protocol}`);
  }

  run(v: PickleValue): ByteWriter {
    this.w.u8(PROTO).u8(this.protocol);
    this.save(v, 0);
    this.w.u8(STOP);
    return this.w;
  }

  private put(key: string): void {
    const idx = this.memo.size;
    this.memo.set(key, idx);
    if (idx < 256) this.w.u8(BINPUT).u8(idx);
    else this.w.u8(LONG_BINPUT).u32(idx);
  }

  private get(key: string): boolean {
    const idx = this.memo.get(key);
    if (idx === undefined) return false;
    if (idx < 256) this.w.u8(BINGET).u8(idx);
    else this.w.u8(LONG_BINGET).u32(idx);
    return true;
  }

  private saveInt(v: bigint): void {
    if (v >= 0n && v < 256n) this.w.u8(BININT1).u8(Number(v));
    else if (v >= 0n && v < 65536n) this.w.u8(BININT2).u16(Number(v));
    else if (v >= -2147483648n && v <= 2147483647n) this.w.u8(BININT).i32(Number(v));
    else {
      const b = encodeLong(v);
      if (b.length > 255) unsupported('integer too large');
      this.w.u8(LONG1).u8(b.length).bytes(b);
    }
  }

  private saveStr(s: string): void {
    const key = `s:${s}`;
    if (this.get(key)) return;
    const b = utf8(s);
    if (this.protocol >= 4 && b.length < 256) this.w.u8(SHORT_BINUNICODE).u8(b.length);
    else if (b.length <= 0xffffffff) this.w.u8(BINUNICODE).u32(b.length);
    else if (this.protocol >= 4) this.w.u8(BINUNICODE8).u64(b.length);
    else unsupported('string too long');
    this.w.bytes(b);
    this.put(key);
  }

  private saveBytes(b: Uint8Array): void {
    if (this.protocol < 3) unsupported('bytes need protocol 3 or later');
    if (b.length < 256) this.w.u8(SHORT_BINBYTES).u8(b.length);
    else if (b.length <= 0xffffffff) this.w.u8(BINBYTES).u32(b.length);
    else if (this.protocol >= 4) this.w.u8(BINBYTES8).u64(b.length);
    else unsupported('bytes too long');
    this.w.bytes(b);
  }

  private saveTuple(items: PickleValue[], depth: number): void {
    if (items.length === 0) {
      this.w.u8(EMPTY_TUPLE);
      return;
    }
    if (items.length <= 3) {
      for (const it of items) this.save(it, depth + 1);
      this.w.u8([TUPLE1, TUPLE2, TUPLE3][items.length - 1]);
      return;
    }
    this.w.u8(MARK);
    for (const it of items) this.save(it, depth + 1);
    this.w.u8(TUPLE);
  }

  private saveItems(entries: Iterable<[PickleValue, PickleValue]>, depth: number): void {
    let batch: [PickleValue, PickleValue][] = [];
    const flush = (): void => {
      if (batch.length === 0) return;
      this.w.u8(MARK);
      for (const [k, v] of batch) {
        this.save(k, depth + 1);
        this.save(v, depth + 1);
      }
      this.w.u8(SETITEMS);
      batch = [];
    };
    for (const e of entries) {
      batch.push(e);
      if (batch.length >= BATCH) flush();
    }
    flush();
  }

  private saveAppends(items: PickleValue[], depth: number): void {
    for (let i = 0; i < items.length; i += BATCH) {
      this.w.u8(MARK);
      for (const it of items.slice(i, i + BATCH)) this.save(it, depth + 1);
      this.w.u8(APPENDS);
    }
  }

  private saveGlobal(g: PyGlobal): void {
    if (/[\n\r]/.test(g.module) || /[\n\r]/.test(g.name) || !g.module || !g.name) unsupported('bad global name');
    const key = `g:${g.module}\n${g.name}`;
    if (this.get(key)) return;
    this.w.u8(GLOBAL).bytes(utf8(`${g.module}\n${g.name}\n`));
    this.put(key);
  }

  private save(v: PickleValue, depth: number): void {
    if (depth > this.maxDepth) unsupported('nesting too deep');
    if (v === null) this.w.u8(NONE);
    else if (v === true) this.w.u8(NEWTRUE);
    else if (v === false) this.w.u8(NEWFALSE);
    else if (typeof v === 'bigint') this.saveInt(v);
    else if (typeof v === 'number') {
      if (Number.isSafeInteger(v) && !Object.is(v, -0)) this.saveInt(BigInt(v));
      else this.w.u8(BINFLOAT).f64be(v);
    } else if (typeof v === 'string') this.saveStr(v);
    else if (v instanceof Uint8Array) this.saveBytes(v);
    else if (v instanceof PyFloat) this.w.u8(BINFLOAT).f64be(v.value);
    else if (Array.isArray(v)) {
      this.w.u8(EMPTY_LIST);
      this.saveAppends(v, depth);
    } else if (v instanceof PyTuple) this.saveTuple(v.items, depth);
    else if (v instanceof PyDict) {
      this.w.u8(EMPTY_DICT);
      this.saveItems(v.entries, depth);
    } else if (v instanceof Map) {
      this.w.u8(EMPTY_DICT);
      this.saveItems(v.entries(), depth);
    } else if (v instanceof PyGlobal) this.saveGlobal(v);
    else if (v instanceof PyReduce) {
      this.saveGlobal(v.callable);
      this.saveTuple(v.args.items, depth);
      this.w.u8(REDUCE);
      if (v.dictItems && v.dictItems.length) this.saveItems(v.dictItems, depth);
      if (v.listItems && v.listItems.length) this.saveAppends(v.listItems, depth);
      if (v.state !== undefined) {
        this.save(v.state, depth + 1);
        this.w.u8(BUILD);
      }
    } else if (v instanceof PyPersistentId) {
      this.save(v.pid, depth + 1);
      this.w.u8(BINPERSID);
    } else if (typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
      this.w.u8(EMPTY_DICT);
      this.saveItems(Object.entries(v), depth);
    } else {
      unsupported(`value of type ${typeof v === 'object' ? (v as object).constructor?.name : typeof v}`);
    }
  }
}

/** Serialise `value` as a pickle. Throws ModelExportError('pickle_unsupported_value'). */
export function writePickle(value: PickleValue, opts: PickleWriteOptions = {}): Uint8Array {
  return new Pickler(opts).run(value).finish();
}

/** writePickle as pieces: large `bytes` values are referenced, not copied (see ByteWriter). */
export function writePickleChunks(value: PickleValue, opts: PickleWriteOptions = {}): ByteChunks {
  return new Pickler(opts).run(value);
}
