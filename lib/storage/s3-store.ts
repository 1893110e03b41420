import 'server-only';
import crypto from 'node:crypto';
import { Readable } from 'node:stream';
import type { S3Client } from '@aws-sdk/client-s3';
import { DomainError } from '../errors';
import { formatBytes } from './fs-store';
import { withObjectLock } from './object-lock';
import { ArtifactError } from './types';
import type { ArtifactStore, DeleteOptions, PutOptions, StoredArtifact, StoredObject, TempSweep } from './types';

export type S3StoreOptions = {
  bucket: string;
  /** Put before every key ('' or ending in '/'), so one bucket can hold several registries. */
  prefix?: string;
  /** A non-AWS service (MinIO, R2, s3rver); unset: AWS itself for `region`. */
  endpoint?: string;
  region?: string;
  forcePathStyle?: boolean;
  /** Unset: the SDK's default chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, profiles, instance roles). */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  maxBytes?: number;
  /** Multipart part size of uploads (S3's minimum is 5 MiB). */
  partSizeBytes?: number;
  /** Keys per ListObjectsV2 page (S3's maximum is 1000); small in tests, to walk several pages. */
  listPageSize?: number;
};

type Sdk = {
  s3: typeof import('@aws-sdk/client-s3');
  Upload: typeof import('@aws-sdk/lib-storage').Upload;
  client: S3Client;
};

const SHA256_RE = /^[0-9a-f]{64}$/;
// One CopyObject publishes an object; S3 copies at most 5 GiB in one request.
const COPY_LIMIT_BYTES = 5 * 1024 ** 3;

function checkHash(sha256: string): void {
  if (!SHA256_RE.test(sha256))
    throw new ArtifactError('artifact_bad_hash', `not a SHA-256 hex digest: ${sha256.slice(0, 80)}`);
}

/**
 * S3-compatible store: `<prefix>artifacts/sha256/ab/<sha256>`. A write streams (multipart) to
 * `<prefix>artifacts/tmp/<uuid>` while it is hashed and counted, and is published under its verified
 * hash by a server-side copy, so a reader never sees an object under a hash its bytes do not have.
 * Every read is re-hashed: the bucket is outside this process and may be changed by anyone.
 */
export class S3ArtifactStore implements ArtifactStore {
  /** Every server of a deployment writes to the one bucket. */
  readonly shared = true;
  private sdk?: Promise<Sdk>;
  private bucketChecked?: Promise<void>;
  private readonly prefix: string;

  constructor(private readonly opts: S3StoreOptions) {
    this.prefix = opts.prefix ?? '';
  }

  /**
   * The SDK loads on first use: a server on the filesystem store never pays for it. The bucket is
   * checked once per process (until it answers), because a HEAD of a key in a missing bucket is
   * a bare 404, the same as a missing artifact.
   */
  private async load(): Promise<Sdk> {
    this.sdk ??= (async () => {
      const [s3, { Upload }] = await Promise.all([import('@aws-sdk/client-s3'), import('@aws-sdk/lib-storage')]);
      const client = new s3.S3Client({
        region: this.opts.region ?? 'us-east-1',
        endpoint: this.opts.endpoint,
        forcePathStyle: this.opts.forcePathStyle,
        credentials: this.opts.credentials,
        // Integrity is our own SHA-256 end to end; the SDK's default trailing CRC checksums
        // (aws-chunked bodies) are not understood by several S3-compatible services.
        requestChecksumCalculation: 'WHEN_REQUIRED',
        responseChecksumValidation: 'WHEN_REQUIRED',
      });
      return { s3, Upload, client };
    })();
    const sdk = await this.sdk;
    this.bucketChecked ??= sdk.client.send(new sdk.s3.HeadBucketCommand({ Bucket: this.opts.bucket })).then(
      () => undefined,
      (e) => {
        this.bucketChecked = undefined;
        throw this.unavailable(
          statusOf(e) === 404 ? Object.assign(new Error('the bucket does not exist'), { name: 'NoSuchBucket' }) : e,
        );
      },
    );
    await this.bucketChecked;
    return sdk;
  }

  private objectKey(sha256: string): string {
    checkHash(sha256);
    return `${this.prefix}artifacts/sha256/${sha256.slice(0, 2)}/${sha256}`;
  }

  private get tempPrefix(): string {
    return `${this.prefix}artifacts/tmp/`;
  }

