import 'server-only';
import crypto from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { withObjectLock } from './object-lock';
import {
  ArtifactError,
  type ArtifactStore,
  type DeleteOptions,
  type PutOptions,
  type StoredArtifact,
  type StoredObject,
  type TempSweep,
} from './types';
import { pidAlive } from '../pid-alive';

const SHA256_RE = /^[0-9a-f]{64}$/;

function checkHash(sha256: string): void {
  // Also what keeps a caller-supplied hash from ever becoming a path traversal.
  if (!SHA256_RE.test(sha256))
    throw new ArtifactError('artifact_bad_hash', `not a SHA-256 hex digest: ${sha256.slice(0, 80)}`);
}

/**
 * Filesystem store: `<root>/objects/ab/cd/<sha256>`. Writes go to `<root>/tmp`, are fsynced, then
 * renamed into place (rename is atomic within one filesystem), so a reader never sees half an
 * object and a crash leaves only a temp file behind (named `<pid>-<uuid>`, so a sweep can tell a
 * live writer's file from a dead one's).
 */
export class FsArtifactStore implements ArtifactStore {
  constructor(
    readonly root: string,
    private readonly defaultMaxBytes = Number.POSITIVE_INFINITY,
  ) {}

  private objectPath(sha256: string): string {
    checkHash(sha256);
    return path.join(this.root, 'objects', sha256.slice(0, 2), sha256.slice(2, 4), sha256);
  }

  async put(source: AsyncIterable<Uint8Array> | Uint8Array, opts: PutOptions = {}): Promise<StoredArtifact> {
    const maxBytes = opts.maxBytes ?? this.defaultMaxBytes;
    const tmpDir = path.join(this.root, 'tmp');
    await fsp.mkdir(tmpDir, { recursive: true });
    const tmp = path.join(tmpDir, `${process.pid}-${crypto.randomUUID()}`);
    const fh = await fsp.open(tmp, 'wx', 0o644);
    const hash = crypto.createHash('sha256');
    let size = 0;
    try {
      const chunks = source instanceof Uint8Array ? [source] : source;
      for await (const chunk of chunks) {
        size += chunk.byteLength;
        if (size > maxBytes) {
          throw new ArtifactError('artifact_too_large', `artifact exceeds the ${formatBytes(maxBytes)} limit`);
        }
        hash.update(chunk);
        await fh.write(chunk);
      }
      await fh.sync();
    } catch (e) {
      await fh.close();
      await fsp.rm(tmp, { force: true });
      throw e;
    }
    await fh.close();
    const sha256 = hash.digest('hex');
    if (opts.expectedSha256 && opts.expectedSha256.toLowerCase() !== sha256) {
      await fsp.rm(tmp, { force: true });
      throw new ArtifactError(
        'artifact_hash_mismatch',
        `uploaded bytes hash to ${sha256}, not the declared ${opts.expectedSha256}`,
      );
    }
    const dest = this.objectPath(sha256);
    await fsp.mkdir(path.dirname(dest), { recursive: true });
    await withObjectLock(sha256, async () => {
      opts.onHash?.(sha256);
      if (await touchIfPresent(dest)) {
        await fsp.rm(tmp, { force: true }); // same content already stored
      } else {
        await fsp.rename(tmp, dest);
        await syncDir(path.dirname(dest));
      }
    });
    return { sha256, sizeBytes: size };
  }

