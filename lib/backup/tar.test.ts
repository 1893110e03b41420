import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { padding, readTar, TAR_END, tarHeader } from './tar';

async function* chunked(b: Uint8Array, size: number) {
  for (let i = 0; i < b.length; i += size) yield b.subarray(i, i + size);
}

function archive(files: [string, Uint8Array][]): Buffer {
  return Buffer.concat([...files.flatMap(([n, b]) => [tarHeader(n, b.length), b, padding(b.length)]), TAR_END]);
}

async function readAll(b: Uint8Array, chunk = 777) {
  const out: [string, Buffer][] = [];
  for await (const e of readTar(chunked(b, chunk))) {
    const parts: Uint8Array[] = [];
    for await (const c of e.body) parts.push(c);
    out.push([e.name, Buffer.concat(parts)]);
  }
  return out;
}

describe('tar', () => {
  const files: [string, Uint8Array][] = [
    ['manifest.json', Buffer.from('{"a":1}')],
    ['empty', new Uint8Array(0)],
    [`artifacts/${'a'.repeat(64)}`, crypto.randomBytes(5000)],
    ['exact', crypto.randomBytes(1024)],
  ];

  it('reads back what it writes, in any chunking, as GNU tar lays it out', async () => {
    const a = archive(files);
    expect(a.length).toBe(512 + 512 + 512 + 512 + 5120 + 512 + 1024 + 1024);
    for (const size of [1, 511, 512, 4096, a.length])
      expect(await readAll(a, size)).toEqual(files.map(([n, b]) => [n, Buffer.from(b)]));
    // ustar fields another tar reads: magic, octal size, a valid checksum.
    const h = Buffer.from(tarHeader('x', 5000));
    expect(h.subarray(257, 263).toString('latin1')).toBe('ustar\0');
    expect(h.subarray(124, 136).toString('latin1')).toBe('00000011610\0');
  });

  it('skips an entry the reader stops early', async () => {
    const names: string[] = [];
    for await (const e of readTar(chunked(archive(files), 100))) {
      names.push(e.name);
      for await (const _ of e.body) break;
    }
    expect(names).toEqual(files.map(([n]) => n));
  });

  it('writes sizes past 8 GiB in base-256', () => {
    const h = tarHeader('big', 9 * 1024 ** 3);
    expect(h[124]).toBe(0x80);
    expect(Buffer.from(h.subarray(128, 136)).readBigUInt64BE()).toBe(BigInt(9 * 1024 ** 3));
  });

  it('refuses a damaged header, a cut-off archive and entries that are not files', async () => {
    const a = archive(files);
    const bad = Buffer.from(a);
    bad[1024 + 3] ^= 1; // the second header's name
    await expect(readAll(bad)).rejects.toMatchObject({
      code: 'backup_corrupt',
      message: expect.stringMatching(/header 2 fails its checksum/),
    });
    await expect(readAll(Buffer.from('name,value\n1,2\n'))).rejects.toMatchObject({
      code: 'backup_corrupt',
      message: expect.stringMatching(/not a tar archive/),
    });
    await expect(readAll(crypto.randomBytes(4096))).rejects.toMatchObject({
      code: 'backup_corrupt',
      message: expect.stringMatching(/not a tar archive/),
    });
    await expect(readAll(a.subarray(0, 3000))).rejects.toMatchObject({
      code: 'backup_truncated',
      message: expect.stringMatching(/ends inside "artifacts\/a+"/),
    });
    await expect(readAll(a.subarray(0, a.length - 1024))).rejects.toMatchObject({
      code: 'backup_truncated',
      message: expect.stringMatching(/end-of-archive/),
    });
    const link = Buffer.from(tarHeader('evil', 0));
    link[156] = '2'.charCodeAt(0);
    link.fill(0x20, 148, 156);
    let sum = 0;
    for (const b of link) sum += b;
    link.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
    await expect(readAll(Buffer.concat([link, TAR_END]))).rejects.toMatchObject({
      code: 'backup_corrupt',
      message: expect.stringMatching(/"evil", which is not a regular file/),
    });
  });
});