  async put(source: AsyncIterable<Uint8Array> | Uint8Array, opts: PutOptions = {}): Promise<StoredArtifact> {
    const maxBytes = Math.min(opts.maxBytes ?? this.opts.maxBytes ?? Number.POSITIVE_INFINITY, COPY_LIMIT_BYTES);
    const { s3, Upload, client } = await this.load();
    const Bucket = this.opts.bucket;
    const tmp = `${this.tempPrefix}${crypto.randomUUID()}`;
    const hash = crypto.createHash('sha256');
    let size = 0;
    let refused: ArtifactError | undefined;
    async function* counted() {
      for await (const chunk of source instanceof Uint8Array ? [source] : source) {
        size += chunk.byteLength;
        if (size > maxBytes) {
          refused = new ArtifactError('artifact_too_large', `artifact exceeds the ${formatBytes(maxBytes)} limit`);
          throw refused;
        }
        hash.update(chunk);
        yield chunk;
      }
    }
    const removeTemp = () => client.send(new s3.DeleteObjectCommand({ Bucket, Key: tmp })).catch(() => {});
    try {
      // An abandoned multipart upload is aborted by lib-storage itself (leavePartsOnError: false).
      await new Upload({
        client,
        params: { Bucket, Key: tmp, Body: Readable.from(counted()), ContentType: 'application/octet-stream' },
        partSize: this.opts.partSizeBytes ?? 8 * 1024 * 1024,
        queueSize: 4,
      }).done();
    } catch (e) {
      await removeTemp();
      throw refused ?? (e instanceof DomainError ? e : this.unavailable(e));
    }
    const sha256 = hash.digest('hex');
    if (opts.expectedSha256 && opts.expectedSha256.toLowerCase() !== sha256) {
      await removeTemp();
      throw new ArtifactError(
        'artifact_hash_mismatch',
        `uploaded bytes hash to ${sha256}, not the declared ${opts.expectedSha256}`,
      );
    }
    const Key = this.objectKey(sha256);
    try {
      await withObjectLock(sha256, async () => {
        opts.onHash?.(sha256);
        // Also when the bytes are already there: the copy refreshes LastModified, which a
        // collector on another server reads as "written just now" (its grace period restarts).
        await client.send(
          new s3.CopyObjectCommand({
            Bucket,
            Key,
            CopySource: encodeURI(`${Bucket}/${tmp}`),
            MetadataDirective: 'COPY',
          }),
        );
      });
    } catch (e) {
      throw e instanceof DomainError ? e : this.unavailable(e);
    } finally {
      await removeTemp();
    }
    return { sha256, sizeBytes: size };
  }

  async get(sha256: string): Promise<Uint8Array> {
    const chunks: Uint8Array[] = [];
    for await (const chunk of await this.stream(sha256)) chunks.push(chunk);
    return Buffer.concat(chunks);
  }

  async stream(sha256: string, range?: { start: number; end: number }): Promise<AsyncIterable<Uint8Array>> {
    const body = await this.open(sha256);
    if (!range) return this.verifying(sha256, body);
    // A partial read cannot prove the whole object; verify it first, then serve the slice.
    await drain(this.verifying(sha256, body));
    if (range.end < range.start) return nothing();
    return this.open(sha256, range);
  }

  /** The object's body (a range of it), opened now so a missing object is refused before any byte. */
  private async open(sha256: string, range?: { start: number; end: number }): Promise<AsyncIterable<Uint8Array>> {
    const Key = this.objectKey(sha256);
    const { s3, client } = await this.load();
    try {
      const Range = range && `bytes=${range.start}-${range.end}`;
      const r = await client.send(new s3.GetObjectCommand({ Bucket: this.opts.bucket, Key, Range }));
      const body = r.Body as unknown as AsyncIterable<Uint8Array>;
      if (!range) return body;
      // Exactly the bytes asked for, whatever the service sent: some ignore Range (200, whole
      // object), s3rver answers bytes=0-0 with everything from byte 0.
      const from = Number(/^bytes (\d+)-/.exec(r.ContentRange ?? '')?.[1] ?? 0);
      return slice(body, range.start - from, range.end - range.start + 1);
    } catch (e) {
      if (isMissing(e)) throw notFound(sha256);
      if (range && statusOf(e) === 416) return nothing(); // the range starts past the end: no bytes, as the fs store
      throw this.unavailable(e);
    }
  }

  private async *verifying(sha256: string, body: AsyncIterable<Uint8Array>): AsyncIterable<Uint8Array> {
    const hash = crypto.createHash('sha256');
    try {
      for await (const chunk of body) {
        hash.update(chunk);
        yield chunk;
      }
    } catch (e) {
      throw this.unavailable(e);
    }
    const actual = hash.digest('hex');
    if (actual !== sha256) throw corrupt(sha256, actual);
  }

  async has(sha256: string): Promise<boolean> {
    return (await this.stat(sha256)) !== null;
  }

  async size(sha256: string): Promise<number> {
    const st = await this.stat(sha256);
    if (!st) throw notFound(sha256);
    return st.sizeBytes;
  }

  async stat(sha256: string): Promise<StoredObject | null> {
    const Key = this.objectKey(sha256);
    const { s3, client } = await this.load();
    try {
      const r = await client.send(new s3.HeadObjectCommand({ Bucket: this.opts.bucket, Key }));
      return { sha256, sizeBytes: r.ContentLength ?? 0, modifiedAt: r.LastModified ?? new Date(0) };
    } catch (e) {
      if (isMissing(e)) return null;
      throw this.unavailable(e);
    }
  }

