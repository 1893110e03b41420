/**
 * `drawbridge backup`: one tar archive holding a manifest, a logical dump of the database and
 * every catalogued artifact. The archive is streamed (artifacts can be hundreds of MB each): only
 * the database rows are spooled to a temporary file first, because the snapshot they come from
 * should be short (on PGlite other requests wait for it) and the manifest that leads the archive
 * must carry their hash.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Db } from '../db';
import { ArtifactError, type ArtifactStore } from '../storage/types';
import { dumpDatabase } from './dump';
import { BackupError } from './errors';
import {
  ARCHIVE_FORMAT,
  ARCHIVE_VERSION,
  artifactEntryName,
  DATABASE_NAME,
  MANIFEST_NAME,
  type Manifest,
} from './manifest';
import { entryLength, padding, TAR_END, tarHeader } from './tar';

export type PreparedBackup = {
  manifest: Manifest;
  /** Exact length of the archive in bytes (a Content-Length for the HTTP endpoint). */
  bytes: number;
  /** The archive; reading it to the end (or stopping early) removes the spooled dump. */
  stream: AsyncIterable<Uint8Array>;
  /** Removes the spooled dump when the stream will never be read. */
  discard(): Promise<void>;
};

/** Takes the snapshot and plans the archive; the artifacts are read only as the stream is. */
export async function prepareBackup(
  db: Db,
  store: ArtifactStore,
  source: { kind: 'pglite' | 'postgres' },
): Promise<PreparedBackup> {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'drawbridge-backup-'));
  const discard = () => fsp.rm(dir, { recursive: true, force: true });
  try {
    const dbFile = path.join(dir, DATABASE_NAME);
    const dump = await dumpDatabase(db, dbFile);
    for (const a of dump.artifacts) {
      const size = await store.size(a.sha256).catch((e) => {
        throw e instanceof ArtifactError
          ? new BackupError('backup_failed', `cannot back up: ${e.message} although the database catalogues it`)
          : e;
      });
      if (size !== a.bytes) {
        throw new BackupError(
          'backup_failed',
          `cannot back up: artifact ${a.sha256} is ${size} bytes in the store but ${a.bytes} in the catalogue`,
        );
      }
    }
    const manifest: Manifest = {
      format: ARCHIVE_FORMAT,
      version: ARCHIVE_VERSION,
      created_at: new Date().toISOString(),
      source,
      ...dump,
    };
    const manifestBytes = Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`, 'utf8');
    const bytes =
      entryLength(manifestBytes.length) +
      entryLength(dump.database.bytes) +
      dump.artifacts.reduce((n, a) => n + entryLength(a.bytes), 0) +
      TAR_END.length;
    return { manifest, bytes, stream: archiveStream(manifest, manifestBytes, dbFile, store, discard), discard };
  } catch (e) {
    await discard();
    throw e;
  }
}

async function* archiveStream(
  manifest: Manifest,
  manifestBytes: Uint8Array,
  dbFile: string,
  store: ArtifactStore,
  discard: () => Promise<void>,
) {
  try {
    const now = new Date(manifest.created_at);
    yield tarHeader(MANIFEST_NAME, manifestBytes.length, now);
    yield manifestBytes;
    yield padding(manifestBytes.length);

    yield tarHeader(DATABASE_NAME, manifest.database.bytes, now);
    // Re-hashed on the way out: the spool is ours, but a disk error must not reach the archive.
    yield* counted(
      fs.createReadStream(dbFile) as AsyncIterable<Uint8Array>,
      `the database dump`,
      manifest.database.bytes,
      manifest.database.sha256,
    );
    yield padding(manifest.database.bytes);

    for (const a of manifest.artifacts) {
      yield tarHeader(artifactEntryName(a.sha256), a.bytes, now);
      // The store verifies the hash as it streams and errors the stream on a mismatch.
      yield* counted(await store.stream(a.sha256), `artifact ${a.sha256}`, a.bytes, null);
      yield padding(a.bytes);
    }
    yield TAR_END;
  } finally {
    await discard();
  }
}

async function* counted(source: AsyncIterable<Uint8Array>, what: string, bytes: number, sha256: string | null) {
  const hash = sha256 ? crypto.createHash('sha256') : null;
  let n = 0;
  for await (const chunk of source) {
    n += chunk.length;
    if (n > bytes) throw new BackupError('backup_failed', `${what} grew while it was being archived`);
    hash?.update(chunk);
    yield chunk;
  }
  if (n !== bytes) throw new BackupError('backup_failed', `${what} is ${n} bytes, not the ${bytes} planned`);
  if (hash && hash.digest('hex') !== sha256)
    throw new BackupError('backup_failed', `${what} changed on disk while it was being archived`);
}

/**
 * Writes a byte stream to `out` through a temporary file in the same directory, renamed into place
 * only when complete (and, with `check`, only once the written file passes it), so a failed or
 * interrupted backup never leaves a file that looks finished.
 */
export async function writeArchiveFile(
  source: AsyncIterable<Uint8Array>,
  out: string,
  opts: { check?: (file: string) => Promise<unknown> } = {},
): Promise<{ bytes: number; sha256: string }> {
  const tmp = path.join(path.dirname(out), `.${path.basename(out)}.${process.pid}.part`);
  const fh = await fsp.open(tmp, 'w', 0o600);
  // Ctrl-C (or a SIGTERM) mid-backup: remove the partial file, then exit as the signal would.
  const onSignal = (sig: NodeJS.Signals) => {
    fs.rmSync(tmp, { force: true });
    process.exit(sig === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const hash = crypto.createHash('sha256');
  let bytes = 0;
  try {
    try {
      for await (const chunk of source) {
        hash.update(chunk);
        bytes += chunk.length;
        await fh.write(chunk);
      }
      await fh.sync();
    } finally {
      await fh.close();
    }
    await opts.check?.(tmp);
    await fsp.rename(tmp, out);
  } catch (e) {
    await fsp.rm(tmp, { force: true });
    throw e;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  return { bytes, sha256: hash.digest('hex') };
}
