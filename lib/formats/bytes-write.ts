/**
 * Little-endian byte sink shared by the writers (pickle, zip, protobuf, safetensors). Pure
 * TypeScript; no node APIs.
 *
 * Written in one pass without copying the weights: payloads of LARGE_PAYLOAD bytes or more (tensor
 * data) are kept as references, not copied into the scratch buffer, and a nested writer is adopted
 * whole (`append`). The result is either `chunks()` (views, for a stream) or `finish()` (one copy
 * into a buffer of the exact size). Referenced payloads must not change until then.
 */

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
/** Payloads this big are referenced, not copied (a copy of a tensor was what made exports slow). */
export const LARGE_PAYLOAD = 16 * 1024;
/** The scratch buffer never starts bigger than this, whatever capacity a caller hints. */
const MAX_SCRATCH = 1024 * 1024;

export class ByteWriter {
  private buf: Uint8Array;
  private view: DataView;
  private len = 0;
  /** Finished pieces in order: sealed scratch segments and referenced payloads. */
  private readonly parts: Uint8Array[] = [];
  private partsLength = 0;

  constructor(initialCapacity = 1024) {
    this.buf = new Uint8Array(Math.min(MAX_SCRATCH, Math.max(16, initialCapacity)));
    this.view = new DataView(this.buf.buffer);
  }

  get length(): number {
    return this.partsLength + this.len;
  }

  private ensure(extra: number): void {
    const need = this.len + extra;
    if (need <= this.buf.length) return;
    if (this.len >= LARGE_PAYLOAD) {
      // Start a new segment rather than copy a big one into a doubled buffer.
      this.seal();
      if (extra <= this.buf.length) return;
    }
    let cap = this.buf.length * 2;
    while (cap < this.len + extra) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  private seal(): void {
    if (this.len === 0) return;
    this.parts.push(this.buf.subarray(0, this.len));
    this.partsLength += this.len;
    this.buf = new Uint8Array(this.buf.length);
    this.view = new DataView(this.buf.buffer);
    this.len = 0;
  }

  private reference(b: Uint8Array): void {
    this.seal();
    this.parts.push(b);
    this.partsLength += b.length;
  }

  u8(v: number): this {
    this.ensure(1);
    this.buf[this.len++] = v & 0xff;
    return this;
  }

  u16(v: number): this {
    this.ensure(2);
    this.view.setUint16(this.len, v, true);
    this.len += 2;
    return this;
  }

  u32(v: number): this {
    this.ensure(4);
    this.view.setUint32(this.len, v >>> 0, true);
    this.len += 4;
    return this;
  }

  i32(v: number): this {
    this.ensure(4);
    this.view.setInt32(this.len, v, true);
    this.len += 4;
    return this;
  }

  u64(v: number | bigint): this {
    this.ensure(8);
    this.view.setBigUint64(this.len, BigInt(v), true);
    this.len += 8;
    return this;
  }

  f32(v: number): this {
    this.ensure(4);
    this.view.setFloat32(this.len, v, true);
    this.len += 4;
    return this;
  }

  /** IEEE-754 double, big-endian (pickle BINFLOAT is big-endian). */
  f64be(v: number): this {
    this.ensure(8);
    this.view.setFloat64(this.len, v, false);
    this.len += 8;
    return this;
  }

  /** Appends `b`; a large `b` is referenced (see the class doc), so it must not change until written. */
  bytes(b: Uint8Array): this {
    if (b.length >= LARGE_PAYLOAD) {
      this.reference(b);
      return this;
    }
    this.ensure(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
    return this;
  }

  /** Adopts everything `other` wrote (without copying its payloads); `other` must not be written to again. */
  append(other: ByteWriter): this {
    if (other.length < LARGE_PAYLOAD) {
      for (const c of other.chunks()) this.bytes(c);
      return this;
    }
    this.seal();
    for (const c of other.chunks()) {
      this.parts.push(c);
      this.partsLength += c.length;
    }
    return this;
  }

  /** Fill `n` bytes with `value`. */
  fill(n: number, value = 0): this {
    this.ensure(n);
    this.buf.fill(value, this.len, this.len + n);
    this.len += n;
    return this;
  }

  /** The bytes written, in order, as views (nothing copied); together exactly `length` bytes. */
  chunks(): Uint8Array[] {
    return this.len ? [...this.parts, this.buf.subarray(0, this.len)] : [...this.parts];
  }

  /** A copy of the bytes written, exactly `length` long: one copy of each payload, into one buffer. */
  finish(): Uint8Array {
    return concatBytes(this.chunks());
  }
}

/** Bytes written in pieces (see ByteWriter.chunks): what a writer hands to a stream or a hash. */
export type ByteChunks = { readonly length: number; chunks(): Uint8Array[] };

const encoder = new TextEncoder();

export function utf8(s: string): Uint8Array {
  return encoder.encode(s);
}

/** Float32 values as little-endian bytes: a view of the same memory on a little-endian host (else a copy). */
export function float32BytesLE(values: Float32Array): Uint8Array {
  if (LITTLE_ENDIAN_HOST) return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  return float32ToBytesLE(values);
}

/**
 * Little-endian float32 bytes as a Float32Array: a view of the same memory when the host is
 * little-endian and the bytes are 4-aligned (a checkpoint's storages are), else a copy.
 */
export function bytesLEToFloat32View(bytes: Uint8Array): Float32Array {
  if (LITTLE_ENDIAN_HOST && bytes.byteOffset % 4 === 0 && bytes.length % 4 === 0) {
    return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
  }
  return bytesLEToFloat32(bytes);
}

/** Float32 values as little-endian bytes (a copy). */
export function float32ToBytesLE(values: Float32Array): Uint8Array {
  if (LITTLE_ENDIAN_HOST) {
    return new Uint8Array(values.buffer.slice(values.byteOffset, values.byteOffset + values.byteLength));
  }
  const out = new Uint8Array(values.length * 4);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) dv.setFloat32(i * 4, values[i], true);
  return out;
}

/** Little-endian float32 bytes as a Float32Array (a copy). */
export function bytesLEToFloat32(bytes: Uint8Array): Float32Array {
  if (bytes.length % 4 !== 0) throw new RangeError('float32 byte length is not a multiple of 4');
  if (LITTLE_ENDIAN_HOST) {
    return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  }
  const out = new Float32Array(bytes.length / 4);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < out.length; i++) out[i] = dv.getFloat32(i * 4, true);
  return out;
}

export function concatBytes(parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
