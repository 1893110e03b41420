/** The one connection a restore loads through: the staging PGlite, or the target PostgreSQL. */
import pg from 'pg';
import { createAdapterFactory } from '../db/adapter';
import type { Sql } from './schema';

export type Session = Sql & { exec(sql: string): Promise<void> };

/** The staging directory's embedded database, opened (and locked) only by this restore. */
export async function pgliteSession(dir: string): Promise<Session & { close(): Promise<void> }> {
  const a = await createAdapterFactory({ kind: 'pglite', dir });
  return { query: (sql, params) => a.query(sql, params), exec: (sql) => a.exec(sql), close: () => a.close() };
}

export async function postgresSession(url: string): Promise<Session & { close(): Promise<void> }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  return {
    async query<T>(sql: string, params?: unknown[]) {
      return (await client.query(sql, params)).rows as T[];
    },
    async exec(sql: string) {
      await client.query(sql);
    },
    close: () => client.end(),
  };
}
