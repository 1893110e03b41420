// PGlite has no autovacuum and its statistics collector counts no changes, so an open checks each
// table's size against the pages its statistics saw: a table that grew gets ANALYZEd, the rest are
// left alone (a whole-database ANALYZE on every open cost each CLI command its time).
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openDatabase } from './index';
import { analyzeStaleTables } from './migrate';
import { openTestDatabase } from './test-databases';

let t: Pick<Awaited<ReturnType<typeof openTestDatabase>>, 'adapter' | 'close'>;
let dir: string;
beforeAll(async () => {
  t = await openTestDatabase('pglite');
  dir = t.adapter.location;
}, 60_000);
afterAll(async () => {
  await t?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

const tuples = async (table: string) =>
  Number(
    (await t.adapter.query<{ n: number }>(`SELECT reltuples AS n FROM pg_class WHERE relname = $1`, [table]))[0].n,
  );

it('analyzes the tables that grew since their statistics, only those, and again on the next open', async () => {
  expect(await analyzeStaleTables(t.adapter)).toEqual([]);
  await t.adapter.exec(
    `INSERT INTO "Artifact" ("sha256", "sizeBytes", "mediaType")
     SELECT lpad(to_hex(i), 64, '0'), i, 'application/octet-stream' FROM generate_series(1, 20000) i`,
  );
  expect(await tuples('Artifact')).toBeLessThan(1000);
  expect(await analyzeStaleTables(t.adapter)).toEqual(['"Artifact"']);
  expect(await tuples('Artifact')).toBe(20000);
  expect(await analyzeStaleTables(t.adapter)).toEqual([]);

  // The same check runs when the database opens: rows added by another opener are counted.
  await t.adapter.exec(
    `INSERT INTO "Artifact" ("sha256", "sizeBytes", "mediaType")
     SELECT lpad(to_hex(i), 64, '0'), i, 'application/octet-stream' FROM generate_series(20001, 40000) i`,
  );
  await t.close();
  t = await openDatabase(
    { kind: 'pglite', dir },
    { migrationsDir: path.join(import.meta.dirname, '..', '..', 'prisma', 'migrations') },
  );
  expect(await tuples('Artifact')).toBe(40000);
}, 60_000);
