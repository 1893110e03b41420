import 'server-only';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { openDatabase, type OpenedDatabase } from './index';

/**
 * Databases for integration tests: always a fresh embedded PGlite; a fresh database on a real
 * PostgreSQL server when DRAWBRIDGE_TEST_POSTGRES_URL is set (`npm test` starts a throwaway cluster
 * and sets it, or says why it could not).
 */
export type TestTarget = 'pglite' | 'postgres';

export const POSTGRES_URL = process.env.DRAWBRIDGE_TEST_POSTGRES_URL;

export function testTargets(): TestTarget[] {
  return POSTGRES_URL ? ['pglite', 'postgres'] : ['pglite'];
}

/**
 * A migrated, cleanly closed PGlite directory, made once per machine for these migrations and this
 * PGlite, that each test database starts as a copy of: creating a cluster and running every
 * migration took 5–20 s a database on the 2-core CI machine, copying it ~0.1 s. The copy still
 * opens through openDatabase, which finds every migration applied (checksums compared).
 */
async function pgliteTemplate(migrationsDir: string): Promise<string> {
  const h = crypto.createHash('sha256');
  h.update(
    fs.readFileSync(
      path.join(import.meta.dirname, '..', '..', 'node_modules', '@electric-sql', 'pglite', 'package.json'),
    ),
  );
  for (const name of fs.readdirSync(migrationsDir).sort()) {
    const sql = path.join(migrationsDir, name, 'migration.sql');
    if (fs.existsSync(sql)) h.update(`${name}\0`).update(fs.readFileSync(sql));
  }
  const template = path.join(os.tmpdir(), `drawbridge-pglite-template-${h.digest('hex').slice(0, 16)}`);
  if (fs.existsSync(template)) return template;
  // Built aside and renamed into place: a template that exists is complete. Two files building at
  // once both succeed; the second rename finds the first's template and drops its own.
  const building = fs.mkdtempSync(path.join(os.tmpdir(), 'drawbridge-pglite-building-'));
  const opened = await openDatabase({ kind: 'pglite', dir: building }, { migrationsDir });
  await opened.close();
  try {
    fs.renameSync(building, template);
  } catch {
    fs.rmSync(building, { recursive: true, force: true });
  }
  return template;
}

export async function openTestDatabase(target: TestTarget): Promise<OpenedDatabase & { cleanup(): Promise<void> }> {
  const migrationsDir = path.join(import.meta.dirname, '..', '..', 'prisma', 'migrations');
  if (target === 'pglite') {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'drawbridge-pglite-'));
    fs.cpSync(await pgliteTemplate(migrationsDir), dir, { recursive: true });
    const opened = await openDatabase({ kind: 'pglite', dir }, { migrationsDir });
    return {
      ...opened,
      async cleanup() {
        await opened.close();
        fs.rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  if (!POSTGRES_URL) throw new Error('DRAWBRIDGE_TEST_POSTGRES_URL is not set');
  const name = `drawbridge_test_${crypto.randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: POSTGRES_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(POSTGRES_URL);
  url.pathname = `/${name}`;
  const opened = await openDatabase({ kind: 'postgres', url: url.toString() }, { migrationsDir });
  return {
    ...opened,
    async cleanup() {
      await opened.close();
      const a = new pg.Client({ connectionString: POSTGRES_URL });
      await a.connect();
      await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await a.end();
    },
  };
}
