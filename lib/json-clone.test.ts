import { describe, expect, it } from 'vitest';
import { jsonClone } from './json-clone';

describe('jsonClone', () => {
  it('is a deep copy as JSON would store it', () => {
    const src = { a: [1, { b: 'x' }], when: new Date('2026-01-02T03:04:05.000Z'), gone: undefined, f: () => 1 };
    const out = jsonClone<Record<string, unknown>>(src);
    expect(out).toEqual({ a: [1, { b: 'x' }], when: '2026-01-02T03:04:05.000Z' });
    expect(out.a).not.toBe(src.a);
  });

  it('turns a BigInt into a Number by default, or into its exact digits', () => {
    expect(jsonClone({ n: 12n })).toEqual({ n: 12 });
    expect(jsonClone({ n: 2n ** 70n }, 'string')).toEqual({ n: '1180591620717411303424' });
  });

  it('gives undefined for undefined, and refuses a cycle', () => {
    expect(jsonClone(undefined)).toBeUndefined();
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => jsonClone(cyclic)).toThrow(TypeError);
  });
});
