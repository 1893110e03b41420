import 'server-only';
import crypto from 'node:crypto';
import type { Db } from '../db';
import { Prisma } from '../db/generated/client';

/**
 * The audit trail as a hash chain. Each event stores `prevHash` (the hash of the event before it,
 * 64 zeros for the first) and `hash` = SHA-256 over a canonical encoding of `prevHash` and the
 * event's content, so editing a row changes its hash, and deleting or reordering rows breaks the
 * link of the event after them. The one-row AuditChainHead names the newest link: deleting the
 * newest events shows too.
 *
 * This is tamper-evidence, not tamper-proofing: someone who can write the database can recompute
 * every hash after an edit. Keep the head hash that verify prints somewhere else (a ticket, the
 * pipeline's logs) and a rewritten history no longer matches it.
 */

export const GENESIS_HASH = '0'.repeat(64);

type Tx = Prisma.TransactionClient;

/** The hashed fields of an event, as stored. */
export type ChainedContent = {
  id: number;
  createdAt: Date;
  actorId: string | null;
  actorLabel: string;
  action: string;
  subjectType: string;
  subjectId: string;
  before: unknown;
  after: unknown;
};

/**
 * JSON with object keys sorted at every level, so the encoding survives a round trip through
 * jsonb (which reorders keys). Strings are made well-formed first: the database stores a lone
 * surrogate as U+FFFD, and the hash must be the one the stored row recomputes to.
 */
export function canonicalJson(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return JSON.stringify(v.toWellFormed());
  if (typeof v === 'number') return Number.isFinite(v) ? JSON.stringify(v) : 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'bigint') return String(v);
  if (v instanceof Date) return JSON.stringify(v.toISOString());
  if (Array.isArray(v)) return `[${v.map((x) => (x === undefined ? 'null' : canonicalJson(x))).join(',')}]`;
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k.toWellFormed())}:${canonicalJson(o[k])}`).join(',')}}`;
  }
  return 'null';
}

export function eventHash(prevHash: string, e: ChainedContent): string {
  const body = canonicalJson({
    prevHash,
    id: e.id,
    createdAt: e.createdAt.toISOString(),
    actorId: e.actorId,
    actorLabel: e.actorLabel,
    action: e.action,
    subjectType: e.subjectType,
    subjectId: e.subjectId,
    before: e.before ?? null,
    after: e.after ?? null,
  });
  return crypto.createHash('sha256').update(body, 'utf8').digest('hex');
}

type Head = { lastId: number | null; lastHash: string; count: number; legacyThrough: number | null };

/**
 * Locks the chain head for the rest of `tx` (a row lock: in a SERIALIZABLE caller a concurrent
 * append that committed first makes this a serialization failure, which lib/registry/transactions.ts
 * retries; in READ COMMITTED it waits and reads the new head).
 *
 * The head row is created by the first append, not by the migration: a restore needs every table
 * empty before it loads an archive. Created on a database whose events carry no hashes yet (they
 * predate the chain) it marks them for sealing; created where hashed events exist (someone deleted
 * the head) it starts at genesis, and verify reports the break instead of re-hashing history.
 */
async function lockHead(tx: Tx, retry = true): Promise<Head> {
  const rows = await tx.$queryRaw<
    Head[]
  >`SELECT "lastId", "lastHash", "count", "legacyThrough" FROM "AuditChainHead" WHERE "id" = 1 FOR UPDATE`;
  if (rows[0]) return rows[0];
  if (!retry) throw new Error('the audit chain head could not be created (AuditChainHead has no row 1)');
  await tx.$executeRaw`INSERT INTO "AuditChainHead" ("id", "lastHash", "legacyThrough")
    SELECT 1, ${GENESIS_HASH}, CASE WHEN EXISTS (SELECT 1 FROM "AuditEvent" WHERE "hash" IS NOT NULL) THEN NULL ELSE (SELECT max("id") FROM "AuditEvent") END
    ON CONFLICT ("id") DO NOTHING`;
  return lockHead(tx, false);
}

