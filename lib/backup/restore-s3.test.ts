/**
 * Backup and restore with the artifacts in an S3 bucket (s3rver): a PostgreSQL restore puts them
 * in the bucket, never in DRAWBRIDGE_DATA_DIR/artifacts, refuses a bucket that already holds
 * some, and a backup reads them back out of the bucket.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../db';
import { openTestDatabase, POSTGRES_URL } from '../db/test-databases';
import { catalogueArtifact } from '../registry/artifacts';
import { SYSTEM_ACTOR } from '../registry/audit';
import { FsArtifactStore } from '../storage/fs-store';
import { S3ArtifactStore } from '../storage/s3-store';
import { startS3rver, type TestS3 } from '../storage/test-s3';
import { prepareBackup } from './archive';
import { restoreBackup } from './restore';
import { MIGRATIONS, newPlace, tempRoot, type Place } from './test-fixture';

describe.skipIf(!POSTGRES_URL)('restore into PostgreSQL + an S3 bucket', () => {
  let s3: TestS3;
  let root: string;
  let archive: Buffer;
  const places: Place[] = [];
  const blobs = [crypto.randomBytes(5000), crypto.randomBytes(70_000)];
  const bucketStore = (prefix: string) =>
    new S3ArtifactStore({
      bucket: s3.bucket,
      prefix,
      endpoint: s3.endpoint,
      forcePathStyle: true,
      credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
    });
  const place = async (name: string) => {
    const p = await newPlace('postgres', root, name);
    places.push(p);
    return p;
  };
  const restore = (p: Place, store: S3ArtifactStore) =>
    restoreBackup(
      (async function* () {
        yield archive;
      })(),
      { kind: 'postgres', url: p.databaseUrl!, dataDir: p.dataDir, store },
      { migrationsDir: MIGRATIONS },
    );

  beforeAll(async () => {
    root = tempRoot();
    s3 = await startS3rver({ bucket: 'drawbridge-restore' });
    const src = await openTestDatabase('pglite');
    const store = new FsArtifactStore(path.join(root, 'source-artifacts'));
    for (const b of blobs) {
      const a = await store.put(b);
      await catalogueArtifact(src.db, SYSTEM_ACTOR, { ...a, mediaType: 'application/octet-stream' });
    }
    const prepared = await prepareBackup(src.db, store, { kind: 'pglite' });
    const parts: Uint8Array[] = [];
    for await (const c of prepared.stream) parts.push(c);
    archive = Buffer.concat(parts);
    await src.cleanup();
  });
  afterAll(async () => {
    for (const p of places) await p.drop();
    await s3?.stop();
    if (root) fs.rmSync(root, { recursive: true, force: true });
  });

  it('puts every artifact in the bucket, verified, and a backup reads them back from it', async () => {
    const dest = await place('dest');
    const store = bucketStore('restored/');
    const r = await restore(dest, store);
    expect({ artifacts: r.artifacts, bytes: r.artifactBytes }).toEqual({ artifacts: 2, bytes: 75_000 });
    for (const b of blobs) {
      const sha256 = crypto.createHash('sha256').update(b).digest('hex');
      expect(Buffer.from(await store.get(sha256)).equals(b)).toBe(true);
    }
    expect(fs.existsSync(path.join(dest.dataDir, 'artifacts'))).toBe(false);

    const opened = await openDatabase({ kind: 'postgres', url: dest.databaseUrl! }, { migrationsDir: MIGRATIONS });
    try {
      const again = await prepareBackup(opened.db, store, { kind: 'postgres' });
      const parts: Uint8Array[] = [];
      for await (const c of again.stream) parts.push(c);
      expect(Buffer.concat(parts).length).toBe(again.bytes);
      expect(again.manifest.artifacts.map((a) => a.bytes).sort()).toEqual([5000, 70_000]);
    } finally {
      await opened.close();
    }
  });

  it('refuses a bucket prefix that already holds artifacts, and loads no row', async () => {
    const dest = await place('dest-full');
    const store = bucketStore('occupied/');
    await store.put(Buffer.from('someone else was here'));
    await expect(restore(dest, store)).rejects.toMatchObject({
      code: 'backup_target_not_empty',
      message: expect.stringMatching(/artifact store is not empty.*DRAWBRIDGE_S3_PREFIX/),
    });
    const opened = await openDatabase({ kind: 'postgres', url: dest.databaseUrl! }, { migrationsDir: MIGRATIONS });
    try {
      expect(await opened.db.artifact.count()).toBe(0);
    } finally {
      await opened.close();
    }
  });
});
