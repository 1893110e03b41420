/**
 * Minimal protocol-buffers wire format: an encoder for building messages and a one-level decoder
 * (nested messages are decoded on demand). Decode errors throw ProtobufError.
 */
import { ByteWriter, concatBytes, utf8, type ByteChunks } from './bytes-write';

export class ProtobufError extends Error {}

export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_LEN = 2;
export const WIRE_FIXED32 = 5;

/**
 * Builds a message in one pass: a nested message is adopted with its length (never finished and
 * copied into its parent), and large `bytes` payloads are referenced (see ByteWriter), so a tensor
 * is copied once, by `finish()`, or not at all, by `chunks()`.
 */
export class PbWriter implements ByteChunks {
  private readonly w: ByteWriter;
  constructor(capacity = 256) {
    this.w = new ByteWriter(capacity);
  }

  private varint(v: number | bigint): void {
    let x = typeof v === 'bigint' ? BigInt.asUintN(64, v) : v >= 0 ? v : BigInt.asUintN(64, BigInt(v));
    if (typeof x === 'number') {
      if (!Number.isSafeInteger(x)) throw new RangeError(`varint ${x} is not a safe integer`);
      while (x >= 0x80) {
        this.w.u8((x % 0x80) | 0x80);
        x = Math.floor(x / 0x80);
      }
      this.w.u8(x);
      return;
    }
    while (x >= 0x80n) {
      this.w.u8(Number(x & 0x7fn) | 0x80);
      x >>= 7n;
    }
    this.w.u8(Number(x));
  }

  private tag(field: number, wire: number): void {
    this.varint(field * 8 + wire);
  }

  /** int32/int64/uint64/enum/bool field. */
  int(field: number, v: number | bigint | boolean): this {
    this.tag(field, WIRE_VARINT);
    this.varint(typeof v === 'boolean' ? (v ? 1 : 0) : v);
    return this;
  }

  float(field: number, v: number): this {
    this.tag(field, WIRE_FIXED32);
    this.w.f32(v);
    return this;
  }

  bytes(field: number, b: Uint8Array): this {
    this.tag(field, WIRE_LEN);
    this.varint(b.length);
    this.w.bytes(b);
    return this;
  }

  string(field: number, s: string): this {
    return this.bytes(field, utf8(s));
  }

  message(field: number, m: PbWriter | Uint8Array): this {
    if (!(m instanceof PbWriter)) return this.bytes(field, m);
    this.tag(field, WIRE_LEN);
    this.varint(m.length);
    this.w.append(m.w);
    return this;
  }

  get length(): number {
    return this.w.length;
  }

  /** The encoded message as views (see ByteWriter.chunks). */
  chunks(): Uint8Array[] {
    return this.w.chunks();
  }

  finish(): Uint8Array {
    return this.w.finish();
  }
}

export type PbField =
  | { no: number; wire: typeof WIRE_VARINT; value: bigint }
  | { no: number; wire: typeof WIRE_FIXED64; value: Uint8Array }
  | { no: number; wire: typeof WIRE_LEN; value: Uint8Array }
  | { no: number; wire: typeof WIRE_FIXED32; value: Uint8Array };

/** Decodes one message level into its fields, in order (LEN values are subarrays of `bytes`). */
export function decodeFields(bytes: Uint8Array): PbField[] {
  const out: PbField[] = [];
  let pos = 0;
  const varint = (): bigint => {
    let result = 0n;
    let shift = 0n;
    for (let i = 0; i < 10; i++) {
      if (pos >= bytes.length) throw new ProtobufError('truncated varint');
      const b = bytes[pos++];
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return BigInt.asUintN(64, result);
      shift += 7n;
    }
    throw new ProtobufError('varint longer than 10 bytes');
  };
  const take = (n: number): Uint8Array => {
    if (n < 0 || pos + n > bytes.length) throw new ProtobufError('truncated field');
    const v = bytes.subarray(pos, pos + n);
    pos += n;
    return v;
  };
  while (pos < bytes.length) {
    const key = varint();
    const no = Number(key >> 3n);
    const wire = Number(key & 7n);
    if (no < 1 || no > 536870911) throw new ProtobufError(`bad field number ${no}`);
    switch (wire) {
      case WIRE_VARINT:
        out.push({ no, wire, value: varint() });
        break;
      case WIRE_FIXED64:
        out.push({ no, wire, value: take(8) });
        break;
      case WIRE_LEN: {
        const len = varint();
        if (len > BigInt(bytes.length)) throw new ProtobufError('length past end of message');
        out.push({ no, wire, value: take(Number(len)) });
        break;
      }
      case WIRE_FIXED32:
        out.push({ no, wire, value: take(4) });
        break;
      default:
        throw new ProtobufError(`unsupported wire type ${wire}`);
    }
  }
  return out;
}