  async get(sha256: string): Promise<Uint8Array> {
    const file = this.objectPath(sha256);
    let bytes: Buffer;
    try {
      bytes = await fsp.readFile(file);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw notFound(sha256);
      throw e;
    }
    const actual = crypto.createHash('sha256').update(bytes).digest('hex');
    if (actual !== sha256) throw corrupt(sha256, actual);
    return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  async stream(sha256: string, range?: { start: number; end: number }): Promise<AsyncIterable<Uint8Array>> {
    const file = this.objectPath(sha256);
    if (!(await this.has(sha256))) throw notFound(sha256);
    if (range) {
      // A partial read cannot prove the whole object; verify it first, then serve the slice.
      await this.verify(sha256);
      return fs.createReadStream(file, { start: range.start, end: range.end });
    }
    return verifyingStream(file, sha256);
  }

  /** Re-hashes the object on disk, streaming. */
  async verify(sha256: string): Promise<void> {
    const hash = crypto.createHash('sha256');
    for await (const chunk of fs.createReadStream(this.objectPath(sha256))) hash.update(chunk as Buffer);
    const actual = hash.digest('hex');
    if (actual !== sha256) throw corrupt(sha256, actual);
  }

  async has(sha256: string): Promise<boolean> {
    try {
      await fsp.access(this.objectPath(sha256));
      return true;
    } catch {
      return false;
    }
  }

  async size(sha256: string): Promise<number> {
    try {
      return (await fsp.stat(this.objectPath(sha256))).size;
    } catch {
      throw notFound(sha256);
    }
  }

  async stat(sha256: string): Promise<StoredObject | null> {
    try {
      const st = await fsp.stat(this.objectPath(sha256));
      return st.isFile() ? { sha256, sizeBytes: st.size, modifiedAt: st.mtime } : null;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
    }
  }

  async delete(sha256: string, opts: DeleteOptions = {}): Promise<boolean> {
    const file = this.objectPath(sha256);
    return withObjectLock(sha256, async () => {
      if (!(await this.has(sha256))) return false;
      if (opts.keepIf && (await opts.keepIf())) return false;
      try {
        await fsp.rm(file);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
        throw e;
      }
      // The empty ab/cd folders stay: removing them could race a put's mkdir before its rename.
      await syncDir(path.dirname(file));
      return true;
    });
  }

  async *list(): AsyncIterable<StoredObject> {
    const objects = path.join(this.root, 'objects');
    for (const a of await readdirIfAny(objects)) {
      if (!/^[0-9a-f]{2}$/.test(a)) continue;
      for (const b of await readdirIfAny(path.join(objects, a))) {
        if (!/^[0-9a-f]{2}$/.test(b)) continue;
        for (const name of await readdirIfAny(path.join(objects, a, b))) {
          if (!SHA256_RE.test(name) || !name.startsWith(a + b)) continue;
          let st: fs.Stats;
          try {
            st = await fsp.stat(path.join(objects, a, b, name));
          } catch {
            continue; // deleted while we walked
          }
          if (st.isFile()) yield { sha256: name, sizeBytes: st.size, modifiedAt: st.mtime };
        }
      }
    }
  }

  async sweepTemp(olderThanMs: number, opts: { apply?: boolean } = {}): Promise<TempSweep> {
    const dir = path.join(this.root, 'tmp');
    const result: TempSweep = { files: 0, bytes: 0 };
    const now = Date.now();
    for (const name of await readdirIfAny(dir)) {
      const file = path.join(dir, name);
      let st: fs.Stats;
      try {
        st = await fsp.stat(file);
      } catch {
        continue;
      }
      if (!st.isFile() || now - st.mtimeMs < olderThanMs) continue;
      // A live writer's file is an upload in progress however slow; after a day idle it is stale anyway.
      if (writerAlive(name) && now - st.mtimeMs < DAY_MS) continue;
      result.files++;
      result.bytes += st.size;
      if (opts.apply) await fsp.rm(file, { force: true });
    }
    return result;
  }
}

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * True when the object exists. Its mtime is refreshed, because a garbage collector in another
 * process counts its grace period from the latest write of these bytes.
 */
async function touchIfPresent(file: string): Promise<boolean> {
  const now = new Date();
  try {
    await fsp.utimes(file, now, now);
    return true;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return false;
    if (code === 'EPERM' || code === 'EACCES') return true; // present, just not ours to touch
    throw e;
  }
}

function writerAlive(tempName: string): boolean {
  const pid = Number(/^(\d+)-/.exec(tempName)?.[1]);
  return Number.isSafeInteger(pid) && pid > 0 && pidAlive(pid);
}

async function readdirIfAny(dir: string): Promise<string[]> {
  try {
    return await fsp.readdir(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
}

async function* verifyingStream(file: string, sha256: string): AsyncIterable<Uint8Array> {
  const hash = crypto.createHash('sha256');
  for await (const chunk of fs.createReadStream(file)) {
    hash.update(chunk as Buffer);
    yield chunk as Buffer;
  }
  const actual = hash.digest('hex');
  if (actual !== sha256) throw corrupt(sha256, actual);
}

async function syncDir(dir: string): Promise<void> {
  const fh = await fsp.open(dir, 'r');
  try {
    await fh.sync();
  } catch {
    // Some filesystems refuse fsync on directories; the rename itself is still atomic.
  } finally {
    await fh.close();
  }
}

function notFound(sha256: string) {
  return new ArtifactError('artifact_not_found', `artifact ${sha256} is not in the store`);
}

function corrupt(sha256: string, actual: string) {
  return new ArtifactError(
    'artifact_corrupt',
    `artifact ${sha256} is corrupt on disk (its bytes now hash to ${actual}); restore it from backup`,
  );
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}
