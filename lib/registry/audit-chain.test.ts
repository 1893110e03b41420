// The audit hash chain on a real database (PGlite, and PostgreSQL when DRAWBRIDGE_TEST_POSTGRES_URL
// is set): rows edited, deleted, reordered or inserted by hand in SQL are reported at the first
// broken link; concurrent appends never fork the chain; events from before the chain are sealed.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../auth/permissions';
import { openDatabase, type Db } from '../db';
import { openTestDatabase, testTargets } from '../db/test-databases';
import { recordAudit, SYSTEM_ACTOR } from './audit';
import { canonicalJson, GENESIS_HASH, verifyAuditChain } from './audit-chain';
import { conflictCounters, serializable } from './transactions';

const MIGRATIONS = path.join(import.meta.dirname, '..', '..', 'prisma', 'migrations');

describe('canonicalJson', () => {
  // jsonb hands objects back with their keys reordered; the encoding must not notice.
  const shuffled = (v: unknown, seed: number): unknown => {
    if (Array.isArray(v)) return v.map((x) => shuffled(x, seed + 1));
    if (v && typeof v === 'object') {
      const keys = Object.keys(v).sort(
        (a, b) =>
          ((a.length * 31 + seed) % 7) - ((b.length * 31 + seed) % 7) ||
          (seed % 2 ? a.localeCompare(b) : b.localeCompare(a)),
      );
      return Object.fromEntries(keys.map((k) => [k, shuffled((v as Record<string, unknown>)[k], seed + 3)]));
    }
    return v;
  };

  it('is the same for any key order and after a JSON round trip (2000 random documents)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.integer({ min: 0, max: 1000 }), (v, seed) => {
        const back = JSON.parse(JSON.stringify(shuffled(v, seed)));
        expect(canonicalJson(back)).toBe(canonicalJson(v));
      }),
      { numRuns: 2000 },
    );
    expect(canonicalJson({ b: 1, a: { d: [1, { z: null, y: 'é' }], c: true } })).toBe(
      '{"a":{"c":true,"d":[1,{"y":"é","z":null}]},"b":1}',
    );
    expect(canonicalJson('\ud800x')).toBe(canonicalJson('\ufffdx'));
  });
});

