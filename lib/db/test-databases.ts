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

export async function openTestDatabase(target: TestTarget): Promise<OpenedDatabase & { cleanup(): Promise<void> }> {
  const migrationsDir = path.join(import.meta.dirname, '..', '..', 'prisma', 'migrations');
  if (target === 'pglite') {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'drawbridge-pglite-'));
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
