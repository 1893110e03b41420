/**
 * Reads a backup archive and checks every byte of it against its manifest while it streams: the
 * database dump and each artifact are hashed on the way through, and the entry list must be
 * exactly what the manifest names. `drawbridge restore` stages what passes; a download through
 * `backup --server` runs the same check before it keeps the file.
 */
import crypto from 'node:crypto';
import { BackupError } from './errors';
import { DATABASE_NAME, MANIFEST_MAX_BYTES, MANIFEST_NAME, parseManifest, type Manifest } from './manifest';
import { readTar } from './tar';

export type ArchiveSink = {
  /** Called before any other entry is read: the place to refuse an incompatible archive early. */
  manifest?(m: Manifest): Promise<void> | void;
  database?(body: AsyncIterable<Uint8Array>): Promise<void>;
  artifact?(sha256: string, body: AsyncIterable<Uint8Array>): Promise<void>;
};

const ARTIFACT_RE = /^artifacts\/([0-9a-f]{64})$/;

export async function readArchive(source: AsyncIterable<Uint8Array>, sink: ArchiveSink = {}): Promise<Manifest> {
  let manifest: Manifest | null = null;
  let sawDatabase = false;
  const pending = new Map<string, number>();
  for await (const entry of readTar(source)) {
    if (!manifest) {
      if (entry.name !== MANIFEST_NAME)
        throw corrupt(
          `it does not start with ${MANIFEST_NAME} (its first entry is "${entry.name}"), so it is not a Drawbridge backup`,
        );
      if (entry.size > MANIFEST_MAX_BYTES)
        throw corrupt(`its ${MANIFEST_NAME} is ${entry.size} bytes, far more than a manifest holds`);
      manifest = parseManifest(await text(entry.body));
      await sink.manifest?.(manifest);
      for (const a of manifest.artifacts) pending.set(a.sha256, a.bytes);
      continue;
    }
    if (entry.name === DATABASE_NAME) {
      if (sawDatabase) throw corrupt(`it holds ${DATABASE_NAME} twice`);
      sawDatabase = true;
      if (entry.size !== manifest.database.bytes) {
        throw corrupt(`its database dump is ${entry.size} bytes but the manifest says ${manifest.database.bytes}`);
      }
      await consume(sink.database?.bind(sink), verified(entry.body, 'the database dump', manifest.database.sha256));
      continue;
    }
    const m = ARTIFACT_RE.exec(entry.name);
    if (m) {
      const expected = pending.get(m[1]);
      if (expected === undefined) throw corrupt(`it holds artifact ${m[1]} twice, or without its manifest listing it`);
      if (entry.size !== expected)
        throw corrupt(`artifact ${m[1]} is ${entry.size} bytes but the manifest says ${expected}`);
      pending.delete(m[1]);
      const body = verified(entry.body, `artifact ${m[1]}`, m[1]);
      await consume(sink.artifact ? (b) => sink.artifact!(m[1], b) : undefined, body);
      continue;
    }
    throw corrupt(`it holds "${entry.name}", which a Drawbridge backup never contains`);
  }
  if (!manifest) throw corrupt('it holds no entries at all');
  if (!sawDatabase) throw corrupt(`it has no ${DATABASE_NAME}`);
  if (pending.size) {
    throw corrupt(
      `it lacks ${pending.size} artifact(s) that its manifest lists (first: ${pending.keys().next().value})`,
    );
  }
  return manifest;
}

function corrupt(what: string): BackupError {
  return new BackupError('backup_corrupt', `the archive is corrupt: ${what}; nothing was restored`);
}

async function consume(
  fn: ((body: AsyncIterable<Uint8Array>) => Promise<void>) | undefined,
  body: AsyncIterable<Uint8Array>,
) {
  if (fn) await fn(body);
  else for await (const _ of body) void _;
}

async function text(body: AsyncIterable<Uint8Array>): Promise<string> {
  const parts: Uint8Array[] = [];
  for await (const c of body) parts.push(c);
  return Buffer.concat(parts).toString('utf8');
}

/** Passes the bytes through and fails at the end if they do not hash to `sha256`. */
async function* verified(body: AsyncIterable<Uint8Array>, what: string, sha256: string): AsyncIterable<Uint8Array> {
  const hash = crypto.createHash('sha256');
  for await (const chunk of body) {
    hash.update(chunk);
    yield chunk;
  }
  const actual = hash.digest('hex');
  if (actual !== sha256) {
    throw new BackupError(
      'backup_corrupt',
      `the archive is corrupt: ${what} does not match its manifest (its bytes hash to ${actual}, the manifest says ${sha256}); the archive was damaged or altered, and nothing was restored`,
    );
  }
}
