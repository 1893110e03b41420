import 'server-only';
import fs from 'node:fs';
import type { SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import { databaseTarget, type DatabaseTarget } from '../config';
import { acquireDataDirLock } from './data-dir-lock';
import { releasingFailedCommits } from './adapter-transactions';
import { withClassifiedErrors } from './pglite-errors';
import { startPgliteThread, type PgliteThread } from './pglite-thread';

/**
 * A driver adapter plus a raw multi-statement executor (migrations need one; Prisma's raw queries
 * are single prepared statements) for whichever database the configuration names.
 */
export type OpenedAdapter = {
  kind: DatabaseTarget['kind'];
  /** Where the data lives, for messages (no password). */
  location: string;
  factory: SqlMigrationAwareDriverAdapterFactory;
  exec(sql: string): Promise<void>;
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  /**
   * Runs `fn` on one connection (session-level state such as an advisory lock stays with it); the
   * pool's exec/query may hand each statement a different connection.
   */
  withSession<T>(fn: (s: SqlSession) => Promise<T>): Promise<T>;
  close(): Promise<void>;
};

export type SqlSession = Pick<OpenedAdapter, 'exec' | 'query'>;

export async function createAdapterFactory(target: DatabaseTarget = databaseTarget()): Promise<OpenedAdapter> {
  if (target.kind === 'postgres') {
    const pg = (await import('pg')).default;
    const { PrismaPg } = await import('@prisma/adapter-pg');
    const pool = new pg.Pool({ connectionString: target.url, max: 10 });
    // An idle client's error (server restart, admin termination) must not crash the process:
    // the pool drops that client and the next query opens a fresh one.
    pool.on('error', (e) => console.warn(`drawbridge: idle PostgreSQL connection closed: ${e.message}`));
    const url = new URL(target.url);
    return {
      kind: 'postgres',
      location: `${url.hostname}:${url.port || 5432}${url.pathname}`,
      // A failed COMMIT must still hand its pooled connection back (adapter-transactions.ts).
      factory: releasingFailedCommits(new PrismaPg(pool)),
      async exec(sql) {
        await pool.query(sql);
      },
      async query(sql, params) {
        return (await pool.query(sql, params as unknown[])).rows;
      },
      async withSession(fn) {
        const client = await pool.connect();
        let broken: Error | undefined;
        try {
          return await fn({
            async exec(sql) {
              await client.query(sql);
            },
            async query(sql, params) {
              return (await client.query(sql, params as unknown[])).rows;
            },
          });
        } catch (e) {
          broken = e as Error;
          throw e;
        } finally {
          // A connection whose session state is unknown (a lock not released) is closed, not reused.
          client.release(broken);
        }
      },
      async close() {
        await pool.end();
      },
    };
  }
  fs.mkdirSync(target.dir, { recursive: true });
  // Before PGlite touches the directory: a second opener would destroy it (see data-dir-lock.ts).
  const lock = acquireDataDirLock(target.dir);
  let thread: PgliteThread;
  try {
    // PGlite runs every statement synchronously where it lives: off the request thread (pglite-thread.ts).
    thread = await startPgliteThread(target.dir);
  } catch (e) {
    lock.release();
    throw e;
  }
  const opened: OpenedAdapter = {
    kind: 'pglite',
    location: target.dir,
    factory: withClassifiedErrors(thread.factory),
    exec: (sql) => thread.exec(sql),
    query: (sql, params) => thread.query(sql, params),
    // PGlite is one connection.
    withSession: (fn) => fn(opened),
    async close() {
      try {
        await thread.close();
      } finally {
        lock.release();
      }
    },
  };
  return opened;
}
