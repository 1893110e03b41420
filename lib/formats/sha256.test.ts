import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createSha256, sha256Hex, sha256HexOfString } from './sha256';

const enc = (s: string) => new TextEncoder().encode(s);
const nodeHex = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe('sha256', () => {
  it('matches the FIPS 180-4 / NIST vectors', () => {
    expect(sha256Hex(new Uint8Array(0))).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(sha256Hex(enc('abc'))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(sha256Hex(enc('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq'))).toBe(
      '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1',
    );
    expect(sha256HexOfString('a'.repeat(1_000_000))).toBe(
      'cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0',
    );
  });

  it('matches node:crypto on random data of every length around block boundaries', () => {
    for (const n of [1, 55, 56, 57, 63, 64, 65, 119, 120, 127, 128, 129, 1000, 4096 + 7]) {
      const b = new Uint8Array(randomBytes(n));
      expect(sha256Hex(b), `length ${n}`).toBe(nodeHex(b));
    }
  });

  it('is incremental: any split gives the same digest', () => {
    const b = new Uint8Array(randomBytes(300_001));
    const want = nodeHex(b);
    for (const chunk of [1, 3, 63, 64, 65, 4097, 100_000]) {
      const h = createSha256();
      for (let i = 0; i < b.length; i += chunk) h.update(b.subarray(i, i + chunk));
      expect(h.digestHex(), `chunk ${chunk}`).toBe(want);
    }
  });

  it('refuses update after digest and returns a stable digest', () => {
    const h = createSha256().update(enc('abc'));
    const d = h.digestHex();
    expect(h.digestHex()).toBe(d);
    expect(() => h.update(enc('x'))).toThrow();
  });
});
