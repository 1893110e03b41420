import crypto from 'node:crypto';
import { DeleteObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { s3StoreConfig } from '../config';
import { openConfiguredStore } from './index';
import { S3ArtifactStore } from './s3-store';
import { describeStoreContract } from './store-contract';
import { startS3rver, type TestS3 } from './test-s3';

let s3: TestS3;
let client: S3Client;
let cases = 0;
beforeAll(async () => {
  s3 = await startS3rver({ bucket: 'drawbridge-contract' });
  client = new S3Client({
    endpoint: s3.endpoint,
    forcePathStyle: true,
    region: s3.region,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
    requestChecksumCalculation: 'WHEN_REQUIRED',
  });
});
afterAll(async () => {
  client?.destroy();
  await s3?.stop();
});

const storeAt = (prefix: string, extra: Partial<ConstructorParameters<typeof S3ArtifactStore>[0]> = {}) =>
  new S3ArtifactStore({
    bucket: s3.bucket,
    prefix,
    endpoint: s3.endpoint,
    region: s3.region,
    forcePathStyle: true,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
    ...extra,
  });

const keysUnder = async (Prefix: string) =>
  ((await client.send(new ListObjectsV2Command({ Bucket: s3.bucket, Prefix }))).Contents ?? []).map((o) => o.Key);

// Each case its own prefix in the one bucket: an empty store per case at the cost of no restart.
// Two keys a page, so every listing (objects, temps) walks ListObjectsV2's continuation tokens.
describeStoreContract('S3 (s3rver)', async (maxBytes) => {
  const prefix = `case-${++cases}/`;
  return {
    store: storeAt(prefix, { maxBytes, listPageSize: 2 }),
    tamper: async (sha256, bytes) => {
      const Key = `${prefix}artifacts/sha256/${sha256.slice(0, 2)}/${sha256}`;
      await client.send(new PutObjectCommand({ Bucket: s3.bucket, Key, Body: bytes }));
    },
    plantTemp: async (bytes) => {
      const Key = `${prefix}artifacts/tmp/${crypto.randomUUID()}`;
      await client.send(new PutObjectCommand({ Bucket: s3.bucket, Key, Body: bytes }));
    },
  };
});

describe('S3ArtifactStore', () => {
  it('lays objects out as <prefix>artifacts/sha256/ab/<sha256> and streams big puts in parts', async () => {
    const store = storeAt('layout/drawbridge/', { partSizeBytes: 5 * 1024 * 1024 });
    const bytes = crypto.randomBytes(11 * 1024 * 1024); // three parts of a multipart upload
    const { sha256 } = await store.put(
      (async function* () {
        for (let i = 0; i < bytes.length; i += 1 << 20) yield bytes.subarray(i, i + (1 << 20));
      })(),
    );
    expect(await keysUnder('layout/')).toEqual([`layout/drawbridge/artifacts/sha256/${sha256.slice(0, 2)}/${sha256}`]);
    expect(Buffer.from(await store.get(sha256)).equals(bytes)).toBe(true);
    // Keys that are not an object of ours under the prefix are not listed.
    await client.send(
      new PutObjectCommand({ Bucket: s3.bucket, Key: 'layout/drawbridge/artifacts/sha256/zz/x', Body: 'x' }),
    );
    const listed: string[] = [];
    for await (const o of store.list()) listed.push(o.sha256);
    expect(listed).toEqual([sha256]);
    await client.send(new DeleteObjectCommand({ Bucket: s3.bucket, Key: 'layout/drawbridge/artifacts/sha256/zz/x' }));
  });

  it('a service that cannot be reached answers artifact_store_unavailable (503), naming what to check', async () => {
    const store = new S3ArtifactStore({
      bucket: 'nowhere',
      endpoint: 'http://127.0.0.1:1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
    });
    const refused = { code: 'artifact_store_unavailable', kind: 'unavailable' };
    await expect(store.stat('c'.repeat(64))).rejects.toMatchObject(refused);
    await expect(store.put(Buffer.from('x'))).rejects.toMatchObject(refused);
    await expect(store.get('c'.repeat(64))).rejects.toThrow(/DRAWBRIDGE_S3_ENDPOINT/);
  });

  it('a missing bucket is the service failing, not a missing artifact', async () => {
    const store = storeAt('', { bucket: 'no-such-bucket' });
    const refused = { code: 'artifact_store_unavailable', message: expect.stringMatching(/bucket does not exist/) };
    // stat() is what /api/ready probes with: a missing bucket must not read as "no such artifact".
    await expect(store.stat('d'.repeat(64))).rejects.toMatchObject(refused);
    await expect(store.get('d'.repeat(64))).rejects.toMatchObject(refused);
  });
});

describe('S3 store configuration', () => {
  const env = (e: Record<string, string>): NodeJS.ProcessEnv => ({ NODE_ENV: 'test', ...e });

  it('is off without DRAWBRIDGE_S3_BUCKET and reads every setting with it', () => {
    expect(s3StoreConfig(env({}))).toBeNull();
    expect(
      s3StoreConfig(
        env({
          DRAWBRIDGE_S3_BUCKET: 'models.example',
          DRAWBRIDGE_S3_ENDPOINT: 'http://127.0.0.1:9000',
          DRAWBRIDGE_S3_FORCE_PATH_STYLE: '1',
          DRAWBRIDGE_S3_PREFIX: 'team-a/registry',
          AWS_REGION: 'eu-west-1',
        }),
      ),
    ).toEqual({
      bucket: 'models.example',
      endpoint: 'http://127.0.0.1:9000',
      forcePathStyle: true,
      prefix: 'team-a/registry/',
      region: 'eu-west-1',
      credentials: undefined,
    });
    expect(s3StoreConfig(env({ DRAWBRIDGE_S3_BUCKET: 'b12' }))).toEqual({
      bucket: 'b12',
      endpoint: undefined,
      forcePathStyle: false,
      prefix: '',
      region: 'us-east-1',
      credentials: undefined,
    });
  });

  it('refuses bad values with the variable, the value and what to do', () => {
    const bad: [Record<string, string>, RegExp][] = [
      [{ DRAWBRIDGE_S3_BUCKET: 'My_Bucket' }, /DRAWBRIDGE_S3_BUCKET must be a bucket name.*"My_Bucket"/],
      [
        { DRAWBRIDGE_S3_BUCKET: 'ok-bucket', DRAWBRIDGE_S3_ENDPOINT: 'minio:9000' },
        /DRAWBRIDGE_S3_ENDPOINT must be an http/,
      ],
      [{ DRAWBRIDGE_S3_BUCKET: 'ok-bucket', DRAWBRIDGE_S3_FORCE_PATH_STYLE: 'yes' }, /FORCE_PATH_STYLE must be 1 or 0/],
      [{ DRAWBRIDGE_S3_BUCKET: 'ok-bucket', DRAWBRIDGE_S3_PREFIX: '/abs' }, /DRAWBRIDGE_S3_PREFIX must be/],
      [{ DRAWBRIDGE_S3_BUCKET: 'ok-bucket', DRAWBRIDGE_S3_PREFIX: 'a//b' }, /DRAWBRIDGE_S3_PREFIX must be/],
      [{ DRAWBRIDGE_S3_BUCKET: 'ok-bucket', AWS_REGION: 'EU West' }, /AWS_REGION must be/],
      [{ DRAWBRIDGE_S3_BUCKET: 'ok-bucket', AWS_ACCESS_KEY_ID: 'k' }, /AWS_ACCESS_KEY_ID is set without AWS_SECRET/],
    ];
    for (const [e, message] of bad) {
      expect(() => s3StoreConfig(env(e))).toThrow(message);
      expect(() => s3StoreConfig(env(e))).toThrow(/unset DRAWBRIDGE_S3_BUCKET/);
    }
  });

  it('the environment of a started s3rver gives a working store through openConfiguredStore', async () => {
    const store = openConfiguredStore({ ...process.env, ...s3.env, DRAWBRIDGE_S3_PREFIX: 'configured' });
    expect(store).toBeInstanceOf(S3ArtifactStore);
    const { sha256 } = await store.put(Buffer.from('through the environment'));
    expect(await keysUnder('configured/')).toEqual([`configured/artifacts/sha256/${sha256.slice(0, 2)}/${sha256}`]);
  });
});