describe.each(testTargets())('%s: the audit hash chain', (target) => {
  let t: Awaited<ReturnType<typeof openTestDatabase>>;
  let db: Db;
  let alice: Actor;
  const ids: number[] = [];

  beforeAll(async () => {
    t = await openTestDatabase(target);
    db = t.db;
    const u = await db.user.create({
      data: { email: 'alice@chain.test', name: 'Alice', role: 'admin', passwordHash: 'not-a-login' },
    });
    alice = { id: u.id, email: u.email, name: u.name, role: 'admin', via: 'session' };
    for (let i = 0; i < 30; i++) {
      await recordAudit(db, i % 3 ? alice : SYSTEM_ACTOR, {
        action: `test.event_${i % 4}`,
        subjectType: 'thing',
        subjectId: i,
        // Keys out of order, nesting, unicode, numbers jsonb rewrites (1e21, 0.1, -0), a bigint.
        before: i % 2 ? { zeta: 1, alpha: { y: [3, 2, { q: 'é😀', p: null }], x: 0.1 } } : undefined,
        // 0.00017567324684932827 is stored as 0.0001756732468493283 (a real deploy threshold did this).
        after: {
          n: i,
          big: 10n ** 15n,
          huge: 1e21,
          neg: -0,
          lossy: 0.00017567324684932827 * (i + 1),
          s: `line\n"${i}"`,
        },
      });
    }
    ids.push(...(await db.auditEvent.findMany({ orderBy: { id: 'asc' }, select: { id: true } })).map((r) => r.id));
  }, 60_000);
  afterAll(() => t?.cleanup());

  const raw = (sql: string) => db.$executeRawUnsafe(sql);
  /** Runs a tampering statement, verifies, then puts the table back from a copy. */
  async function tampered(sql: string) {
    await raw('DROP TABLE IF EXISTS "h7_keep"');
    await raw('CREATE TABLE "h7_keep" AS SELECT * FROM "AuditEvent"');
    try {
      await raw(sql);
      return await verifyAuditChain(db, { batchSize: 7 });
    } finally {
      await raw('DELETE FROM "AuditEvent"');
      await raw('INSERT INTO "AuditEvent" SELECT * FROM "h7_keep"');
      await raw('DROP TABLE "h7_keep"');
    }
  }

  it('an untouched chain verifies; each event links to the one before it', async () => {
    const r = await verifyAuditChain(db, { batchSize: 7 });
    expect(r).toMatchObject({ intact: true, events: 30, lastEventId: ids[29], broken: null });
    const rows = await db.auditEvent.findMany({ orderBy: { id: 'asc' } });
    expect(rows[0].prevHash).toBe(GENESIS_HASH);
    for (let i = 1; i < rows.length; i++) expect(rows[i].prevHash).toBe(rows[i - 1].hash);
    expect(r.headHash).toBe(rows[29].hash);
    expect(new Set(rows.map((x) => x.hash)).size).toBe(30);
    // The database did round some numbers on the way in: the hashes are over what it stored.
    const lossy = rows.map((x, i) => (x.after as { lossy: number }).lossy !== 0.00017567324684932827 * (i + 1));
    expect(lossy.filter(Boolean).length).toBeGreaterThan(0);
  });

  it('an edited row is the first broken link (text column, jsonb value, timestamp, actor)', async () => {
    const edits = [
      [`UPDATE "AuditEvent" SET "actorLabel" = 'Mallory <m@evil.test>' WHERE id = ${ids[11]}`, ids[11]],
      [`UPDATE "AuditEvent" SET "after" = jsonb_set("after", '{n}', '999') WHERE id = ${ids[4]}`, ids[4]],
      [`UPDATE "AuditEvent" SET "createdAt" = "createdAt" - interval '1 day' WHERE id = ${ids[20]}`, ids[20]],
      [`UPDATE "AuditEvent" SET "actorId" = NULL WHERE id IN (${ids[25]}, ${ids[26]})`, ids[25]],
    ] as const;
    for (const [sql, id] of edits) {
      const r = await tampered(sql);
      expect(r.intact, sql).toBe(false);
      expect(r.broken, sql).toMatchObject({ eventId: id, reason: 'hash_mismatch' });
      expect(r.broken!.message).toContain(`Event ${id} was changed`);
    }
    // Only the value counts: jsonb rewriting the same document (keys reordered) is no edit.
    expect(
      (await tampered(`UPDATE "AuditEvent" SET "after" = ("after"::text)::jsonb WHERE id = ${ids[4]}`)).intact,
    ).toBe(true);
    expect((await verifyAuditChain(db)).intact).toBe(true);
  });

  it('a deleted row breaks the link of the event after it; deleted newest events break the head', async () => {
    const mid = await tampered(`DELETE FROM "AuditEvent" WHERE id = ${ids[13]}`);
    expect(mid.broken).toMatchObject({ eventId: ids[14], reason: 'prev_hash_mismatch' });
    expect(mid.broken!.message).toContain(`does not link to event ${ids[12]}`);
    expect(mid.events).toBe(13);
    const first = await tampered(`DELETE FROM "AuditEvent" WHERE id = ${ids[0]}`);
    expect(first.broken).toMatchObject({ eventId: ids[1], reason: 'prev_hash_mismatch' });
    const tail = await tampered(`DELETE FROM "AuditEvent" WHERE id >= ${ids[28]}`);
    expect(tail.broken).toMatchObject({ eventId: null, reason: 'head_mismatch' });
    expect(tail.broken!.message).toContain(
      `names event ${ids[29]} as the newest of 30, but the chain ends at event ${ids[27]} after 28`,
    );
  });

  it('reordered rows (two events swapping content) and a row inserted by hand are reported', async () => {
    const swap = await tampered(
      `UPDATE "AuditEvent" a SET "action" = b."action", "after" = b."after" FROM "AuditEvent" b ` +
        `WHERE (a.id, b.id) IN ((${ids[6]}, ${ids[7]}), (${ids[7]}, ${ids[6]}))`,
    );
    expect(swap.broken).toMatchObject({ eventId: ids[6], reason: 'hash_mismatch' });
    const forged = `INSERT INTO "AuditEvent" ("actorLabel", "action", "subjectType", "subjectId") VALUES ('Nobody', 'model.deploy', 'deployment', '1')`;
    await raw('DROP TABLE IF EXISTS "h7_keep"');
    await raw('CREATE TABLE "h7_keep" AS SELECT * FROM "AuditEvent"');
    await raw(forged);
    const strayId = (await db.auditEvent.findFirstOrThrow({ where: { actorLabel: 'Nobody' } })).id;
    expect((await verifyAuditChain(db)).broken).toMatchObject({ eventId: strayId, reason: 'unchained' });
    // Later appends do not launder it: it stays an unchained row inside the chain.
    await recordAudit(db, alice, { action: 'test.after_forgery', subjectType: 'thing', subjectId: 'x' });
    expect((await verifyAuditChain(db)).broken).toMatchObject({ eventId: strayId, reason: 'unchained' });
    await raw('DELETE FROM "AuditEvent"');
    await raw('INSERT INTO "AuditEvent" SELECT * FROM "h7_keep"');
    await raw('DROP TABLE "h7_keep"');
    await raw(
      `UPDATE "AuditChainHead" SET "lastId" = ${ids[29]}, "lastHash" = (SELECT "hash" FROM "AuditEvent" WHERE id = ${ids[29]}), "count" = 30`,
    );
    expect((await verifyAuditChain(db)).intact).toBe(true);
  });

  it('a deleted or rolled-back chain head is reported, not silently rebuilt', async () => {
    await raw('DROP TABLE IF EXISTS "h7_head"');
    await raw('CREATE TABLE "h7_head" AS SELECT * FROM "AuditChainHead"');
    try {
      await raw('DELETE FROM "AuditChainHead"');
      expect((await verifyAuditChain(db)).broken).toMatchObject({ eventId: null, reason: 'head_missing' });
      expect(await db.auditChainHead.count()).toBe(0); // verify did not recreate it
      await raw(`INSERT INTO "AuditChainHead" ("id", "lastHash") VALUES (1, '${GENESIS_HASH}')`);
      expect((await verifyAuditChain(db)).broken).toMatchObject({ eventId: ids[0], reason: 'head_mismatch' });
      await raw(
        `UPDATE "AuditChainHead" SET "lastId" = ${ids[19]}, "lastHash" = (SELECT "hash" FROM "AuditEvent" WHERE id = ${ids[19]}), "count" = 20`,
      );
      expect((await verifyAuditChain(db)).broken).toMatchObject({ eventId: ids[20], reason: 'head_mismatch' });
    } finally {
      await raw('DELETE FROM "AuditChainHead"');
      await raw('INSERT INTO "AuditChainHead" SELECT * FROM "h7_head"');
      await raw('DROP TABLE "h7_head"');
    }
    expect((await verifyAuditChain(db)).intact).toBe(true);
  });

  it('events from before the chain are sealed in id order, to the same hashes, by verify or by the next append', async () => {
    const original = await db.auditEvent.findMany({ orderBy: { id: 'asc' }, select: { id: true, hash: true } });
    const unseal = () =>
      raw(`UPDATE "AuditEvent" SET "hash" = NULL, "prevHash" = NULL`).then(() =>
        raw(
          `UPDATE "AuditChainHead" SET "lastId" = NULL, "lastHash" = '${GENESIS_HASH}', "count" = 0, "legacyThrough" = (SELECT max(id) FROM "AuditEvent")`,
        ),
      );
    await unseal();
    const r = await verifyAuditChain(db);
    expect(r).toMatchObject({ intact: true, events: 30 });
    expect(await db.auditEvent.findMany({ orderBy: { id: 'asc' }, select: { id: true, hash: true } })).toEqual(
      original,
    );
    await unseal();
    await recordAudit(db, alice, { action: 'test.after_upgrade', subjectType: 'thing', subjectId: 'y' });
    expect(await verifyAuditChain(db)).toMatchObject({ intact: true, events: 31 });
    expect((await db.auditChainHead.findUniqueOrThrow({ where: { id: 1 } })).legacyThrough).toBeNull();
  });

  it('40 concurrent appends (SERIALIZABLE deploy-style transactions and plain ones) never fork the chain', async () => {
    const before = await db.auditEvent.count();
    const retried = conflictCounters.retried.serialization_failure + conflictCounters.retried.deadlock;
    const started = Date.now();
    await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        i % 4 === 3
          ? recordAudit(db, alice, { action: 'test.concurrent_plain', subjectType: 'thing', subjectId: i })
          : serializable(db, async (tx) => {
              await tx.user.findMany({ take: 1 });
              await recordAudit(tx, alice, {
                action: 'test.concurrent',
                subjectType: 'thing',
                subjectId: i,
                after: { i },
              });
              await recordAudit(tx, alice, { action: 'test.concurrent_second', subjectType: 'thing', subjectId: i });
            }),
      ),
    );
    const r = await verifyAuditChain(db);
    const rows = await db.auditEvent.findMany({ orderBy: { id: 'asc' }, select: { prevHash: true } });
    console.log(
      `${target}: 40 concurrent appenders (70 events) in ${Date.now() - started} ms, ` +
        `${conflictCounters.retried.serialization_failure + conflictCounters.retried.deadlock - retried} retried conflicts; chain ${r.intact ? 'intact' : 'BROKEN'} (${r.events} events)`,
    );
    expect(r).toMatchObject({ intact: true, events: before + 70 });
    expect(new Set(rows.map((x) => x.prevHash)).size).toBe(rows.length); // no two events share a predecessor
  }, 120_000);
});

