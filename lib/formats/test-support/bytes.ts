/** Byte strings for hand-built test inputs (pickle opcodes, zip records): text, byte lists and arrays, in order. */
import { concatBytes, utf8 } from '../bytes-write';

export function bytesOf(...parts: readonly (Uint8Array | readonly number[] | string)[]): Uint8Array {
  return concatBytes(
    parts.map((p) => (typeof p === 'string' ? utf8(p) : p instanceof Uint8Array ? p : Uint8Array.from(p))),
  );
}
