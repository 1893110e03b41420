import 'server-only';
import crypto from 'node:crypto';
import type { Db } from '../db';
import { signingKeys } from './server-keys';

/**
 * Signatures of share links. The keys live in the database (server-keys.ts), so every server of
 * one database agrees and rotation needs no redeploy; a signature is the key's 8-character id then
 * the HMAC, so the key that made it is found again after a rotation (and a token stays URL-safe,
 * `[A-Za-z0-9_-]`). DRAWBRIDGE_SECRET, when set, overrides them: the
 * one key that signs and verifies (no key id, no rotation), as before keys were in the database.
 */
function envSecret(): Buffer | undefined {
  const fromEnv = process.env.DRAWBRIDGE_SECRET;
  if (!fromEnv) return undefined;
  if (fromEnv.length < 32) throw new Error('DRAWBRIDGE_SECRET must be at least 32 characters');
  return Buffer.from(fromEnv, 'utf8');
}

// base64url of a SHA-256 HMAC, and of the 6 random bytes of a key id (server-keys.ts).
const MAC_LENGTH = 43;
const KEY_ID_LENGTH = 8;

const mac = (key: Buffer, value: string) => crypto.createHmac('sha256', key).update(value).digest('base64url');

const equal = (a: string, b: string) => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && crypto.timingSafeEqual(x, y);
};

export async function sign(db: Db, value: string): Promise<string> {
  const env = envSecret();
  if (env) return mac(env, value);
  const { signing } = await signingKeys(db);
  return `${signing.id}${mac(signing.key, value)}`;
}

export async function verifySignature(db: Db, value: string, signature: string): Promise<boolean> {
  const env = envSecret();
  if (env) return equal(mac(env, value), signature);
  if (signature.length === MAC_LENGTH) {
    // Signed before keys had ids (the data directory's old `secret` file, imported as a key).
    const { verifying } = await signingKeys(db);
    return verifying.some((k) => equal(mac(k.key, value), signature));
  }
  if (signature.length !== KEY_ID_LENGTH + MAC_LENGTH) return false;
  const id = signature.slice(0, KEY_ID_LENGTH);
  const set = await signingKeys(db);
  let key = set.verifying.find((k) => k.id === id);
  // Another server may have rotated since this one cached its keys; at most one re-read a second,
  // so forged ids cannot turn into a query each.
  if (!key && Date.now() - set.at > 1000) {
    key = (await signingKeys(db, 'share', { refresh: true })).verifying.find((k) => k.id === id);
  }
  return !!key && equal(mac(key.key, value), signature.slice(KEY_ID_LENGTH));
}
