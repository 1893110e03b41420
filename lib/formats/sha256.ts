/**
 * Pure-TypeScript SHA-256 (FIPS 180-4), incremental. No node:crypto, so it runs in the browser
 * and in workers too. Throughput is a few hundred MB/s on V8, plenty for checkpoints.
 */

const K = new Uint32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

export type Sha256 = {
  /** Feed more bytes. Returns the same hasher for chaining. Throws after digestHex(). */
  update(bytes: Uint8Array): Sha256;
  /** Finish and return the 64-char lowercase hex digest. The hasher cannot be reused afterwards. */
  digestHex(): string;
  /** Finish and return the 32-byte digest. */
  digest(): Uint8Array;
};

export function createSha256(): Sha256 {
  const h = new Uint32Array([
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
  ]);
  const w = new Uint32Array(64);
  const block = new Uint8Array(64);
  let blockLen = 0;
  let total = 0; // bytes, < 2^53
  let done: Uint8Array | null = null;

  function compress(src: Uint8Array, off: number): void {
    for (let i = 0; i < 16; i++) {
      const j = off + i * 4;
      w[i] = (src[j] << 24) | (src[j + 1] << 16) | (src[j + 2] << 8) | src[j + 3];
    }
    for (let i = 16; i < 64; i++) {
      const x = w[i - 15];
      const y = w[i - 2];
      const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
      const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
      w[i] = (w[i - 16] + s0 + w[i - 7] + s1) | 0;
    }
    let a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
    for (let i = 0; i < 64; i++) {
      const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
      const ch = (e & f) ^ (~e & g);
      const t1 = (hh + S1 + ch + K[i] + w[i]) | 0;
      const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
      const maj = (a & b) ^ (a & c) ^ (b & c);
      const t2 = (S0 + maj) | 0;
      hh = g;
      g = f;
      f = e;
      e = (d + t1) | 0;
      d = c;
      c = b;
      b = a;
      a = (t1 + t2) | 0;
    }
    h[0] = (h[0] + a) | 0;
    h[1] = (h[1] + b) | 0;
    h[2] = (h[2] + c) | 0;
    h[3] = (h[3] + d) | 0;
    h[4] = (h[4] + e) | 0;
    h[5] = (h[5] + f) | 0;
    h[6] = (h[6] + g) | 0;
    h[7] = (h[7] + hh) | 0;
  }

  const self: Sha256 = {
    update(bytes: Uint8Array): Sha256 {
      if (done) throw new Error('sha256: update() after digest()');
      let i = 0;
      const n = bytes.length;
      total += n;
      if (blockLen > 0) {
        const take = Math.min(64 - blockLen, n);
        block.set(bytes.subarray(0, take), blockLen);
        blockLen += take;
        i = take;
        if (blockLen < 64) return self;
        compress(block, 0);
        blockLen = 0;
      }
      for (; i + 64 <= n; i += 64) compress(bytes, i);
      if (i < n) {
        block.set(bytes.subarray(i), 0);
        blockLen = n - i;
      }
      return self;
    },
    digest(): Uint8Array {
      if (done) return done.slice();
      const bitsHi = Math.floor(total / 0x20000000); // total * 8 / 2^32
      const bitsLo = (total * 8) >>> 0;
      block[blockLen++] = 0x80;
      if (blockLen > 56) {
        block.fill(0, blockLen);
        compress(block, 0);
        blockLen = 0;
      }
      block.fill(0, blockLen, 56);
      block[56] = bitsHi >>> 24;
      block[57] = bitsHi >>> 16;
      block[58] = bitsHi >>> 8;
      block[59] = bitsHi;
      block[60] = bitsLo >>> 24;
      block[61] = bitsLo >>> 16;
      block[62] = bitsLo >>> 8;
      block[63] = bitsLo;
      compress(block, 0);
      const out = new Uint8Array(32);
      for (let i = 0; i < 8; i++) {
        out[i * 4] = h[i] >>> 24;
        out[i * 4 + 1] = h[i] >>> 16;
        out[i * 4 + 2] = h[i] >>> 8;
        out[i * 4 + 3] = h[i];
      }
      done = out;
      return out.slice();
    },
    digestHex(): string {
      return toHex(self.digest());
    },
  };
  return self;
}

/** SHA-256 of `bytes` as 64 lowercase hex chars. */
export function sha256Hex(bytes: Uint8Array): string {
  return createSha256().update(bytes).digestHex();
}

/** SHA-256 of a string's UTF-8 encoding, as hex. */
export function sha256HexOfString(text: string): string {
  return sha256Hex(new TextEncoder().encode(text));
}

function toHex(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += bytes[i].toString(16).padStart(2, '0');
  return s;
}
