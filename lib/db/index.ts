import 'server-only';
import { PrismaClient } from './generated/client';
import { createAdapterFactory, type OpenedAdapter } from './adapter';
import { applyMigrations } from './migrate';
import { databaseTarget, type DatabaseTarget } from '../config';

export type Db = PrismaClient;
export type OpenedDatabase = { db: Db; adapter: OpenedAdapter; close(): Promise<void> };

/** Opens the configured database, applies pending migrations, returns a Prisma client over it. */
export async function openDatabase(
  target: DatabaseTarget = databaseTarget(),
  opts: { migrationsDir?: string } = {},
): Promise<OpenedDatabase> {
  const adapter = await createAdapterFactory(target);
  try {
    await applyMigrations(adapter, opts.migrationsDir);
  } catch (e) {
    await adapter.close();
    throw e;
  }
  // Under load every pooled connection can be busy for seconds (50 simultaneous deploys on a
  // PostgreSQL pool of 10): Prisma's default 2 s wait to start a transaction turned into 500s.
  const db = new PrismaClient({ adapter: adapter.factory, transactionOptions: { maxWait: 30_000 } });
  return {
    db,
    adapter,
    async close() {
      await db.$disconnect();
      await adapter.close();
    },
  };
}

// One database per server process; survives Next.js dev reloads.
const g = globalThis as unknown as { __drawbridgeDb?: Promise<OpenedDatabase> };

export function getDatabase(): Promise<OpenedDatabase> {
  g.__drawbridgeDb ??= openDatabase().catch((e) => {
    g.__drawbridgeDb = undefined;
    throw e;
  });
  return g.__drawbridgeDb;
}

export async function getDb(): Promise<Db> {
  return (await getDatabase()).db;
}
