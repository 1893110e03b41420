import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { crc32, crc32Portable } from './crc32';

/** zlib's CRC-32 of `b`, read from the gzip trailer (independent of zlib.crc32, which crc32 may use). */
function zlibCrc32(b: Uint8Array): number {
  const gz = zlib.gzipSync(b, { level: 0 });
  return gz.readUInt32LE(gz.length - 8);
}

describe.each([
  ['crc32', crc32],
  ['crc32Portable (the browser, slicing-by-8)', crc32Portable],
])('%s', (_name, crc32) => {
  it('matches zlib at every length, alignment and split point', () => {
    const data = new Uint8Array(4099);
    let x = 0x9e3779b9;
    for (let i = 0; i < data.length; i++) data[i] = (x = (x * 1664525 + 1013904223) >>> 0) >>> 24;
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
    for (let offset = 0; offset < 8; offset++) {
      for (const len of [0, 1, 3, 7, 8, 9, 15, 16, 17, 63, 64, 1000, 4091]) {
        const b = data.subarray(offset, offset + len);
        const want = zlibCrc32(b);
        expect(crc32(b)).toBe(want);
        const cut = Math.floor(len / 3);
        expect(crc32(b.subarray(cut), crc32(b.subarray(0, cut)))).toBe(want);
      }
    }
  });
});
