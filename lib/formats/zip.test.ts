import { zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { concatBytes } from './bytes-write';
import { ModelValidationError } from './errors';
import { crc32, openZip, unsafeNameReason } from './zip';
import { fixture as fx, thrown } from './test-support/helpers';

const enc = (s: string) => new TextEncoder().encode(s);
const codeOf = (fn: () => unknown): string => thrown(ModelValidationError, fn).code;

/** Every entry, read. */
function readAll(bytes: Uint8Array, opts = {}) {
  const z = openZip(bytes, opts);
  return new Map(z.entries.filter((e) => !e.isDirectory).map((e) => [e.name, z.read(e.name)]));
}

/** A minimal stored-only zip writer with a zip64 end of central directory (what big torch files carry). */
function zip64Archive(files: [string, Uint8Array][]): Uint8Array {
  const parts: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let off = 0;
  for (const [name, data] of files) {
    const nb = enc(name);
    const lh = new Uint8Array(30 + nb.length + 20);
    const dv = new DataView(lh.buffer);
    dv.setUint32(0, 0x04034b50, true);
    dv.setUint16(4, 45, true);
    dv.setUint32(14, crc32(data), true);
    dv.setUint32(18, 0xffffffff, true);
    dv.setUint32(22, 0xffffffff, true);
    dv.setUint16(26, nb.length, true);
    dv.setUint16(28, 20, true);
    lh.set(nb, 30);
    dv.setUint16(30 + nb.length, 1, true);
    dv.setUint16(32 + nb.length, 16, true);
    dv.setUint32(34 + nb.length, data.length, true);
    dv.setUint32(42 + nb.length, data.length, true);
    const ch = new Uint8Array(46 + nb.length + 28);
    const cv = new DataView(ch.buffer);
    cv.setUint32(0, 0x02014b50, true);
    cv.setUint16(4, 45, true);
    cv.setUint16(6, 45, true);
    cv.setUint32(16, crc32(data), true);
    cv.setUint32(20, 0xffffffff, true);
    cv.setUint32(24, 0xffffffff, true);
    cv.setUint16(28, nb.length, true);
    cv.setUint16(30, 28, true);
    cv.setUint32(42, 0xffffffff, true);
    ch.set(nb, 46);
    cv.setUint16(46 + nb.length, 1, true);
    cv.setUint16(48 + nb.length, 24, true);
    cv.setUint32(50 + nb.length, data.length, true);
    cv.setUint32(58 + nb.length, data.length, true);
    cv.setUint32(66 + nb.length, off, true);
    parts.push(lh, data);
    central.push(ch);
    off += lh.length + data.length;
  }
  const cdOff = off;
  const cdSize = central.reduce((s, c) => s + c.length, 0);
  const tail = new Uint8Array(56 + 20 + 22);
  const tv = new DataView(tail.buffer);
  tv.setUint32(0, 0x06064b50, true);
  tv.setUint32(4, 44, true);
  tv.setUint16(12, 45, true);
  tv.setUint16(14, 45, true);
  tv.setUint32(24, files.length, true);
  tv.setUint32(32, files.length, true);
  tv.setUint32(40, cdSize, true);
  tv.setUint32(48, cdOff, true);
  tv.setUint32(56, 0x07064b50, true);
  tv.setUint32(64, cdOff + cdSize, true);
  tv.setUint32(72, 1, true);
  tv.setUint32(76, 0x06054b50, true);
  tv.setUint16(84, 0xffff, true);
  tv.setUint16(86, 0xffff, true);
  tv.setUint32(88, 0xffffffff, true);
  tv.setUint32(92, 0xffffffff, true);
  const all = [...parts, ...central, tail];
  return concatBytes(all);
}

describe('zip reader: valid archives', () => {
  it('reads stored and deflated entries written by fflate, CRC-checked', () => {
    const big = new Uint8Array(300_000).map((_, i) => (i * 7) % 13);
    const z = zipSync({
      'a/x.txt': [enc('hello'), { level: 0 }],
      'a/big.bin': [big, { level: 6 }],
      'a/empty': [new Uint8Array(0), { level: 6 }],
    });
    const got = readAll(z);
    expect(new TextDecoder().decode(got.get('a/x.txt'))).toBe('hello');
    expect(got.get('a/big.bin')).toEqual(big);
    expect(got.get('a/empty')!.length).toBe(0);
    const arch = openZip(z);
    expect(arch.get('a/big.bin')!.method).toBe(8);
    expect(arch.get('a/x.txt')!.method).toBe(0);
  });

  it('reads a real torch.save archive (data descriptors, UTF-8 flag)', () => {
    const z = openZip(fx('ae-32-16.pth'));
    expect(z.entries.map((e) => e.name)).toContain('ae-32-16/data.pkl');
    expect(z.entries.every((e) => e.usesDataDescriptor && e.method === 0)).toBe(true);
    for (const e of z.entries) expect(z.read(e.name).length).toBe(e.uncompressedSize);
  });

  it('reads zip64 local extra fields (Python force_zip64) and a zip64 end of central directory', () => {
    const a = openZip(fx('zip64.pth'));
    expect(a.entries.some((e) => e.zip64)).toBe(true);
    for (const e of a.entries) a.read(e.name);
    const b = zip64Archive([
      ['p/one', enc('first')],
      ['p/two', enc('second entry')],
    ]);
    const got = readAll(b);
    expect(new TextDecoder().decode(got.get('p/two'))).toBe('second entry');
    expect(openZip(b).entries.every((e) => e.zip64)).toBe(true);
  });

  it('crc32 matches the standard check value', () => {
    expect(crc32(enc('123456789'))).toBe(0xcbf43926);
  });
});

describe('zip reader: refusals', () => {
  it.each([
    ['zip-slip-dotdot.zip'],
    ['zip-slip-absolute.zip'],
    ['zip-slip-backslash.zip'],
    ['zip-slip-drive.zip'],
    ['zip-slip-nul.zip'],
  ])('%s → zip_slip', (f) => {
    expect(codeOf(() => openZip(fx(`malicious/${f}`)))).toBe('zip_slip');
  });

  it('names', () => {
    for (const bad of ['', '../x', 'a/../b', '/abs', 'a\\b', 'C:/x', 'c:x', 'a\0b', 'a/./b', 'a//b', 'a\nb', 'x:y']) {
      expect(unsafeNameReason(bad), JSON.stringify(bad)).not.toBeNull();
    }
    for (const ok of ['archive/data.pkl', 'archive/data/0', 'archive/', 'a/.data/version', 'a/..b', 'é/ü']) {
      expect(unsafeNameReason(ok), ok).toBeNull();
    }
  });

  it('duplicate names → zip_duplicate_entry', () => {
    expect(codeOf(() => openZip(fx('malicious/zip-duplicate.zip')))).toBe('zip_duplicate_entry');
  });

  it('local header disagreeing with the central directory → zip_header_mismatch', () => {
    expect(codeOf(() => openZip(fx('malicious/zip-header-mismatch-name.zip')))).toBe('zip_header_mismatch');
    expect(codeOf(() => openZip(fx('malicious/zip-header-mismatch-size.zip')))).toBe('zip_header_mismatch');
  });

  it('corrupted data → zip_crc_mismatch', () => {
    const z = openZip(fx('malicious/zip-crc-mismatch.zip'));
    const codes = z.entries.map((e) => {
      try {
        z.read(e.name);
        return 'ok';
      } catch (err) {
        return (err as ModelValidationError).code;
      }
    });
    expect(codes).toContain('zip_crc_mismatch');
  });

  it('zip bomb (200 MB of zeros): aborted at the cap, fast', () => {
    const bytes = fx('malicious/zip-bomb.zip');
    const t0 = performance.now();
    const z = openZip(bytes, { maxTotalBytes: 10 * 1024 * 1024 });
    // The entry declares 200 MB: refused before inflating anything.
    expect(codeOf(() => z.read(z.entries[1].name))).toBe('zip_bomb');
    expect(z.inflatedBytes).toBeLessThan(1024 * 1024);
    expect(performance.now() - t0).toBeLessThan(2000);
  });

  it('zip bomb that lies about its size: streamed and aborted as soon as it passes the declared size', () => {
    const bytes = fx('malicious/zip-bomb-lying-size.zip');
    const z = openZip(bytes); // default 2 GiB cap
    const name = z.entries[1].name;
    expect(z.get(name)!.uncompressedSize).toBe(1024 * 1024);
    const t0 = performance.now();
    expect(codeOf(() => z.read(name))).toBe('zip_bomb');
    expect(performance.now() - t0).toBeLessThan(1000);
    // and with a cap below the declared size, the cap decides
    const z2 = openZip(bytes, { maxEntryBytes: 512 * 1024 });
    expect(codeOf(() => z2.read(name))).toBe('zip_bomb');
  });

  it('the total cap counts every read', () => {
    const z = zipSync({ 'p/zeros': [new Uint8Array(50 * 1024 * 1024), { level: 9 }] });
    const arch = openZip(z, { maxTotalBytes: 60 * 1024 * 1024, maxCompressionRatio: 5000 });
    expect(arch.read('p/zeros').length).toBe(50 * 1024 * 1024);
    expect(codeOf(() => arch.read('p/zeros'))).toBe('zip_bomb'); // total cap across reads
  });

  it('the compression ratio bounds what a file can inflate to, whatever the caps', () => {
    // 200 MB of zeros in 200 KB (1000:1), no explicit cap: 100 × 200 KB = 20 MB is all it may hold.
    const z = openZip(fx('malicious/zip-bomb.zip'));
    const name = z.entries[1].name;
    const e = thrown(ModelValidationError, () => z.read(name));
    expect(e.code).toBe('zip_bomb');
    expect(e.message).toContain(`(100× its ${z.get(name)!.compressedSize} compressed bytes)`);
    expect(z.inflatedBytes).toBeLessThan(1024 * 1024);
    // The same 1 MiB of zeros is fine under the floor, and a ratio of 2000 admits the bomb's 200 MB.
    const small = zipSync({ 'p/zeros': [new Uint8Array(1024 * 1024), { level: 9 }] });
    expect(openZip(small).read('p/zeros').length).toBe(1024 * 1024);
    expect(openZip(fx('malicious/zip-bomb.zip'), { maxCompressionRatio: 2000 }).read(name).length).toBe(
      200 * 1024 * 1024,
    );
  });

  it('the archive as a whole is bounded by the ratio too (many entries each under the floor)', () => {
    const files: Record<string, [Uint8Array, { level: 9 }]> = {};
    for (let i = 0; i < 40; i++) files[`p/z${i}`] = [new Uint8Array(1024 * 1024), { level: 9 }];
    const z = openZip(zipSync(files)); // 40 MiB in ~40 KB: the archive may hold max(1 MiB, 100 × 40 KB)
    const codes = z.entries.map((e) => {
      try {
        z.read(e.name);
        return 'ok';
      } catch (err) {
        return (err as ModelValidationError).code;
      }
    });
    expect(codes.filter((c) => c === 'ok').length).toBeLessThan(8);
    expect(codes.at(-1)).toBe('zip_bomb');
    expect(z.inflatedBytes).toBeLessThanOrEqual(Math.max(1024 * 1024, 100 * zipSync(files).length));
  });

  it('overlapping entries → zip_overlapping_entries', () => {
    expect(codeOf(() => openZip(fx('malicious/zip-overlap.zip')))).toBe('zip_overlapping_entries');
  });

  it('truncated, appended-to, or garbage input → zip_corrupt', () => {
    const good = fx('ae-32-16.pth');
    expect(codeOf(() => openZip(good.subarray(0, good.length - 10)))).toBe('zip_corrupt');
    const appended = new Uint8Array(good.length + 5);
    appended.set(good);
    expect(codeOf(() => openZip(appended))).toBe('zip_corrupt');
    expect(codeOf(() => openZip(enc('not a zip at all')))).toBe('zip_corrupt');
    expect(codeOf(() => openZip(new Uint8Array(0)))).toBe('zip_corrupt');
  });

  it('encryption and unknown methods → zip_unsupported', () => {
    const z = zipSync({ 'p/x': [enc('hello'), { level: 0 }] });
    const dv = new DataView(z.buffer, z.byteOffset, z.byteLength);
    const cd = z.findIndex((_, i) => dv.getUint32(i, true) === 0x02014b50);
    const enc1 = z.slice();
    enc1[6] |= 1;
    enc1[cd + 8] |= 1;
    expect(codeOf(() => openZip(enc1))).toBe('zip_unsupported');
    const m12 = z.slice();
    m12[8] = 12;
    m12[cd + 10] = 12;
    expect(codeOf(() => openZip(m12))).toBe('zip_unsupported');
  });

  it('corrupt deflate data → zip_corrupt (not a crash)', () => {
    const z = zipSync({ 'p/x': [new Uint8Array(10000).fill(7), { level: 6 }] });
    const bad = z.slice();
    const dataStart = 30 + 3;
    for (let i = dataStart; i < dataStart + 8; i++) bad[i] = 0xff;
    const code = codeOf(() => openZip(bad).read('p/x'));
    expect(['zip_corrupt', 'zip_crc_mismatch', 'zip_size_mismatch', 'zip_bomb']).toContain(code);
  });
});
