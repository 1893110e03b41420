/** Tasks that misbehave on purpose, for the pool's own tests. */
import { ModelValidationError } from '../../formats/errors';

/** Blocks the worker's thread (a parse that never ends). */
export function spin({ ms }: { ms: number }): number {
  const end = Date.now() + ms;
  let n = 0;
  while (Date.now() < end) n++;
  return n;
}

/** Grows the V8 heap until the ceiling stops it. */
export function hog(): number {
  const keep: number[][] = [];
  for (;;) keep.push(Array.from({ length: 100_000 }, (_, i) => i * 1.5));
}

/** Dies the way a native crash or a stray process.exit would take a worker. */
export function crash(): never {
  process.exit(3);
}

export function sum({ bytes }: { bytes: Uint8Array }): { sum: number; length: number; doubled: Uint8Array } {
  let s = 0;
  for (const b of bytes) s += b;
  return { sum: s, length: bytes.length, doubled: bytes.map((b) => b * 2) };
}

export function refuse(): never {
  throw new ModelValidationError('tensor_too_large', 'refused in the worker', { needed: 8 });
}
