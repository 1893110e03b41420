import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FsArtifactStore } from './fs-store';
import { ArtifactError } from './types';

let root: string;
let store: FsArtifactStore;
const sha = (b: Uint8Array) => crypto.createHash('sha256').update(b).digest('hex');

beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'drawbridge-store-'));
  store = new FsArtifactStore(root, 1024 * 1024);
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

async function* chunks(bytes: Uint8Array, size: number) {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

async function collect(it: AsyncIterable<Uint8Array>) {
  const parts: Uint8Array[] = [];
  for await (const c of it) parts.push(c);
  return Buffer.concat(parts);
}

describe('FsArtifactStore', () => {
  it('stores streamed bytes under their SHA-256 and reads them back', async () => {
    const bytes = crypto.randomBytes(200_000);
    const put = await store.put(chunks(bytes, 7_777));
    expect(put).toEqual({ sha256: sha(bytes), sizeBytes: bytes.length });
    expect(Buffer.from(await store.get(put.sha256)).equals(bytes)).toBe(true);
    expect(await collect(await store.stream(put.sha256))).toEqual(bytes);
    expect(await collect(await store.stream(put.sha256, { start: 10, end: 19 }))).toEqual(bytes.subarray(10, 20));
    expect(await store.size(put.sha256)).toBe(bytes.length);
    // no temp files left behind
    expect(fs.readdirSync(path.join(root, 'tmp'))).toEqual([]);
  });

  it('is idempotent for identical content', async () => {
    const bytes = Buffer.from('same bytes twice');
    const a = await store.put(bytes);
    const b = await store.put(chunks(bytes, 3));
    expect(a).toEqual(b);
  });

  it('detects a flipped byte on disk on every kind of read', async () => {
    const bytes = crypto.randomBytes(4096);
    const { sha256 } = await store.put(bytes);
    const file = path.join(root, 'objects', sha256.slice(0, 2), sha256.slice(2, 4), sha256);
    const onDisk = fs.readFileSync(file);
    onDisk[1234] ^= 0x01;
    fs.writeFileSync(file, onDisk);
    await expect(store.get(sha256)).rejects.toMatchObject({ code: 'artifact_corrupt' });
    await expect(collect(await store.stream(sha256))).rejects.toMatchObject({ code: 'artifact_corrupt' });
    await expect(store.stream(sha256, { start: 0, end: 9 })).rejects.toMatchObject({ code: 'artifact_corrupt' });
  });

  it('refuses uploads past the size limit and keeps nothing', async () => {
    const big = crypto.randomBytes(1024 * 1024 + 1);
    await expect(store.put(chunks(big, 65536))).rejects.toMatchObject({ code: 'artifact_too_large' });
    expect(await store.has(sha(big))).toBe(false);
    expect(fs.readdirSync(path.join(root, 'tmp'))).toEqual([]);
  });

  it('refuses a declared hash that does not match', async () => {
    const bytes = Buffer.from('declared wrongly');
    await expect(store.put(bytes, { expectedSha256: 'a'.repeat(64) })).rejects.toMatchObject({
      code: 'artifact_hash_mismatch',
    });
    expect(await store.has(sha(bytes))).toBe(false);
  });

  it('never turns a hash argument into a path', async () => {
    for (const bad of ['../../etc/passwd', 'A'.repeat(64), 'abc', `${'a'.repeat(63)}/`]) {
      await expect(store.get(bad)).rejects.toBeInstanceOf(ArtifactError);
    }
    await expect(store.get('b'.repeat(64))).rejects.toMatchObject({ code: 'artifact_not_found' });
  });
});
