import 'server-only';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { dataDir } from '../config';
import type { Db } from '../db';
import type { Prisma } from '../db/generated/client';
import { DomainError, notFound } from '../errors';

/**
 * Signing keys in the database (the ServerKey table), so every server on one database signs and
 * verifies share links alike and a backup carries them. The newest key not retired signs; every key
 * not retired verifies, so a rotation never breaks a link until its key is retired.
 */
export type ServerKeyPurpose = 'share';
export type SigningKey = { id: string; generation: number; key: Buffer };
export type ServerKeyInfo = {
  id: string;
  generation: number;
  createdAt: Date;
  retiredAt: Date | null;
  signing: boolean;
};

/** Rotation must reach every server: a cached key set is read again after this long. */
export const KEY_CACHE_TTL_MS = 60_000;

type KeySet = { at: number; signing: SigningKey; verifying: SigningKey[] };
// Per database (tests open several in one process) and purpose; survives Next.js dev reloads.
const g = globalThis as unknown as { __drawbridgeKeys?: WeakMap<Db, Map<string, Promise<KeySet>>> };
const caches = (g.__drawbridgeKeys ??= new WeakMap());
const cacheOf = (db: Db) => caches.get(db) ?? caches.set(db, new Map()).get(db)!;

// Hex, not base64url: an id is typed as a CLI argument, and one in 32 base64url ids began with '-'
// (`drawbridge admin retire-key -bX…` then read as an unknown option).
const newKeyId = () => crypto.randomBytes(4).toString('hex');

/**
 * A data directory from before keys lived in the database signed with its `secret` file: that key
 * becomes generation 1, so the links it signed keep opening. Otherwise a fresh random key.
 */
function firstSecret(): string {
  try {
    const legacy = fs.readFileSync(path.join(/*turbopackIgnore: true*/ dataDir(), 'secret'), 'utf8').trim();
    if (legacy) return legacy;
  } catch {
    // no legacy key file (a fresh data directory, or PostgreSQL mode without one)
  }
  return crypto.randomBytes(32).toString('base64url');
}

/** Keys that verify, newest first: the first of them signs (readKeySet, and the writes that check it). */
const VERIFYING = (purpose: string) =>
  ({ where: { purpose, retiredAt: null }, orderBy: { generation: 'desc' } }) as const;

/** The key that signs now, read in `w` (a write's transaction), by readKeySet's rule. */
export function currentSigningKey(w: Db | Prisma.TransactionClient, purpose: ServerKeyPurpose = 'share') {
  return w.serverKey.findFirst({ ...VERIFYING(purpose), select: { id: true, generation: true } });
}

async function readKeySet(db: Db, purpose: ServerKeyPurpose): Promise<KeySet> {
  const read = () => db.serverKey.findMany(VERIFYING(purpose));
  let rows = await read();
  if (rows.length === 0) {
    // Two servers starting together both insert; the unique (purpose, generation) keeps one, and
    // both then read the same row.
    await db.serverKey.createMany({
      data: [{ id: newKeyId(), purpose, generation: 1, secret: firstSecret() }],
      skipDuplicates: true,
    });
    rows = await read();
  }
  // retireServerKey never retires the signing key, so this is a hand-edited table.
  if (rows.length === 0) throw new Error(`every ${purpose} signing key is retired; run "drawbridge admin rotate-key"`);
  const verifying = rows.map((r) => ({ id: r.id, generation: r.generation, key: Buffer.from(r.secret, 'base64url') }));
  return { at: Date.now(), signing: verifying[0], verifying };
}

