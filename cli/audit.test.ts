// `drawbridge audit verify` in local mode, on the embedded database and (when
// DRAWBRIDGE_TEST_POSTGRES_URL is set) PostgreSQL: an intact chain exits 0; a row edited, then a row
// deleted, by raw SQL exits 4 naming the first broken event. The edited chain's exit 4 is the real
// binary's; the other two run the CLI's main() in this process.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type OpenedDatabase } from '../lib/db';
import { openTestDatabase, testTargets } from '../lib/db/test-databases';
import { recordAudit, SYSTEM_ACTOR } from '../lib/registry/audit';
import { runCli, runCliInProcess } from './test-support';

const MIGRATIONS = path.join(import.meta.dirname, '..', 'prisma', 'migrations');

describe.each(testTargets())('%s: drawbridge audit verify', (target) => {
  let dir: string;
  let dataDir: string;
  let databaseUrl: string | undefined;
  let pg: Awaited<ReturnType<typeof openTestDatabase>> | null = null;
  let ids: number[];

  /** The database, opened in this process only between CLI runs (one opener per PGlite directory). */
  async function withDatabase<T>(fn: (o: OpenedDatabase) => Promise<T>): Promise<T> {
    if (pg) return fn(pg);
    const o = await openDatabase({ kind: 'pglite', dir: path.join(dataDir, 'pglite') }, { migrationsDir: MIGRATIONS });
    try {
      return await fn(o);
    } finally {
      await o.close();
    }
  }
  const verify = (...extra: string[]) =>
    runCliInProcess(['audit', 'verify', ...extra], { cwd: dir, dataDir, databaseUrl });
  const binary = (...extra: string[]) => runCli(['audit', 'verify', ...extra], { cwd: dir, dataDir, databaseUrl });

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'drawbridge-cli-audit-'));
    dataDir = path.join(dir, 'data');
    if (target === 'postgres') {
      pg = await openTestDatabase('postgres');
      databaseUrl = (await pg.db.$queryRawUnsafe<{ url: string }[]>(`SELECT current_database()::text AS url`)).map(
        (r) => {
          const u = new URL(process.env.DRAWBRIDGE_TEST_POSTGRES_URL!);
          u.pathname = `/${r.url}`;
          return u.toString();
        },
      )[0];
    }
    ids = await withDatabase(async ({ db }) => {
      for (let i = 0; i < 12; i++)
        await recordAudit(db, SYSTEM_ACTOR, {
          action: 'test.event',
          subjectType: 'thing',
          subjectId: i,
          after: { i, z: 'last', a: 'first' },
        });
      return (await db.auditEvent.findMany({ orderBy: { id: 'asc' }, select: { id: true } })).map((r) => r.id);
    });
  }, 60_000);
  afterAll(async () => {
    await pg?.cleanup();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('exits 0 on an intact chain, 4 naming the event after an edit, then after a deletion', async () => {
    expect(ids).toHaveLength(12);
    const ok = await verify();
    expect(ok.stdout).toContain(`audit chain intact: 12 events, newest event ${ids[11]}`);
    expect(ok.stdout).toMatch(/^head hash: [0-9a-f]{64}$/m);
    expect(ok.code).toBe(0);

    await withDatabase(({ db }) =>
      db.$executeRawUnsafe(
        `UPDATE "AuditEvent" SET "after" = '{"i": 5, "z": "last", "a": "edited"}' WHERE id = ${ids[5]}`,
      ),
    );
    const edited = await binary('--json');
    expect(edited.code).toBe(4);
    expect(JSON.parse(edited.stdout)).toMatchObject({
      intact: false,
      events: 5,
      broken: { event_id: ids[5], reason: 'hash_mismatch' },
    });
    expect(edited.stderr).toContain(`drawbridge: audit chain broken at event ${ids[5]} (hash_mismatch)`);

    // Put the edit back (the same document, keys in another order: jsonb does not care), delete another row.
    await withDatabase(async ({ db }) => {
      await db.$executeRawUnsafe(
        `UPDATE "AuditEvent" SET "after" = '{"a": "first", "i": 5, "z": "last"}' WHERE id = ${ids[5]}`,
      );
      await db.$executeRawUnsafe(`DELETE FROM "AuditEvent" WHERE id = ${ids[8]}`);
    });
    const deleted = await verify();
    expect(deleted.code).toBe(4);
    expect(deleted.stdout).toContain(`audit chain BROKEN at event ${ids[9]} (prev_hash_mismatch)`);
    expect(deleted.stdout).toContain(`Event ${ids[9]} does not link to event ${ids[7]}`);
    expect(deleted.stdout).toContain('8 events verified before it');
  }, 120_000);
});