describe('pglite: the migration on a database with audit events', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'drawbridge-chain-migrate-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('leaves the old events to be sealed; verify seals them and the next event links on', async () => {
    // The migrations before this one, as a database upgraded from the previous release had them.
    const older = path.join(dir, 'migrations');
    for (const m of fs.readdirSync(MIGRATIONS).filter((n) => n < '20261201010000_audit_chain')) {
      fs.cpSync(path.join(MIGRATIONS, m), path.join(older, m), { recursive: true });
    }
    const data = path.join(dir, 'data');
    const old = await openDatabase({ kind: 'pglite', dir: data }, { migrationsDir: older });
    for (let i = 0; i < 5; i++) {
      await old.db.$executeRawUnsafe(
        `INSERT INTO "AuditEvent" ("actorLabel", "action", "subjectType", "subjectId", "after") VALUES ('Old <old@x>', 'old.event', 'thing', '${i}', '{"b":1,"a":${i}}')`,
      );
    }
    await old.close();
    const upgraded = await openDatabase({ kind: 'pglite', dir: data }, { migrationsDir: MIGRATIONS });
    try {
      expect(await upgraded.db.auditChainHead.count()).toBe(0);
      expect(await upgraded.db.auditEvent.count({ where: { hash: null } })).toBe(5);
      expect(await verifyAuditChain(upgraded.db)).toMatchObject({ intact: true, events: 5, lastEventId: 5 });
      expect(await upgraded.db.auditChainHead.findUniqueOrThrow({ where: { id: 1 } })).toMatchObject({
        lastId: 5,
        count: 5,
        legacyThrough: null,
      });
      await recordAudit(upgraded.db, SYSTEM_ACTOR, { action: 'new.event', subjectType: 'thing', subjectId: 'n' });
      expect(await verifyAuditChain(upgraded.db)).toMatchObject({ intact: true, events: 6, lastEventId: 6 });
      await upgraded.db.$executeRawUnsafe(`UPDATE "AuditEvent" SET "subjectId" = '4x' WHERE id = 3`);
      expect((await verifyAuditChain(upgraded.db)).broken).toMatchObject({ eventId: 3, reason: 'hash_mismatch' });
    } finally {
      await upgraded.close();
    }
  }, 60_000);
});