/** The keys of `purpose`, from a cache no older than KEY_CACHE_TTL_MS (or fresh when `refresh`). */
export function signingKeys(
  db: Db,
  purpose: ServerKeyPurpose = 'share',
  opts: { refresh?: boolean } = {},
): Promise<KeySet> {
  const cache = cacheOf(db);
  const cached = cache.get(purpose);
  if (cached && !opts.refresh) {
    return cached.then((set) =>
      Date.now() - set.at < KEY_CACHE_TTL_MS ? set : signingKeys(db, purpose, { refresh: true }),
    );
  }
  const fresh = readKeySet(db, purpose);
  cache.set(purpose, fresh);
  // A failed read (database down) is not cached: the next call tries again.
  fresh.catch(() => cache.get(purpose) === fresh && cache.delete(purpose));
  return fresh;
}

/**
 * Adds the next generation, which signs from now on (on other servers within KEY_CACHE_TTL_MS);
 * the previous keys still verify until retired. Two rotations at once make one new key.
 *
 * Given `tx`, it writes in the caller's transaction (lib/registry/signing-keys: with its audit row)
 * and leaves this server's cache alone: the caller ensures the first key before the transaction and
 * refreshes the cache after the commit (refreshServerKeys), since the cache reads outside it.
 */
export async function rotateServerKey(
  db: Db,
  purpose: ServerKeyPurpose = 'share',
  tx?: Prisma.TransactionClient,
): Promise<ServerKeyInfo> {
  if (!tx) await signingKeys(db, purpose, { refresh: true });
  const w = tx ?? db;
  const newest = await w.serverKey.findFirst({ where: { purpose }, orderBy: { generation: 'desc' } });
  const generation = (newest?.generation ?? 0) + 1;
  await w.serverKey.createMany({
    data: [{ id: newKeyId(), purpose, generation, secret: crypto.randomBytes(32).toString('base64url') }],
    skipDuplicates: true,
  });
  const made = await w.serverKey.findUniqueOrThrow({ where: { purpose_generation: { purpose, generation } } });
  if (!tx) await signingKeys(db, purpose, { refresh: true });
  return { ...pick(made), signing: true };
}

/**
 * Retires a key: links it signed stop opening (on other servers within KEY_CACHE_TTL_MS). The key
 * that signs now cannot be retired; rotate first. Retiring a retired key answers it as it is.
 * Given `tx`, as rotateServerKey: in the caller's transaction, and the caller refreshes the cache.
 */
export async function retireServerKey(db: Db, id: string, tx?: Prisma.TransactionClient): Promise<ServerKeyInfo> {
  const w = tx ?? db;
  const row = await w.serverKey.findUnique({ where: { id } });
  if (!row) throw notFound('Signing key', id, 'key_not_found');
  const signing = await currentSigningKey(w, row.purpose as ServerKeyPurpose);
  if (signing?.id === id) {
    throw new DomainError(
      'conflict',
      'key_in_use',
      `Key ${id} signs new links now; run "drawbridge admin rotate-key" first (or Rotate on the Signing keys page), then retire it.`,
    );
  }
  const retired = row.retiredAt ? row : await w.serverKey.update({ where: { id }, data: { retiredAt: new Date() } });
  if (!tx) await signingKeys(db, row.purpose as ServerKeyPurpose, { refresh: true });
  return { ...pick(retired), signing: false };
}

/** This server's cached keys, read again now (after a rotation or retirement committed). */
export async function refreshServerKeys(db: Db, purpose: ServerKeyPurpose = 'share'): Promise<void> {
  await signingKeys(db, purpose, { refresh: true });
}

/** Every key of `purpose`, newest first, without the secrets. */
export async function listServerKeys(db: Db, purpose: ServerKeyPurpose = 'share'): Promise<ServerKeyInfo[]> {
  const { signing } = await signingKeys(db, purpose, { refresh: true });
  const rows = await db.serverKey.findMany({ where: { purpose }, orderBy: { generation: 'desc' } });
  return rows.map((r) => ({ ...pick(r), signing: r.id === signing.id }));
}

const pick = (r: { id: string; generation: number; createdAt: Date; retiredAt: Date | null }) => ({
  id: r.id,
  generation: r.generation,
  createdAt: r.createdAt,
  retiredAt: r.retiredAt,
});
