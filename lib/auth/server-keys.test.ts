import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { readSchema } from '../backup/schema';
import { openDatabase } from '../db';
import { openTestDatabase, POSTGRES_URL, testTargets } from '../db/test-databases';
import { isDomainError } from '../errors';
import { KEY_CACHE_TTL_MS, listServerKeys, retireServerKey, rotateServerKey } from './server-keys';
import { sign, verifySignature } from './server-secret';

const keyIdOf = (signature: string) => signature.slice(0, 8);

describe.each(testTargets())('share-link signing keys on %s', (target) => {
  let t: Awaited<ReturnType<typeof openTestDatabase>>;
  const envSecret = process.env.DRAWBRIDGE_SECRET;
  const dataDir = process.env.DRAWBRIDGE_DATA_DIR;
  let legacyDir: string;
  const legacySecret = crypto.randomBytes(32).toString('base64url');
  beforeAll(async () => {
    delete process.env.DRAWBRIDGE_SECRET;
    // A data directory from before keys were in the database: its `secret` file signed old links.
    legacyDir = fs.mkdtempSync(path.join(os.tmpdir(), 'drawbridge-keys-'));
    fs.writeFileSync(path.join(legacyDir, 'secret'), legacySecret);
    process.env.DRAWBRIDGE_DATA_DIR = legacyDir;
    t = await openTestDatabase(target);
  }, 120_000);
  afterAll(async () => {
    await t?.cleanup();
    fs.rmSync(legacyDir, { recursive: true, force: true });
    if (envSecret === undefined) delete process.env.DRAWBRIDGE_SECRET;
    else process.env.DRAWBRIDGE_SECRET = envSecret;
    if (dataDir === undefined) delete process.env.DRAWBRIDGE_DATA_DIR;
    else process.env.DRAWBRIDGE_DATA_DIR = dataDir;
  });
  afterEach(() => vi.restoreAllMocks());

  it('imports the old secret file as the first key, rotates, and refuses a retired key', async () => {
    // As the old code signed: HMAC with the file's bytes, no key id.
    const legacy = crypto
      .createHmac('sha256', Buffer.from(legacySecret, 'base64url'))
      .update('share:old')
      .digest('base64url');
    expect(await verifySignature(t.db, 'share:old', legacy)).toBe(true);
    const before = await sign(t.db, 'share:a');
    const [first] = await listServerKeys(t.db);
    expect(first).toMatchObject({ generation: 1, signing: true, retiredAt: null });
    expect(keyIdOf(before)).toBe(first.id);
    expect((await t.db.serverKey.findUniqueOrThrow({ where: { id: first.id } })).secret).toBe(legacySecret);

    const second = await rotateServerKey(t.db);
    expect(second).toMatchObject({ generation: 2, signing: true });
    const after = await sign(t.db, 'share:b');
    expect(keyIdOf(after)).toBe(second.id);
    // URL-safe as a share token's part (e2e/share-link.spec.ts reads the link as [\w-]+.[\w-]+).
    expect(after).toMatch(/^[\w-]{51}$/);
    // Both generations verify until the old one is retired.
    expect(await verifySignature(t.db, 'share:a', before)).toBe(true);
    expect(await verifySignature(t.db, 'share:b', after)).toBe(true);
    expect(await verifySignature(t.db, 'share:b', before)).toBe(false);

    // The signing key cannot be retired: that would leave no key to sign with.
    const inUse = await retireServerKey(t.db, second.id).catch((e) => e);
    expect(isDomainError(inUse) && [inUse.code, inUse.status]).toEqual(['key_in_use', 409]);
    const missing = await retireServerKey(t.db, 'nope').catch((e) => e);
    expect(isDomainError(missing) && [missing.code, missing.status]).toEqual(['key_not_found', 404]);

    expect(await retireServerKey(t.db, first.id)).toMatchObject({ id: first.id, retiredAt: expect.any(Date) });
    expect(await verifySignature(t.db, 'share:a', before)).toBe(false);
    expect(await verifySignature(t.db, 'share:old', legacy)).toBe(false);
    expect(await verifySignature(t.db, 'share:b', after)).toBe(true);
  });

  it('are in the tables a backup dumps', async () => {
    const { tables } = await readSchema(t.adapter);
    expect(tables.map((x) => x.name)).toContain('ServerKey');
  });

  it('DRAWBRIDGE_SECRET overrides the database keys', async () => {
    process.env.DRAWBRIDGE_SECRET = 'override-override-override-override-1';
    try {
      const s = await sign(t.db, 'share:env');
      expect(s).toHaveLength(43);
      expect(await verifySignature(t.db, 'share:env', s)).toBe(true);
    } finally {
      delete process.env.DRAWBRIDGE_SECRET;
    }
  });

  it.runIf(target === 'postgres' && POSTGRES_URL)(
    'two servers on one database agree on the key, and a rotation reaches the other',
    async () => {
      const url = new URL(POSTGRES_URL!);
      // t's database: a second opener is a second server process as far as the key cache goes.
      const dbName = (await t.db.$queryRaw<{ d: string }[]>`SELECT current_database()::text AS d`)[0].d;
      url.pathname = `/${dbName}`;
      const other = await openDatabase({ kind: 'postgres', url: url.toString() });
      const third = await openDatabase({ kind: 'postgres', url: url.toString() });
      try {
        // A fresh purpose table: both servers start together and create generation 1 at once.
        await t.db.serverKey.deleteMany();
        const [a, b] = await Promise.all([sign(other.db, 'share:x'), sign(third.db, 'share:x')]);
        expect(a).toBe(b);
        expect(await t.db.serverKey.count()).toBe(1);
        // Rotated on one server: the other opens its new links at once (unknown key id → re-read)...
        const rotated = await rotateServerKey(other.db);
        const fresh = await sign(other.db, 'share:y');
        vi.spyOn(Date, 'now').mockReturnValue(Date.now() + 2_000);
        expect(await verifySignature(third.db, 'share:y', fresh)).toBe(true);
        // ...and signs with it once its cache has expired.
        vi.spyOn(Date, 'now').mockReturnValue(Date.now() + KEY_CACHE_TTL_MS + 5_000);
        expect(keyIdOf(await sign(third.db, 'share:z'))).toBe(rotated.id);
      } finally {
        vi.restoreAllMocks();
        await other.close();
        await third.close();
      }
    },
  );

  it.runIf(target === 'postgres' && POSTGRES_URL)(
    'a server on PostgreSQL takes no data-directory lock and needs no data directory',
    async () => {
      const parent = fs.mkdtempSync(path.join(os.tmpdir(), 'drawbridge-no-lock-'));
      // Absent, under a read-only directory (root writes there anyway): a lock would create data/.
      const absent = path.join(parent, 'data');
      fs.chmodSync(parent, 0o555);
      process.env.DRAWBRIDGE_DATA_DIR = absent;
      const url = new URL(POSTGRES_URL!);
      url.pathname = `/${(await t.db.$queryRaw<{ d: string }[]>`SELECT current_database()::text AS d`)[0].d}`;
      const server = await openDatabase({ kind: 'postgres', url: url.toString() });
      try {
        expect(await verifySignature(server.db, 'share:p', await sign(server.db, 'share:p'))).toBe(true);
        expect(fs.existsSync(absent)).toBe(false);
        expect(fs.readdirSync(parent)).toEqual([]);
      } finally {
        await server.close();
        process.env.DRAWBRIDGE_DATA_DIR = legacyDir;
        fs.chmodSync(parent, 0o755);
        fs.rmSync(parent, { recursive: true, force: true });
      }
    },
  );
});
