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

  it('lists objects with size and mtime, deletes them, and refreshes the mtime of a re-put', async () => {
    const own = new FsArtifactStore(fs.mkdtempSync(path.join(os.tmpdir(), 'drawbridge-store-list-')));
    const a = await own.put(Buffer.from('object a'));
    const b = await own.put(crypto.randomBytes(3000));
    const listed = [];
    for await (const o of own.list()) listed.push(o);
    expect(listed.map((o) => o.sha256).sort()).toEqual([a.sha256, b.sha256].sort());
    expect(listed.find((o) => o.sha256 === b.sha256)!.sizeBytes).toBe(3000);
    const old = new Date(Date.now() - 3 * 3600_000);
    const file = path.join(own.root, 'objects', a.sha256.slice(0, 2), a.sha256.slice(2, 4), a.sha256);
    fs.utimesSync(file, old, old);
    expect((await own.stat(a.sha256))!.modifiedAt.getTime()).toBe(old.getTime());
    await own.put(Buffer.from('object a')); // dedupes, and counts as a fresh write for a grace period
    expect((await own.stat(a.sha256))!.modifiedAt.getTime()).toBeGreaterThan(Date.now() - 60_000);
    expect(await own.delete(a.sha256, { keepIf: () => true })).toBe(false);
    expect(await own.has(a.sha256)).toBe(true);
    expect(await own.delete(a.sha256)).toBe(true);
    expect(await own.delete(a.sha256)).toBe(false);
    expect(await own.stat(a.sha256)).toBeNull();
    await expect(own.delete('../../x')).rejects.toMatchObject({ code: 'artifact_bad_hash' });
    fs.rmSync(own.root, { recursive: true, force: true });
  });

  it('a put of the same bytes waits for a delete in progress and publishes them again', async () => {
    const own = new FsArtifactStore(fs.mkdtempSync(path.join(os.tmpdir(), 'drawbridge-store-race-')));
    const bytes = crypto.randomBytes(10_000);
    const { sha256 } = await own.put(bytes);
    let seen: string | null = null;
    let putDone = false;
    let putting: Promise<unknown> | undefined;
    // The delete's check runs under the object's lock; the put arrives in the middle of it.
    const del = own.delete(sha256, {
      keepIf: async () => {
        putting = own.put(bytes, { onHash: (h) => (seen = h) }).then((r) => ((putDone = true), r));
        await new Promise((r) => setTimeout(r, 50));
        expect(putDone).toBe(false); // held at the lock, not racing the delete
        return false;
      },
    });
    expect(await del).toBe(true);
    await putting;
    expect(seen).toBe(sha256);
    expect(Buffer.from(await own.get(sha256)).equals(bytes)).toBe(true);
    fs.rmSync(own.root, { recursive: true, force: true });
  });

  it("sweeps temp files of dead writers past the grace period, never a live writer's", async () => {
    const own = new FsArtifactStore(fs.mkdtempSync(path.join(os.tmpdir(), 'drawbridge-store-tmp-')));
    await own.put(Buffer.from('x'));
    const tmp = path.join(own.root, 'tmp');
    const old = new Date(Date.now() - 2 * 3600_000);
    const plant = (name: string, size: number, mtime?: Date) => {
      fs.writeFileSync(path.join(tmp, name), Buffer.alloc(size));
      if (mtime) fs.utimesSync(path.join(tmp, name), mtime, mtime);
    };
    plant('2147483646-dead-old', 100, old); // no such pid
    plant('2147483646-dead-fresh', 10);
    plant(`${process.pid}-live-old`, 1000, old);
    expect(await own.sweepTemp(3600_000)).toEqual({ files: 1, bytes: 100 });
    expect(fs.readdirSync(tmp)).toHaveLength(3); // dry run
    expect(await own.sweepTemp(3600_000, { apply: true })).toEqual({ files: 1, bytes: 100 });
    expect(fs.readdirSync(tmp).sort()).toEqual(['2147483646-dead-fresh', `${process.pid}-live-old`].sort());
    expect(await own.sweepTemp(0, { apply: true })).toEqual({ files: 1, bytes: 10 });
    expect(fs.readdirSync(tmp)).toEqual([`${process.pid}-live-old`]);
    fs.rmSync(own.root, { recursive: true, force: true });
  });
});
