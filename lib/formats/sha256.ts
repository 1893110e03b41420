/**
 * SHA-256 over bytes, synchronous and incremental, from @noble/hashes (audited, pure JS). Not
 * node:crypto, so lib/formats stays usable in the browser and its workers; not WebCrypto, whose
 * digest is async-only and takes no chunks.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';

export type Sha256 = {
  /** Feed more bytes. Returns the same hasher for chaining. Throws after digest(). */
  update(bytes: Uint8Array): Sha256;
  /** Finish and return the 64-char lowercase hex digest; asking again gives the same answer. */
  digestHex(): string;
  /** Finish and return the 32-byte digest (a copy). */
  digest(): Uint8Array;
};

export function createSha256(): Sha256 {
  const hash = sha256.create();
  // noble refuses a second digest(); ours answers the same digest again, as callers expect.
  let done: Uint8Array | null = null;
  const self: Sha256 = {
    update(bytes) {
      if (done) throw new Error('sha256: update() after digest()');
      hash.update(bytes);
      return self;
    },
    digest() {
      done ??= hash.digest();
      return done.slice();
    },
    digestHex() {
      return bytesToHex(self.digest());
    },
  };
  return self;
}

/** SHA-256 of `bytes` as 64 lowercase hex chars. */
export function sha256Hex(bytes: Uint8Array): string {
  return bytesToHex(sha256(bytes));
}

/** SHA-256 of a string's UTF-8 encoding, as hex. */
export function sha256HexOfString(text: string): string {
  return sha256Hex(new TextEncoder().encode(text));
}
