import 'server-only';
import { DomainError, errorFamily, kindOfCode } from '../errors';
/** The artifact store's contract: content-addressed, verified on every read. */
export type StoredArtifact = { sha256: string; sizeBytes: number };

export type PutOptions = {
  /** Refuse (and discard) the upload once it passes this many bytes. */
  maxBytes?: number;
  /** When the caller already claims a hash (e.g. an upload manifest), refuse on mismatch. */
  expectedSha256?: string;
  /**
   * Called with the content hash once it is known, before the object is published, under the
   * store's per-object lock: what lets a caller mark the bytes as in use before any delete of the
   * same hash can run (lib/registry/artifact-gc keeps in-flight uploads this way).
   */
  onHash?: (sha256: string) => void;
};

/** One object as the store lists it. `modifiedAt` is its last write: a put of bytes already stored refreshes it. */
export type StoredObject = { sha256: string; sizeBytes: number; modifiedAt: Date };

export type DeleteOptions = {
  /**
   * Asked under the per-object lock, right before the delete: true keeps the object. A put of the
   * same bytes waits for the lock, so the answer cannot go stale in this process before the delete.
   */
  keepIf?: () => boolean | Promise<boolean>;
};

/** Temp files an interrupted write left behind. */
export type TempSweep = { files: number; bytes: number };

export interface ArtifactStore {
  /**
   * True when other processes (other servers) write to the same objects: a process then cannot
   * know that nobody else is between storing bytes and recording them, and leaves deletes to the
   * grace-period sweep (lib/registry/artifact-gc).
   */
  readonly shared?: boolean;
  /** Streams bytes in, hashing as they pass; the object appears atomically under its hash. */
  put(source: AsyncIterable<Uint8Array> | Uint8Array, opts?: PutOptions): Promise<StoredArtifact>;
  /** Whole object, hash-verified before it is returned. */
  get(sha256: string): Promise<Uint8Array>;
  /**
   * Streams the object (or a byte range of it). A full read verifies the hash at the end and errors
   * the stream on mismatch; a range read verifies the whole object first.
   */
  stream(sha256: string, range?: { start: number; end: number }): Promise<AsyncIterable<Uint8Array>>;
  has(sha256: string): Promise<boolean>;
  size(sha256: string): Promise<number>;
  /** Size and last write of one object; null when absent. */
  stat(sha256: string): Promise<StoredObject | null>;
  /** Removes the object; true when this call removed it (false: absent, or kept by `keepIf`). */
  delete(sha256: string, opts?: DeleteOptions): Promise<boolean>;
  /** Every stored object, in no particular order. */
  list(): AsyncIterable<StoredObject>;
  /**
   * Temp files of writes that cannot finish (their writer is gone) and untouched for `olderThanMs`:
   * counted, and removed when `apply` is set.
   */
  sweepTemp(olderThanMs: number, opts?: { apply?: boolean }): Promise<TempSweep>;
}

export type ArtifactErrorCode =
  'artifact_not_found' | 'artifact_corrupt' | 'artifact_too_large' | 'artifact_hash_mismatch' | 'artifact_bad_hash';

export class ArtifactError extends DomainError {
  declare readonly code: ArtifactErrorCode;
  constructor(code: ArtifactErrorCode, message: string) {
    super(kindOfCode(code), code, message);
  }
}
errorFamily(ArtifactError, 'ArtifactError');