  async delete(sha256: string, opts: DeleteOptions = {}): Promise<boolean> {
    const Key = this.objectKey(sha256);
    const { s3, client } = await this.load();
    return withObjectLock(sha256, async () => {
      if (!(await this.has(sha256))) return false;
      if (opts.keepIf && (await opts.keepIf())) return false;
      try {
        await client.send(new s3.DeleteObjectCommand({ Bucket: this.opts.bucket, Key }));
      } catch (e) {
        throw this.unavailable(e);
      }
      return true;
    });
  }

  async *list(): AsyncIterable<StoredObject> {
    const under = `${this.prefix}artifacts/sha256/`;
    for await (const o of this.listKeys(under)) {
      const m = /^([0-9a-f]{2})\/([0-9a-f]{64})$/.exec(o.key.slice(under.length));
      if (!m || !m[2].startsWith(m[1])) continue; // not ours: something else shares the prefix
      yield { sha256: m[2], sizeBytes: o.size, modifiedAt: o.modifiedAt };
    }
  }

  async sweepTemp(olderThanMs: number, opts: { apply?: boolean } = {}): Promise<TempSweep> {
    // A temp object exists only between a finished upload and its copy (a multipart upload in
    // progress is no object yet), so one this old lost its writer. Abandoned multipart parts are
    // the bucket's lifecycle rule's to abort (README: "Artifact store in S3").
    const { s3, client } = await this.load();
    const result: TempSweep = { files: 0, bytes: 0 };
    const now = Date.now();
    for await (const o of this.listKeys(this.tempPrefix)) {
      if (now - o.modifiedAt.getTime() < olderThanMs) continue;
      result.files++;
      result.bytes += o.size;
      if (opts.apply)
        await client.send(new s3.DeleteObjectCommand({ Bucket: this.opts.bucket, Key: o.key })).catch((e) => {
          throw this.unavailable(e);
        });
    }
    return result;
  }

  private async *listKeys(Prefix: string): AsyncIterable<{ key: string; size: number; modifiedAt: Date }> {
    const { s3, client } = await this.load();
    let ContinuationToken: string | undefined;
    do {
      let page: import('@aws-sdk/client-s3').ListObjectsV2CommandOutput;
      try {
        page = await client.send(
          new s3.ListObjectsV2Command({
            Bucket: this.opts.bucket,
            Prefix,
            ContinuationToken,
            MaxKeys: this.opts.listPageSize ?? 1000,
          }),
        );
      } catch (e) {
        throw this.unavailable(e);
      }
      for (const o of page.Contents ?? []) {
        if (o.Key) yield { key: o.Key, size: o.Size ?? 0, modifiedAt: o.LastModified ?? new Date(0) };
      }
      ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (ContinuationToken);
  }

  /** A failure of the service itself (unreachable, refused credentials, no such bucket): 503, with what to check. */
  private unavailable(e: unknown): Error {
    if (e instanceof DomainError) return e;
    const err = e as { name?: string; message?: string };
    const where = this.opts.endpoint ? ` at ${this.opts.endpoint}` : '';
    return new DomainError(
      'unavailable',
      'artifact_store_unavailable',
      `the artifact store (S3 bucket "${this.opts.bucket}"${where}) failed: ${err.name ?? 'Error'}: ${err.message ?? String(e)}; ` +
        'check DRAWBRIDGE_S3_ENDPOINT, the AWS credentials and that the bucket exists, then retry',
    );
  }
}

async function drain(it: AsyncIterable<Uint8Array>): Promise<void> {
  for await (const chunk of it) void chunk;
}

async function* nothing(): AsyncIterable<Uint8Array> {}

async function* slice(body: AsyncIterable<Uint8Array>, skip: number, take: number): AsyncIterable<Uint8Array> {
  for await (const chunk of body) {
    const part = chunk.subarray(Math.max(0, skip), Math.max(0, skip) + take);
    skip -= chunk.byteLength;
    take -= part.byteLength;
    if (part.byteLength) yield part;
    if (take <= 0) return; // the rest of the body is left unread: returning closes it
  }
}

function statusOf(e: unknown): number | undefined {
  return (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
}

/** No such key. A missing bucket is a misconfiguration, not a missing artifact. */
function isMissing(e: unknown): boolean {
  const name = (e as { name?: string }).name;
  if (name === 'NoSuchBucket') return false;
  return name === 'NoSuchKey' || name === 'NotFound' || statusOf(e) === 404;
}

function notFound(sha256: string) {
  return new ArtifactError('artifact_not_found', `artifact ${sha256} is not in the store`);
}

function corrupt(sha256: string, actual: string) {
  return new ArtifactError(
    'artifact_corrupt',
    `artifact ${sha256} is corrupt in the bucket (its bytes now hash to ${actual}); restore it from backup`,
  );
}
