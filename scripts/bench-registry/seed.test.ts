// The benchmark's seed makes what the benchmark claims to measure: every table it names filled,
// one active deployment per environment and age range (of that range), every index the migrations
// made present again after the bulk insert, statistics gathered, credentials the server accepts,
// and a second call served from the cache.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../lib/db';
import { resolveApiToken, resolveSession } from '../../lib/auth/sessions';
import { MIGRATIONS_DIR, seededDataDir } from './seed';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'drawbridge-bench-seed-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

/** Index names the migrations leave on a table: every CREATE INDEX on it not dropped later. */
function migratedIndexes(table: string): string[] {
  const names = new Set<string>();
  for (const dir of fs.readdirSync(MIGRATIONS_DIR).sort()) {
    const sql = fs.readFileSync(path.join(MIGRATIONS_DIR, dir, 'migration.sql'), 'utf8');
    for (const m of sql.matchAll(
      /CREATE (?:UNIQUE )?INDEX (?:IF NOT EXISTS )?"([^"]+)"\s+ON "([^"]+)"|DROP INDEX (?:IF EXISTS )?"([^"]+)"/g,
    )) {
      if (m[3]) names.delete(m[3]);
      else if (m[2] === table) names.add(m[1]);
    }
  }
  return [...names].sort();
}

describe('bench:registry seed', () => {
  it('fills jobs, exports, validations and deployments in bulk, keeps the indexes, and caches the directory', async () => {
    const first = await seededDataDir(root, 400);
    expect(first.cached).toBe(false);
    const again = await seededDataDir(root, 400);
    expect(again).toMatchObject({ cached: true, dataDir: first.dataDir, credentials: first.credentials });

    const { db, adapter, close } = await openDatabase(
      { kind: 'pglite', dir: path.join(first.dataDir, 'pglite') },
      { migrationsDir: MIGRATIONS_DIR },
    );
    try {
      const count = async (table: string, where = 'true') =>
        (await adapter.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${table}" WHERE ${where}`))[0].n;
      expect(await count('ModelExport')).toBe(400);
      expect(await count('TrainingJob')).toBe(100);
      // Four in five exports validated, one in ten twice.
      expect(await count('ValidationRun')).toBe(320 + 40);
      expect(await count('ValidationRun', 'NOT "isValid"')).toBeGreaterThan(0);
      // The migrations' triggers ran: the list's name sort reads the job's name from the export.
      expect(await count('ModelExport', '"jobName" IS NULL')).toBe(0);
      expect(await count('AgeGroupModel')).toBe(32);
      const active = await adapter.query<{ environment: string; n: number; mismatched: number }>(
        `SELECT d."environment", count(*)::int AS n,
           count(*) FILTER (WHERE e."ageGroupMin" <> d."ageMin" OR e."ageGroupMax" <> d."ageMax")::int AS mismatched
         FROM "AgeGroupModel" d JOIN "ModelExport" e ON e."id" = d."modelExportId"
         WHERE d."isActive" GROUP BY 1 ORDER BY 1`,
      );
      expect(active).toEqual([
        { environment: 'production', n: 8, mismatched: 0 },
        { environment: 'staging', n: 8, mismatched: 0 },
      ]);
      for (const table of ['ModelExport', 'AgeGroupModel', 'ValidationRun', 'TrainingJob']) {
        const rows = await adapter.query<{ indexname: string }>(
          `SELECT indexname FROM pg_indexes WHERE tablename = $1 AND indexname NOT LIKE '%_pkey' ORDER BY 1`,
          [table],
        );
        expect(rows.map((r) => r.indexname).sort(), table).toEqual(migratedIndexes(table));
      }
      // ANALYZE ran: before it, PostgreSQL records reltuples -1 for a table never analyzed.
      const [{ reltuples }] = await adapter.query<{ reltuples: number }>(
        `SELECT reltuples FROM pg_class WHERE relname = 'ModelExport'`,
      );
      expect(reltuples).toBe(400);
      expect(await resolveApiToken(db, first.credentials.apiToken)).toMatchObject({ email: 'bench@drawbridge.local' });
      expect(await resolveSession(db, first.credentials.sessionToken)).toMatchObject({ via: 'session' });
    } finally {
      await close();
    }
  });
});
