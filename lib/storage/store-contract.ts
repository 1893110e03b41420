import 'server-only';
/**
 * The artifact store contract as vitest tests, run against every ArtifactStore implementation
 * (fs-store.test.ts, s3-store.test.ts): what callers rely on whatever holds the bytes.
 */
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase } from '../db/test-databases';
import { collectGarbage } from '../registry/artifact-gc';
import { catalogueArtifact } from '../registry/artifacts';
import { SYSTEM_ACTOR } from '../registry/audit';
import type { ArtifactStore, StoredObject } from './types';

export type StoreUnderTest = {
  /** An empty store of its own, so one case's objects never meet another's. */
  store: ArtifactStore;
  /** Replaces the bytes stored under `sha256` behind the store's back (a disk or a bucket gone bad). */
  tamper(sha256: string, bytes: Uint8Array): Promise<void>;
  /** Leaves a temp object as a writer that died mid-put would. */
  plantTemp(bytes: Uint8Array): Promise<void>;
};

/** `open` makes a fresh empty store limited to `maxBytes`; it is called once per case. */
export function describeStoreContract(name: string, open: (maxBytes: number) => Promise<StoreUnderTest>): void {
  const MAX = 1024 * 1024;
  describe(`artifact store contract: ${name}`, () => {
    let db: Awaited<ReturnType<typeof openTestDatabase>>;
    beforeAll(async () => {
      db = await openTestDatabase('pglite');
    });
    afterAll(() => db?.cleanup());

    it('round trip: streamed bytes stored under their SHA-256, read whole, streamed, stat and listed', async () => {
      const { store } = await open(MAX);
      const bytes = crypto.randomBytes(300_000);
      const put = await store.put(chunks(bytes, 7_777));
      expect(put).toEqual({ sha256: sha(bytes), sizeBytes: bytes.length });
      expect(Buffer.from(await store.get(put.sha256)).equals(bytes)).toBe(true);
      expect((await collect(await store.stream(put.sha256))).equals(bytes)).toBe(true);
      expect(await store.has(put.sha256)).toBe(true);
      expect(await store.size(put.sha256)).toBe(bytes.length);
      const st = await store.stat(put.sha256);
      expect(st?.sizeBytes).toBe(bytes.length);
      expect(Math.abs(st!.modifiedAt.getTime() - Date.now())).toBeLessThan(60_000);
      const small = await store.put(Buffer.from('a second, small object'));
      expect((await listAll(store)).map((o) => [o.sha256, o.sizeBytes]).sort()).toEqual(
        [
          [put.sha256, bytes.length],
          [small.sha256, 22],
        ].sort(),
      );
      expect(await store.sweepTemp(0)).toEqual({ files: 0, bytes: 0 }); // no temp left behind
    });

    it('Range: the inclusive byte range, first, middle and last bytes', async () => {
      const { store } = await open(MAX);
      const bytes = crypto.randomBytes(70_000);
      const { sha256 } = await store.put(bytes);
      for (const [start, end] of [
        [0, 0],
        [10, 19],
        [65_530, 69_999],
      ]) {
        expect((await collect(await store.stream(sha256, { start, end }))).equals(bytes.subarray(start, end + 1))).toBe(
          true,
        );
      }
    });

    it('a byte flipped in storage is refused on every kind of read', async () => {
      const u = await open(MAX);
      const bytes = crypto.randomBytes(4096);
      const { sha256 } = await u.store.put(bytes);
      const flipped = Buffer.from(bytes);
      flipped[1234] ^= 0x01;
      await u.tamper(sha256, flipped);
      await expect(u.store.get(sha256)).rejects.toMatchObject({ code: 'artifact_corrupt' });
      await expect(collect(await u.store.stream(sha256))).rejects.toMatchObject({ code: 'artifact_corrupt' });
      await expect(u.store.stream(sha256, { start: 0, end: 9 })).rejects.toMatchObject({ code: 'artifact_corrupt' });
    });

    it('size limit: a put past it is refused while streaming and leaves nothing, not even a temp', async () => {
      const { store } = await open(MAX);
      const big = crypto.randomBytes(MAX + 1);
      await expect(store.put(chunks(big, 65_536))).rejects.toMatchObject({ code: 'artifact_too_large' });
      await expect(store.put(Buffer.alloc(600), { maxBytes: 500 })).rejects.toMatchObject({
        code: 'artifact_too_large',
      });
      const declared = Buffer.from('declared wrongly');
      await expect(store.put(declared, { expectedSha256: 'a'.repeat(64) })).rejects.toMatchObject({
        code: 'artifact_hash_mismatch',
      });
      expect(await store.has(sha(big))).toBe(false);
      expect(await store.has(sha(declared))).toBe(false);
      expect(await listAll(store)).toEqual([]);
      expect(await store.sweepTemp(0)).toEqual({ files: 0, bytes: 0 });
    });

    it('concurrent writes of the same content: one object, every writer told its hash', async () => {
      const { store } = await open(MAX);
      const bytes = crypto.randomBytes(100_000);
      const seen: string[] = [];
      const puts = await Promise.all(
        Array.from({ length: 6 }, (_, i) => store.put(chunks(bytes, 10_000 + i), { onHash: (h) => seen.push(h) })),
      );
      expect(new Set(puts.map((p) => p.sha256))).toEqual(new Set([sha(bytes)]));
      expect(seen).toEqual(Array(6).fill(sha(bytes)));
      expect((await listAll(store)).map((o) => o.sha256)).toEqual([sha(bytes)]);
      expect(Buffer.from(await store.get(sha(bytes))).equals(bytes)).toBe(true);
      expect(await store.sweepTemp(0)).toEqual({ files: 0, bytes: 0 });
    });

    it('a re-put of stored bytes counts as a fresh write; delete honours keepIf', async () => {
      const { store } = await open(MAX);
      const bytes = Buffer.from('object a');
      const { sha256 } = await store.put(bytes);
      const first = (await store.stat(sha256))!.modifiedAt.getTime();
      await new Promise((r) => setTimeout(r, 1100)); // S3 keeps LastModified to the second
      await store.put(bytes);
      expect((await store.stat(sha256))!.modifiedAt.getTime()).toBeGreaterThan(first);
      expect(await store.delete(sha256, { keepIf: () => true })).toBe(false);
      expect(await store.has(sha256)).toBe(true);
      expect(await store.delete(sha256)).toBe(true);
      expect(await store.delete(sha256)).toBe(false);
      expect(await store.stat(sha256)).toBeNull();
    });

    it('a put of the same bytes waits for a delete in progress and publishes them again', async () => {
      const { store } = await open(MAX);
      const bytes = crypto.randomBytes(10_000);
      const { sha256 } = await store.put(bytes);
      let putDone = false;
      let putting: Promise<unknown> | undefined;
      // The delete's check runs under the object's lock; the put arrives in the middle of it.
      const del = store.delete(sha256, {
        keepIf: async () => {
          putting = store.put(bytes).then(() => (putDone = true));
          await new Promise((r) => setTimeout(r, 300));
          expect(putDone).toBe(false); // held at the lock, not racing the delete
          return false;
        },
      });
      expect(await del).toBe(true);
      await putting;
      expect(Buffer.from(await store.get(sha256)).equals(bytes)).toBe(true);
    });

    it('missing objects and bad hashes answer with their codes', async () => {
      const { store } = await open(MAX);
      const absent = 'b'.repeat(64);
      await expect(store.get(absent)).rejects.toMatchObject({ code: 'artifact_not_found' });
      await expect(store.stream(absent)).rejects.toMatchObject({ code: 'artifact_not_found' });
      await expect(store.stream(absent, { start: 0, end: 1 })).rejects.toMatchObject({ code: 'artifact_not_found' });
      await expect(store.size(absent)).rejects.toMatchObject({ code: 'artifact_not_found' });
      expect(await store.stat(absent)).toBeNull();
      expect(await store.has(absent)).toBe(false);
      expect(await store.delete(absent)).toBe(false);
      for (const bad of ['../../etc/passwd', 'A'.repeat(64), 'abc', `${'a'.repeat(63)}/`]) {
        await expect(store.get(bad)).rejects.toMatchObject({ code: 'artifact_bad_hash' });
        await expect(store.delete(bad)).rejects.toMatchObject({ code: 'artifact_bad_hash' });
      }
    });

    it('GC: unreferenced objects past the grace period and stale temps go, referenced and fresh ones stay', async () => {
      const u = await open(MAX);
      const kept = await u.store.put(crypto.randomBytes(2000));
      await catalogueArtifact(db.db, SYSTEM_ACTOR, { ...kept, mediaType: 'application/octet-stream' });
      const orphan = await u.store.put(crypto.randomBytes(3000));
      await u.plantTemp(Buffer.alloc(700));
      const dry = await collectGarbage(db.db, u.store, SYSTEM_ACTOR, { graceMinutes: 60, apply: false });
      expect(dry.orphans).toEqual([]);
      expect(dry.fresh.map((o) => o.sha256)).toEqual([orphan.sha256]);
      expect(dry.referenced).toBe(1);
      const run = await collectGarbage(db.db, u.store, SYSTEM_ACTOR, { graceMinutes: 0, apply: true });
      expect(run.deleted).toEqual([orphan.sha256]);
      expect(run.deletedBytes).toBe(3000);
      expect({ files: run.tempFiles, bytes: run.tempBytes }).toEqual({ files: 1, bytes: 700 });
      expect((await listAll(u.store)).map((o) => o.sha256)).toEqual([kept.sha256]);
      expect(await u.store.sweepTemp(0)).toEqual({ files: 0, bytes: 0 });
    });
  });
}

const sha = (b: Uint8Array) => crypto.createHash('sha256').update(b).digest('hex');

async function* chunks(bytes: Uint8Array, size: number) {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

async function collect(it: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const c of it) parts.push(c);
  return Buffer.concat(parts);
}

async function listAll(store: ArtifactStore): Promise<StoredObject[]> {
  const all: StoredObject[] = [];
  for await (const o of store.list()) all.push(o);
  return all;
}
