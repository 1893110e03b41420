/** Small helpers shared by the lib/formats tests. */
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { afterAll, beforeAll, expect } from 'vitest';
import type { ModelDeploymentError } from '../errors';

/** Bytes of a file under lib/formats/fixtures/. */
export function fixture(p: string): Uint8Array {
  return new Uint8Array(readFileSync(new URL(`../fixtures/${p}`, import.meta.url)));
}

/** Float32 values from base64 little-endian bytes (as the *.forward.json fixtures store them). */
export function f32FromBase64(b64: string): Float32Array {
  const b = Buffer.from(b64, 'base64');
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

/** The error `fn` throws, asserted to be a `cls`; fails the test when nothing is thrown. */
export function thrown<E extends Error>(cls: abstract new (...args: never[]) => E, fn: () => unknown): E {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(cls);
    return e as E;
  }
  throw new Error('expected an error');
}

/** The `code` of the error `fn` throws if it is one of `classes` (anything else propagates); undefined if it returns. */
export function codeOf(
  fn: () => unknown,
  ...classes: (abstract new (...args: never[]) => ModelDeploymentError)[]
): string | undefined {
  try {
    fn();
  } catch (e) {
    if (classes.some((c) => e instanceof c)) return (e as ModelDeploymentError).code;
    throw e;
  }
  return undefined;
}

/**
 * Registers hooks asserting that no malicious fixture ran code while the file's tests ran: their
 * payloads, if ever executed, create /tmp/drawbridge-pwned-*.
 */
export function expectNoPwnedMarkers(): void {
  const markers = () => readdirSync('/tmp').filter((f) => f.startsWith('drawbridge-pwned-'));
  beforeAll(() => {
    for (const m of markers()) rmSync(`/tmp/${m}`);
  });
  afterAll(() => {
    expect(markers()).toEqual([]);
  });
}
