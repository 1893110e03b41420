/** The artifact store's contract: content-addressed, verified on every read. */
export type StoredArtifact = { sha256: string; sizeBytes: number };

export type PutOptions = {
  /** Refuse (and discard) the upload once it passes this many bytes. */
  maxBytes?: number;
  /** When the caller already claims a hash (e.g. an upload manifest), refuse on mismatch. */
  expectedSha256?: string;
};

export interface ArtifactStore {
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
}

export class ArtifactError extends Error {
  constructor(
    readonly code: 'artifact_not_found' | 'artifact_corrupt' | 'artifact_too_large' | 'artifact_hash_mismatch' | 'artifact_bad_hash',
    message: string,
  ) {
    super(message);
    this.name = 'ArtifactError';
  }
}