async function saveHead(tx: Tx, h: Head): Promise<void> {
  await tx.$executeRaw`UPDATE "AuditChainHead" SET "lastId" = ${h.lastId}, "lastHash" = ${h.lastHash}, "count" = ${h.count}, "legacyThrough" = ${h.legacyThrough}, "updatedAt" = now() WHERE "id" = 1`;
}

const BATCH = 500;

/** Chains the events written before the chain existed (ids up to legacyThrough), in id order. */
async function sealLegacy(tx: Tx, head: Head): Promise<Head> {
  const h = { ...head };
  let cursor = h.lastId ?? 0;
  for (;;) {
    const rows = await tx.auditEvent.findMany({
      where: { id: { gt: cursor, lte: head.legacyThrough! } },
      orderBy: { id: 'asc' },
      take: BATCH,
    });
    if (!rows.length) break;
    const links = rows.map((r) => {
      const prevHash = h.lastHash;
      h.lastHash = eventHash(prevHash, r);
      h.lastId = r.id;
      h.count++;
      return Prisma.sql`(${r.id}::int, ${prevHash}, ${h.lastHash})`;
    });
    await tx.$executeRaw`UPDATE "AuditEvent" AS a SET "prevHash" = v.p, "hash" = v.h FROM (VALUES ${Prisma.join(links)}) AS v(id, p, h) WHERE a."id" = v.id`;
    cursor = rows[rows.length - 1].id;
  }
  h.legacyThrough = null;
  await saveHead(tx, h);
  return h;
}

export type NewEvent = Omit<ChainedContent, 'id' | 'createdAt'> & {
  before?: Prisma.InputJsonValue;
  after?: Prisma.InputJsonValue;
};

/**
 * Appends one event inside `tx`: lock the head, take the next id, insert, hash, move the head.
 * The id is drawn under the lock, so chain order is id order. The hash is computed over the row
 * as the database hands it back, not over what we sent: on the way in a JSON number can lose
 * digits (0.00017567324684932827 is stored as 0.0001756732468493283, on PGlite and PostgreSQL
 * alike), and the hash must be the one the stored row recomputes to.
 */
export async function appendAuditEvent(tx: Tx, e: NewEvent): Promise<void> {
  let head = await lockHead(tx);
  if (head.legacyThrough !== null) head = await sealLegacy(tx, head);
  const [{ id }] = await tx.$queryRaw<
    { id: number }[]
  >`SELECT nextval(pg_get_serial_sequence('"AuditEvent"', 'id'))::int AS id`;
  const stored = await tx.auditEvent.create({ data: { ...e, id, prevHash: head.lastHash } });
  const hash = eventHash(head.lastHash, stored);
  await tx.$executeRaw`UPDATE "AuditEvent" SET "hash" = ${hash} WHERE "id" = ${id}`;
  await saveHead(tx, { ...head, lastId: id, lastHash: hash, count: head.count + 1 });
}

/** Seals pre-chain events if any are waiting (verify's first step; appends do it themselves). */
export async function sealLegacyAuditEvents(db: Db): Promise<void> {
  const head = await db.auditChainHead.findUnique({ where: { id: 1 } });
  if (head) {
    if (head.legacyThrough === null) return;
  } else {
    // No head: either no append since the upgrade (every event unhashed), or a deleted head, which
    // verify must report rather than paper over.
    const [hashed, unhashed] = await Promise.all([
      db.auditEvent.findFirst({ where: { hash: { not: null } }, select: { id: true } }),
      db.auditEvent.findFirst({ where: { hash: null }, select: { id: true } }),
    ]);
    if (hashed || !unhashed) return;
  }
  await db.$transaction(
    async (tx) => {
      const locked = await lockHead(tx);
      if (locked.legacyThrough !== null) await sealLegacy(tx, locked);
    },
    { timeout: 120_000 },
  );
}

export type ChainBreakReason = 'hash_mismatch' | 'prev_hash_mismatch' | 'unchained' | 'head_mismatch' | 'head_missing';

export type ChainBreak = {
  /** The first event whose link does not hold; null when the break is past the newest row (deleted events at the end). */
  eventId: number | null;
  reason: ChainBreakReason;
  message: string;
};

