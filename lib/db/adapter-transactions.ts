import 'server-only';
import type {
  SqlDriverAdapter,
  SqlMigrationAwareDriverAdapterFactory,
  SqlQuery,
  Transaction,
} from '@prisma/driver-adapter-utils';

/**
 * Prisma 6.19's transaction manager commits an interactive transaction with
 * `await tx.executeRaw('COMMIT'); await tx.commit()`, and only `commit()` hands @prisma/adapter-pg's
 * pooled connection back. When the COMMIT itself fails (a serialization failure found at commit,
 * 40001, the everyday outcome of a lost deploy race) the connection is never released: after
 * `max` such failures (10) the pool is empty and every later query waits forever.
 * Measured on PostgreSQL 15: 12 commit-time failures, then the next transaction hung.
 *
 * This wraps the factory so a failed COMMIT or ROLLBACK releases the transaction's connection
 * (PostgreSQL has already ended the transaction; the connection is idle and reusable) before
 * the error goes on to Prisma and the retry in lib/registry/transactions.ts.
 */
const ENDS = new Set(['COMMIT', 'ROLLBACK']);

function wrapTransaction(tx: Transaction): Transaction {
  let released = false;
  const release = async () => {
    if (released) return;
    released = true;
    await tx.rollback().catch(() => {});
  };
  return new Proxy(tx, {
    get(obj, prop, receiver) {
      const value = Reflect.get(obj, prop, receiver);
      if (prop === 'executeRaw') {
        return async (query: SqlQuery) => {
          try {
            return await obj.executeRaw(query);
          } catch (e) {
            if (ENDS.has(query.sql.trim().toUpperCase())) await release();
            throw e;
          }
        };
      }
      if (prop === 'commit' || prop === 'rollback') {
        return async () => {
          if (released) return;
          released = true;
          await (value as () => Promise<void>).call(obj);
        };
      }
      return typeof value === 'function' ? value.bind(obj) : value;
    },
  });
}

function wrapAdapter(adapter: SqlDriverAdapter): SqlDriverAdapter {
  return new Proxy(adapter, {
    get(obj, prop, receiver) {
      const value = Reflect.get(obj, prop, receiver);
      if (prop === 'startTransaction') {
        return async (...args: Parameters<SqlDriverAdapter['startTransaction']>) =>
          wrapTransaction(await obj.startTransaction(...args));
      }
      return typeof value === 'function' ? value.bind(obj) : value;
    },
  });
}

export function releasingFailedCommits(
  factory: SqlMigrationAwareDriverAdapterFactory,
): SqlMigrationAwareDriverAdapterFactory {
  return new Proxy(factory, {
    get(obj, prop, receiver) {
      const value = Reflect.get(obj, prop, receiver);
      if (prop === 'connect' || prop === 'connectToShadowDb') {
        return async () => wrapAdapter(await (value as () => Promise<SqlDriverAdapter>).call(obj));
      }
      return typeof value === 'function' ? value.bind(obj) : value;
    },
  });
}
