import { describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { crc32, writeTorchArchive, writeZip } from './zip-write';
import { openZip } from './zip';
import { utf8 } from './bytes-write';
import { ModelExportError } from './errors';
import { pythonMissing, runPython, warnSkip, withTempDir } from './test-support/python';
import { prng } from './test-support/autoencoders';

function randomBytes(n: number, seed: number): Uint8Array {
  const r = prng(seed);
  return Uint8Array.from({ length: n }, () => Math.floor(r() * 256));
}

/** Walks the local headers; returns [name, dataOffset, extra] per entry. */
function localHeaders(zip: Uint8Array): { name: string; dataOffset: number; extra: Uint8Array }[] {
  const dv = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  const out: { name: string; dataOffset: number; extra: Uint8Array }[] = [];
  let p = 0;
  while (dv.getUint32(p, true) === 0x04034b50) {
    const size = dv.getUint32(p + 18, true);
    const nlen = dv.getUint16(p + 26, true);
    const elen = dv.getUint16(p + 28, true);
    const name = new TextDecoder().decode(zip.subarray(p + 30, p + 30 + nlen));
    const dataOffset = p + 30 + nlen + elen;
    out.push({ name, dataOffset, extra: zip.subarray(p + 30 + nlen, dataOffset) });
    p = dataOffset + size;
  }
  return out;
}

const entries = [
  { name: 'archive/data.pkl', data: randomBytes(123, 1) },
  { name: 'archive/data/0', data: randomBytes(4096, 2) },
  { name: 'archive/data/1', data: new Uint8Array(0) },
  { name: 'archive/data/2', data: randomBytes(77, 3) },
  { name: 'archive/ünï', data: utf8('utf-8 name') },
];

describe('zip-write', () => {
  it('computes CRC-32 (IEEE)', () => {
    expect(crc32(utf8('123456789'))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
    const a = randomBytes(1000, 9);
    expect(crc32(a.subarray(500), crc32(a.subarray(0, 500)))).toBe(crc32(a));
  });

  it('aligns every entry’s data to 64 bytes with an "FB" extra field, deterministically', () => {
    const zip = writeZip(entries);
    const hs = localHeaders(zip);
    expect(hs.map((h) => h.name)).toEqual(entries.map((e) => e.name));
    for (const h of hs) {
      expect(h.dataOffset % 64).toBe(0);
      expect(String.fromCharCode(h.extra[0], h.extra[1])).toBe('FB');
      expect(h.extra[2] | (h.extra[3] << 8)).toBe(h.extra.length - 4);
      expect(h.extra.subarray(4).every((b) => b === 0x5a)).toBe(true);
    }
    expect(writeZip(entries)).toEqual(zip);
    const unaligned = localHeaders(writeZip(entries, { alignment: 1 }));
    expect(unaligned.every((h) => h.extra.length === 0)).toBe(true);
  });

  it('is read back by the read-side zip reader with matching bytes', () => {
    const z = openZip(writeZip(entries));
    expect(z.entries.map((e) => e.name)).toEqual(entries.map((e) => e.name));
    for (const e of entries) expect(z.read(e.name)).toEqual(e.data);
  });

  it('writes torch archives: prefix, byteorder, version', () => {
    const z = openZip(writeTorchArchive([{ name: 'data.pkl', data: utf8('x') }]));
    expect(z.entries.map((e) => e.name)).toEqual(['archive/data.pkl', 'archive/byteorder', 'archive/version']);
    expect(new TextDecoder().decode(z.read('archive/version'))).toBe('3\n');
    expect(new TextDecoder().decode(z.read('archive/byteorder'))).toBe('little');
  });

  it('refuses bad names and duplicates', () => {
    for (const name of ['', '/abs', 'a/../b', 'a\\b']) {
      expect(() => writeZip([{ name, data: new Uint8Array() }])).toThrow(ModelExportError);
    }
    expect(() => writeZip([entries[0], entries[0]])).toThrow(/duplicate/);
    expect(() => writeTorchArchive([], { prefix: '../x' })).toThrow(/prefix/);
  });

  const missing = pythonMissing(['zipfile']);
  warnSkip('zip python interop', missing);
  it.skipIf(missing !== null)('Python zipfile reads it and every CRC checks', () => {
    withTempDir((dir) => {
      const f = path.join(dir, 'a.zip');
      writeFileSync(f, writeZip(entries));
      const out = runPython<{ bad: string | null; names: string[]; sizes: number[]; hex: string }>(
        `import zipfile, json, sys
z = zipfile.ZipFile(sys.argv[1])
print(json.dumps({'bad': z.testzip(), 'names': z.namelist(), 'sizes': [i.file_size for i in z.infolist()], 'hex': z.read('archive/data/2').hex()}))`,
        [f],
      );
      expect(out.bad).toBeNull();
      expect(out.names).toEqual(entries.map((e) => e.name));
      expect(out.sizes).toEqual(entries.map((e) => e.data.length));
      expect(out.hex).toBe(Buffer.from(entries[3].data).toString('hex'));
    });
  });
});
