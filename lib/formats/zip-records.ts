/**
 * The zip format's records as lib/formats/zip.ts reads them: signatures, little-endian fields (a
 * zip64 value past 2^53 is refused rather than rounded), the entry-name rule against zip-slip, and
 * the extra-field block where zip64 keeps the sizes and offsets that overflow 32 bits.
 */
import { ModelValidationError } from './errors';

export const SIG_LOCAL = 0x04034b50;
export const SIG_CENTRAL = 0x02014b50;
export const SIG_EOCD = 0x06054b50;
export const SIG_EOCD64 = 0x06064b50;
export const SIG_EOCD64_LOCATOR = 0x07064b50;
export const SIG_DESCRIPTOR = 0x08074b50;

export function fail(code: string, message: string, details: Record<string, unknown> = {}): never {
  throw new ModelValidationError(code, message, details);
}

export function u16(b: Uint8Array, o: number): number {
  return b[o] | (b[o + 1] << 8);
}
export function u32(b: Uint8Array, o: number): number {
  return (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;
}
export function u64(b: Uint8Array, o: number, what: string): number {
  const lo = u32(b, o);
  const hi = u32(b, o + 4);
  if (hi >= 0x200000) fail('zip_corrupt', `zip: ${what} does not fit in 53 bits`);
  return hi * 0x100000000 + lo;
}

export const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Why a name is unsafe to extract, or null if it is fine (openZip refuses it as zip_slip). */
export function unsafeNameReason(name: string): string | null {
  if (name.length === 0) return 'empty name';
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c === 0) return 'NUL byte in name';
    if (c < 0x20 || c === 0x7f) return 'control character in name';
  }
  if (name.includes('\\')) return 'backslash in name';
  if (name.startsWith('/')) return 'absolute path';
  if (/^[A-Za-z]:/.test(name)) return 'drive letter';
  if (name.includes(':')) return 'colon in name';
  const segs = name.split('/');
  const last = segs.length - 1;
  for (let i = 0; i <= last; i++) {
    const s = segs[i];
    if (s === '..') return "'..' path segment";
    if (s === '.') return "'.' path segment";
    if (s === '' && i !== last) return 'empty path segment';
  }
  return null;
}

export type Extra = { uncompressed?: number; compressed?: number; offset?: number; disk?: number; present: boolean };

/** Parse the extra-field block; resolve zip64 values for fields that hold the 0xFFFF… marker. */
export function parseExtra(
  b: Uint8Array,
  start: number,
  len: number,
  need: { uncompressed: boolean; compressed: boolean; offset: boolean; disk: boolean },
  where: string,
): Extra {
  const end = start + len;
  const out: Extra = { present: false };
  let p = start;
  while (p < end) {
    if (p + 4 > end) fail('zip_corrupt', `zip: truncated extra field in ${where}`);
    const id = u16(b, p);
    const size = u16(b, p + 2);
    const body = p + 4;
    if (body + size > end) fail('zip_corrupt', `zip: extra field overruns its block in ${where}`);
    if (id === 0x0001) {
      if (out.present) fail('zip_corrupt', `zip: two zip64 extra fields in ${where}`);
      out.present = true;
      let q = body;
      const take = (what: string): number => {
        if (q + 8 > body + size) fail('zip_corrupt', `zip: zip64 extra field too short for ${what} in ${where}`);
        const v = u64(b, q, what);
        q += 8;
        return v;
      };
      if (need.uncompressed) out.uncompressed = take('uncompressed size');
      if (need.compressed) out.compressed = take('compressed size');
      if (need.offset) out.offset = take('local header offset');
      if (need.disk) {
        if (q + 4 > body + size) fail('zip_corrupt', `zip: zip64 extra field too short for disk in ${where}`);
        out.disk = u32(b, q);
      }
    }
    p = body + size;
  }
  return out;
}