/** Signed 64-bit value of a varint as a JS number; throws when not a safe integer. */
export function int64(v: bigint): number {
  const s = BigInt.asIntN(64, v);
  if (s > BigInt(Number.MAX_SAFE_INTEGER) || s < BigInt(Number.MIN_SAFE_INTEGER))
    throw new ProtobufError('integer out of range');
  return Number(s);
}

/** Reads a repeated varint field that may be packed or not. */
export function repeatedVarint(fields: PbField[], no: number): bigint[] {
  const out: bigint[] = [];
  for (const f of fields) {
    if (f.no !== no) continue;
    if (f.wire === WIRE_VARINT) out.push(f.value);
    else if (f.wire === WIRE_LEN) {
      for (const inner of decodePackedVarints(f.value)) out.push(inner);
    } else throw new ProtobufError(`field ${no}: unexpected wire type`);
  }
  return out;
}

function decodePackedVarints(bytes: Uint8Array): bigint[] {
  const out: bigint[] = [];
  let pos = 0;
  while (pos < bytes.length) {
    let result = 0n;
    let shift = 0n;
    let done = false;
    for (let i = 0; i < 10 && pos < bytes.length; i++) {
      const b = bytes[pos++];
      result |= BigInt(b & 0x7f) << shift;
      shift += 7n;
      if ((b & 0x80) === 0) {
        done = true;
        break;
      }
    }
    if (!done) throw new ProtobufError('bad packed varint');
    out.push(BigInt.asUintN(64, result));
  }
  return out;
}

/** Reads a repeated fixed-width field (packed or not) as raw little-endian element bytes. */
export function repeatedFixed(fields: PbField[], no: number, width: 4 | 8): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const f of fields) {
    if (f.no !== no) continue;
    if ((width === 4 && f.wire === WIRE_FIXED32) || (width === 8 && f.wire === WIRE_FIXED64)) parts.push(f.value);
    else if (f.wire === WIRE_LEN) {
      if (f.value.length % width) throw new ProtobufError(`field ${no}: packed length not a multiple of ${width}`);
      parts.push(f.value);
    } else throw new ProtobufError(`field ${no}: unexpected wire type`);
  }
  return concatBytes(parts);
}

const dec = new TextDecoder('utf-8', { fatal: true });

export function pbString(b: Uint8Array): string {
  try {
    return dec.decode(b);
  } catch {
    throw new ProtobufError('invalid UTF-8 string');
  }
}

type WireValue<W> = W extends typeof WIRE_VARINT ? bigint : Uint8Array;

/** Every value of field `no`, in order; throws if one of them has another wire type. */
function valuesOf<W extends PbField['wire']>(fields: PbField[], no: number, wire: W, expected: string): WireValue<W>[] {
  const out: WireValue<W>[] = [];
  for (const f of fields) {
    if (f.no !== no) continue;
    if (f.wire !== wire) throw new ProtobufError(`field ${no}: expected ${expected}`);
    out.push(f.value as WireValue<W>);
  }
  return out;
}

/** Last LEN value of field `no` (proto semantics: last one wins), or undefined. */
export function lastLen(fields: PbField[], no: number): Uint8Array | undefined {
  return allLen(fields, no).at(-1);
}

export function allLen(fields: PbField[], no: number): Uint8Array[] {
  return valuesOf(fields, no, WIRE_LEN, 'length-delimited');
}

export function lastVarint(fields: PbField[], no: number): bigint | undefined {
  return valuesOf(fields, no, WIRE_VARINT, 'varint').at(-1);
}

export function lastFixed32(fields: PbField[], no: number): Uint8Array | undefined {
  return valuesOf(fields, no, WIRE_FIXED32, 'fixed32').at(-1);
}
