import { describe, expect, it } from 'vitest';
import {
  bfloat16BitsToNumber,
  dtypeSize,
  float16BitsToNumber,
  float32Tensor,
  toBigInt64Array,
  toFloat32Array,
  toIntegerArray,
} from './dtype';

const le16 = (vals: number[]) => new Uint8Array(new Uint16Array(vals).buffer);

describe('dtype', () => {
  it('sizes', () => {
    expect([
      dtypeSize('float32'),
      dtypeSize('float16'),
      dtypeSize('bfloat16'),
      dtypeSize('float64'),
      dtypeSize('int64'),
      dtypeSize('bool'),
    ]).toEqual([4, 2, 2, 8, 8, 1]);
  });
  it('float16 bits', () => {
    expect(float16BitsToNumber(0x3c00)).toBe(1);
    expect(float16BitsToNumber(0xc000)).toBe(-2);
    expect(float16BitsToNumber(0x7bff)).toBe(65504);
    expect(float16BitsToNumber(0x0001)).toBe(2 ** -24);
    expect(float16BitsToNumber(0x7c00)).toBe(Infinity);
    expect(Number.isNaN(float16BitsToNumber(0x7e00))).toBe(true);
    expect(Object.is(float16BitsToNumber(0x8000), -0)).toBe(true);
  });
  it('bfloat16 bits', () => {
    expect(bfloat16BitsToNumber(0x3f80)).toBe(1);
    expect(bfloat16BitsToNumber(0xc040)).toBe(-3);
  });
  it('converts float16/bfloat16/float64 tensors to float32', () => {
    expect(Array.from(toFloat32Array({ dtype: 'float16', shape: [3], bytes: le16([0x3c00, 0x3800, 0xbc00]) }))).toEqual(
      [1, 0.5, -1],
    );
    expect(Array.from(toFloat32Array({ dtype: 'bfloat16', shape: [2], bytes: le16([0x3f80, 0x4049]) }))).toEqual([
      1, 3.140625,
    ]);
    const f64 = new Float64Array([1.5, -2.25, 1e300]);
    const out = toFloat32Array({ dtype: 'float64', shape: [3], bytes: new Uint8Array(f64.buffer) });
    expect(Array.from(out)).toEqual([1.5, -2.25, Infinity]);
    // unaligned view
    const buf = new Uint8Array(13);
    buf.set(new Uint8Array(new Float32Array([3.5, -1]).buffer), 1);
    expect(Array.from(toFloat32Array({ dtype: 'float32', shape: [2], bytes: buf.subarray(1, 9) }))).toEqual([3.5, -1]);
    expect(() => toFloat32Array({ dtype: 'int64', shape: [0], bytes: new Uint8Array(0) })).toThrow(/not a float/);
  });
  it('int64 handling', () => {
    const v = new BigInt64Array([1n, -5n, 2n ** 60n]);
    const t = { dtype: 'int64' as const, shape: [3], bytes: new Uint8Array(v.buffer) };
    expect(Array.from(toBigInt64Array(t))).toEqual([1n, -5n, 2n ** 60n]);
    expect(() => toIntegerArray(t)).toThrow(/not exactly representable/);
    expect(toIntegerArray({ ...t, shape: [2], bytes: t.bytes.subarray(0, 16) })).toEqual([1, -5]);
  });
  it('float32Tensor round-trips', () => {
    const t = float32Tensor(new Float32Array([1, 2, 3, 4]), [2, 2]);
    expect(t.bytes.length).toBe(16);
    expect(Array.from(toFloat32Array(t))).toEqual([1, 2, 3, 4]);
  });
});
