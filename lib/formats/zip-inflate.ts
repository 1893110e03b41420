/** Inflation of one zip entry that never trusts the sizes the archive declares (see zip.ts). */
import { Inflate } from 'fflate';
import { ModelValidationError } from './errors';
import { fail } from './zip-records';

const INFLATE_CHUNK = 16 * 1024;

/**
 * Inflate raw deflate data, aborting as soon as the output passes `declared` (the entry lies about
 * its size) or `cap` (the configured limit). Both are reported as `zip_bomb`.
 */
export function inflateCapped(src: Uint8Array, declared: number, cap: number, name: string): Uint8Array {
  // Written in place (declared ≤ cap): one allocation, no chunk list to concatenate at the end.
  const out = new Uint8Array(declared);
  let total = 0;
  let ended = false;
  const inf = new Inflate((chunk, final) => {
    if (total + chunk.length > declared) {
      const why =
        total + chunk.length > cap ? `over the limit of ${cap} bytes` : `past its declared size of ${declared} bytes`;
      fail('zip_bomb', `zip: entry ${JSON.stringify(name)} inflates ${why}; refused`, { entry: name, limit: cap });
    }
    out.set(chunk, total);
    total += chunk.length;
    if (final) ended = true;
  });
  try {
    for (let off = 0; off < src.length; off += INFLATE_CHUNK) {
      const end = Math.min(off + INFLATE_CHUNK, src.length);
      inf.push(src.subarray(off, end), end === src.length);
    }
    if (src.length === 0) inf.push(new Uint8Array(0), true);
  } catch (e) {
    if (e instanceof ModelValidationError) throw e;
    fail('zip_corrupt', `zip: entry ${JSON.stringify(name)} has corrupt deflate data (${(e as Error).message})`, {
      entry: name,
    });
  }
  if (!ended) fail('zip_corrupt', `zip: entry ${JSON.stringify(name)} has a truncated deflate stream`, { entry: name });
  return total === declared ? out : out.subarray(0, total);
}