export type ChainReport = {
  intact: boolean;
  /** Events checked (all of them when intact; those before the break otherwise). */
  events: number;
  /** The newest link (the head's hash): note it elsewhere to detect a rewritten history later. */
  headHash: string;
  lastEventId: number | null;
  broken: ChainBreak | null;
};

/**
 * Walks the chain in id order, in batches (never the whole table in memory), and reports the
 * first link that does not hold. Reads the head first: every event up to its lastId was committed
 * before it, and later appends (ids above it) are left for the next run, so no transaction is
 * held open while walking. Rows above the head without a hash were written around recordAudit.
 */
export async function verifyAuditChain(db: Db, opts: { batchSize?: number } = {}): Promise<ChainReport> {
  await sealLegacyAuditEvents(db);
  const head = await db.auditChainHead.findUnique({ where: { id: 1 } });
  const batch = opts.batchSize ?? 1000;
  let prevHash = GENESIS_HASH;
  let prevId: number | null = null;
  let events = 0;
  const report = (broken: ChainBreak | null): ChainReport => ({
    intact: !broken,
    events,
    headHash: head?.lastHash ?? GENESIS_HASH,
    lastEventId: head?.lastId ?? null,
    broken,
  });
  if (!head) {
    const any = await db.auditEvent.findFirst({ orderBy: { id: 'asc' }, select: { id: true } });
    if (!any) return report(null); // nothing recorded yet
    return report({
      eventId: null,
      reason: 'head_missing',
      message: 'The chain head (table AuditChainHead) has no row: it was deleted; the newest links cannot be checked.',
    });
  }
  const limit = head.lastId ?? 0;
  for (let cursor = 0; ;) {
    const rows = await db.auditEvent.findMany({
      where: { id: { gt: cursor, lte: limit } },
      orderBy: { id: 'asc' },
      take: batch,
    });
    for (const r of rows) {
      if (!r.hash || !r.prevHash) {
        return report({
          eventId: r.id,
          reason: 'unchained',
          message: `Event ${r.id} has no hash: it was written around the audit log, or its hash was erased.`,
        });
      }
      if (r.prevHash !== prevHash) {
        const after = prevId === null ? 'the start of the chain' : `event ${prevId}`;
        return report({
          eventId: r.id,
          reason: 'prev_hash_mismatch',
          message: `Event ${r.id} does not link to ${after}: the event(s) between them were deleted, or events were reordered.`,
        });
      }
      if (eventHash(r.prevHash, r) !== r.hash) {
        return report({
          eventId: r.id,
          reason: 'hash_mismatch',
          message: `Event ${r.id} was changed after it was recorded: its content no longer matches its hash.`,
        });
      }
      prevHash = r.hash;
      prevId = r.id;
      events++;
    }
    if (rows.length < batch) break;
    cursor = rows[rows.length - 1].id;
  }
  if (prevId !== head.lastId || prevHash !== head.lastHash || events !== head.count) {
    return report({
      eventId: null,
      reason: 'head_mismatch',
      message:
        `The chain head names event ${head.lastId ?? '(none)'} as the newest of ${head.count}, but the chain ends at ` +
        `${prevId === null ? 'no event' : `event ${prevId}`} after ${events}: the newest events were deleted, or the head was edited.`,
    });
  }
  // One statement, one snapshot: an append moves the head in the transaction that inserts its event,
  // so a committed event above the committed head was written around the chain (or the head rolled back).
  const [beyond] = await db.$queryRaw<{ id: number; hashed: boolean }[]>`
    SELECT "id", "hash" IS NOT NULL AS hashed FROM "AuditEvent"
    WHERE "id" > COALESCE((SELECT "lastId" FROM "AuditChainHead" WHERE "id" = 1), 0) ORDER BY "id" LIMIT 1`;
  if (beyond && !beyond.hashed)
    return report({
      eventId: beyond.id,
      reason: 'unchained',
      message: `Event ${beyond.id} has no hash: it was written around the audit log.`,
    });
  if (beyond) {
    return report({
      eventId: beyond.id,
      reason: 'head_mismatch',
      message: `Event ${beyond.id} is newer than the chain head: the head was edited or put back to an older state.`,
    });
  }
  return report(null);
}
