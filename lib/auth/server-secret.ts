import 'server-only';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { dataDir } from '../config';

let cached: Buffer | undefined;

/**
 * The key that signs share links. DRAWBRIDGE_SECRET when set (several servers must share it);
 * otherwise a random key created once in the data directory (mode 0600), so a fresh clone needs
 * no configuration and links survive restarts.
 */
export function serverSecret(): Buffer {
  if (cached) return cached;
  const fromEnv = process.env.DRAWBRIDGE_SECRET;
  if (fromEnv) {
    if (fromEnv.length < 32) throw new Error('DRAWBRIDGE_SECRET must be at least 32 characters');
    return (cached = Buffer.from(fromEnv, 'utf8'));
  }
  const file = path.join(/*turbopackIgnore: true*/ dataDir(), 'secret');
  try {
    cached = Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'base64url');
  } catch {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const key = crypto.randomBytes(32).toString('base64url');
    try {
      fs.writeFileSync(file, key, { mode: 0o600, flag: 'wx' });
    } catch {
      // another process created it first: use theirs
    }
    cached = Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'base64url');
  }
  return cached;
}

export function sign(value: string): string {
  return crypto.createHmac('sha256', serverSecret()).update(value).digest('base64url');
}

export function verifySignature(value: string, signature: string): boolean {
  const expected = Buffer.from(sign(value));
  const given = Buffer.from(signature);
  return expected.length === given.length && crypto.timingSafeEqual(expected, given);
}
