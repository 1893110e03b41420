/** Element types of tensors: sizes, and conversions from little-endian bytes. */
import type { DType, Tensor } from './types';
import { bytesLEToFloat32, bytesLEToFloat32View, float32ToBytesLE } from './bytes-write';

const SIZES: Record<DType, number> = {
  float32: 4,
  float16: 2,
  bfloat16: 2,
  float64: 8,
  int64: 8,
  int32: 4,
  uint8: 1,
  bool: 1,
};

export const ALL_DTYPES = Object.keys(SIZES) as DType[];

/** True for one of the DType names (own keys only: "toString" is not a dtype). */
export function isDType(v: unknown): v is DType {
  return typeof v === 'string' && Object.prototype.hasOwnProperty.call(SIZES, v);
}

/** Bytes per element. */
export function dtypeSize(dtype: DType): number {
  return SIZES[dtype];
}

export function isFloatDType(dtype: DType): dtype is 'float32' | 'float16' | 'bfloat16' | 'float64' {
  return dtype === 'float32' || dtype === 'float16' || dtype === 'bfloat16' || dtype === 'float64';
}

/** Product of a shape (1 for a scalar); throws on a non-integer, negative or unsafe result. */
export function shapeNumel(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) {
    if (!Number.isSafeInteger(d) || d < 0) throw new RangeError(`bad dimension ${d}`);
    n *= d;
    if (!Number.isSafeInteger(n)) throw new RangeError('tensor too large');
  }
  return n;
}

/** IEEE half (binary16) bits → number. */
export function float16BitsToNumber(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >>> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * f * 2 ** -24; // zero / subnormal
  if (e === 31) return f ? NaN : s * Infinity;
  return s * (1 + f / 1024) * 2 ** (e - 15);
}

/** bfloat16 bits → number (the top 16 bits of a float32). */
export function bfloat16BitsToNumber(h: number): number {
  const buf = new DataView(new ArrayBuffer(4));
  buf.setUint32(0, (h & 0xffff) << 16);
  return buf.getFloat32(0);
}

let HALF_TABLE: Float32Array | null = null;
function halfTable(): Float32Array {
  if (!HALF_TABLE) {
    HALF_TABLE = new Float32Array(65536);
    for (let i = 0; i < 65536; i++) HALF_TABLE[i] = float16BitsToNumber(i);
  }
  return HALF_TABLE;
}

/**
 * Float tensor → a fresh Float32Array (always a copy). float16 and bfloat16 convert exactly;
 * float64 rounds to nearest float32 (values beyond float32 range become ±Infinity; callers that
 * care check with `allFinite`). Integer/bool dtypes are rejected: use the int helpers.
 */
export function toFloat32Array(t: Tensor): Float32Array {
  if (t.dtype === 'float32') return bytesLEToFloat32(t.bytes);
  const n = t.bytes.length / dtypeSize(t.dtype);
  const b = t.bytes;
  const out = new Float32Array(n);
  switch (t.dtype) {
    case 'float16': {
      const tab = halfTable();
      for (let i = 0; i < n; i++) out[i] = tab[b[2 * i] | (b[2 * i + 1] << 8)];
      return out;
    }
    case 'bfloat16': {
      const u = new Uint32Array(out.buffer);
      // Uint32Array and Float32Array share the host's byte order, so this is endian-independent.
      for (let i = 0; i < n; i++) u[i] = ((b[2 * i] | (b[2 * i + 1] << 8)) << 16) >>> 0;
      return out;
    }
    case 'float64': {
      const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
      for (let i = 0; i < n; i++) out[i] = dv.getFloat64(i * 8, true);
      return out;
    }
    default:
      throw new TypeError(`toFloat32Array: ${t.dtype} is not a float dtype`);
  }
}

/**
 * Float tensor → Float32Array without a copy where the bytes allow it (float32, little-endian
 * host, 4-aligned: a view of `t.bytes`); otherwise as `toFloat32Array`. Writing to the result
 * writes to `t.bytes`.
 */
export function float32ViewOf(t: Tensor): Float32Array {
  return t.dtype === 'float32' ? bytesLEToFloat32View(t.bytes) : toFloat32Array(t);
}

/** Float tensor → Float64Array (exact for every float dtype). */
export function toFloat64Array(t: Tensor): Float64Array {
  if (t.dtype === 'float64') {
    const n = t.bytes.length / 8;
    const dv = new DataView(t.bytes.buffer, t.bytes.byteOffset, t.bytes.byteLength);
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = dv.getFloat64(i * 8, true);
    return out;
  }
  return Float64Array.from(toFloat32Array(t));
}

/** int64 tensor → BigInt64Array (copy). */
export function toBigInt64Array(t: Tensor): BigInt64Array {
  if (t.dtype !== 'int64') throw new TypeError(`toBigInt64Array: expected int64, got ${t.dtype}`);
  const n = t.bytes.length / 8;
  const dv = new DataView(t.bytes.buffer, t.bytes.byteOffset, t.bytes.byteLength);
  const out = new BigInt64Array(n);
  for (let i = 0; i < n; i++) out[i] = dv.getBigInt64(i * 8, true);
  return out;
}

/**
 * Integer or bool tensor → plain numbers. int64 values outside ±2^53 throw a RangeError rather than
 * silently losing precision.
 */
export function toIntegerArray(t: Tensor): number[] {
  const b = t.bytes;
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const out: number[] = [];
  switch (t.dtype) {
    case 'int64':
      for (let i = 0; i < b.length; i += 8) {
        const v = dv.getBigInt64(i, true);
        if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) {
          throw new RangeError(`int64 value ${v} is not exactly representable as a number`);
        }
        out.push(Number(v));
      }
      return out;
    case 'int32':
      for (let i = 0; i < b.length; i += 4) out.push(dv.getInt32(i, true));
      return out;
    case 'uint8':
      return Array.from(b);
    case 'bool':
      for (let i = 0; i < b.length; i++) out.push(b[i] ? 1 : 0);
      return out;
    default:
      throw new TypeError(`toIntegerArray: ${t.dtype} is not an integer dtype`);
  }
}

/** Float32Array → a float32 Tensor (little-endian copy). */
export function float32Tensor(values: Float32Array, shape: number[]): Tensor {
  if (shapeNumel(shape) !== values.length) throw new RangeError('float32Tensor: shape does not match values');
  return { dtype: 'float32', shape: [...shape], bytes: float32ToBytesLE(values) };
}

/** True when every element is finite. */
export function allFinite(values: Float32Array | Float64Array): boolean {
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i])) return false;
  return true;
}
