import 'server-only';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import {
  DriverAdapterError,
  type IsolationLevel,
  type SqlDriverAdapter,
  type SqlMigrationAwareDriverAdapterFactory,
  type SqlQuery,
  type SqlResultSet,
  type Transaction,
  type TransactionOptions,
} from '@prisma/driver-adapter-utils';

/**
 * The embedded database behind one owner thread (lib/workers/pglite-worker.mjs). PGlite is PostgreSQL
 * compiled to WebAssembly: every statement runs synchronously in the thread that holds it, so in
 * the request thread a 4 s list query stalled /api/health and every static response for 4 s.
 *
 * Two designs were weighed: (a) PGlite and pglite-prisma-adapter in a worker, reached through a
 * small message protocol at the driver-adapter surface (this file), and (b) @electric-sql/pglite-socket
 * serving PGlite's wire protocol from a worker to `pg` + @prisma/adapter-pg. (a) was chosen and (b)
 * not built: PGlite is one connection either way, so (b) would still be a pool of one, plus a
 * private socket to guard, a new dependency, and @prisma/adapter-pg's type mapping in place of
 * the pglite-prisma-adapter mapping our tests cover; (a) keeps that mapping and the error
 * classification (pglite-errors.ts) exactly as they were. Measured on the shared 2-core
 * machine (load 15-18, so noisy): 200 sequential `SELECT 1` took 265-738 ms through the worker and
 * 568-1089 ms in the request thread, and opening a database 6.4-11 s against 7.0-8.9 s: the thread
 * hop costs nothing that shows. With the worker, a 1 s query left this thread's event-loop lag at
 * 30-95 ms (pglite-thread.test.ts); in the request thread it was 1015 ms.
 *
 * Transactions keep their meaning: the worker's PGlite holds its one connection for an open
 * transaction and queues every other statement behind it, as it did in this thread; a transaction
 * still open at close() is rolled back there so close() cannot hang on it.
 */

type WireError = { name: string; message: string; cause?: Record<string, unknown> } & Record<string, unknown>;
type Reply = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: WireError };
type Pending = { resolve(v: unknown): void; reject(e: unknown): void };

const ADAPTER_NAME = 'pglite-prisma-adapter';

/** lib/workers/pglite-worker.mjs on disk: bundled server code has no usable import.meta.url of its own. */
function workerFile(): string {
  const root = path.resolve(/*turbopackIgnore: true*/ process.env.DRAWBRIDGE_ROOT || process.cwd());
  const file = path.join(/*turbopackIgnore: true*/ root, 'lib', 'workers', 'pglite-worker.mjs');
  if (!existsSync(file)) {
    throw new Error(
      `cannot find the database worker at ${file}; run from the Drawbridge checkout or set DRAWBRIDGE_ROOT to it`,
    );
  }
  return file;
}

/** An error from the worker as this thread's kind: DriverAdapterError stays one (Prisma checks). */
function revive(e: WireError): Error {
  if (e.name === 'DriverAdapterError' && e.cause) return new DriverAdapterError(e.cause as never);
  const { name, message, cause: _cause, ...fields } = e;
  return Object.assign(new Error(message), { name }, fields);
}

export type PgliteThread = {
  factory: SqlMigrationAwareDriverAdapterFactory;
  exec(sql: string): Promise<void>;
  query<T>(sql: string, params?: unknown[]): Promise<T[]>;
  close(): Promise<void>;
};

/** Starts the owner thread on `dir` (the caller holds the data-dir lock) and waits for PGlite to open. */
export async function startPgliteThread(dir: string): Promise<PgliteThread> {
  const worker = new Worker(/*turbopackIgnore: true*/ workerFile(), {
    workerData: { dir },
    // The parent's flags (a test runner's, Next's) mean nothing to the database thread.
    execArgv: [],
  });
  const pending = new Map<number, Pending>();
  let seq = 1;
  let gone: Error | null = null;

  // Referenced only while a call is in flight: an opened database never keeps a CLI or test alive.
  const settle = (id: number) => {
    const p = pending.get(id);
    pending.delete(id);
    if (pending.size === 0) worker.unref();
    return p;
  };
  const fail = (e: Error) => {
    gone ??= e;
    for (const id of [...pending.keys()]) settle(id)?.reject(e);
  };
  worker.on('message', (m: Reply) => {
    const p = settle(m.id);
    if (m.ok) p?.resolve(m.result);
    else p?.reject(revive(m.error));
  });
  worker.on('error', (e) => fail(new Error(`the embedded database stopped: ${e.message}; restart the server`)));
  worker.on('exit', (code) => fail(new Error(`the embedded database thread exited (code ${code})`)));

  const call = <T>(op: string, ...args: unknown[]): Promise<T> => {
    if (gone) return Promise.reject(gone);
    const id = op === 'open' ? 0 : seq++;
    return new Promise<T>((resolve, reject) => {
      pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      worker.ref();
      if (op !== 'open') worker.postMessage({ id, op, args });
    });
  };

  try {
    await call('open');
  } catch (e) {
    await worker.terminate();
    throw e;
  }

  const queryable = (txId: number | null) => ({
    provider: 'postgres' as const,
    adapterName: ADAPTER_NAME,
    queryRaw: (q: SqlQuery) => call<SqlResultSet>('queryRaw', q, txId),
    executeRaw: (q: SqlQuery) => call<number>('executeRaw', q, txId),
  });
  const adapter: SqlDriverAdapter = {
    ...queryable(null),
    executeScript: (script: string) => call<void>('executeScript', script),
    getConnectionInfo: () => ({ supportsRelationJoins: true }),
    async startTransaction(isolationLevel?: IsolationLevel): Promise<Transaction> {
      const { id, options } = await call<{ id: number; options: TransactionOptions }>(
        'startTransaction',
        isolationLevel,
      );
      return {
        ...queryable(id),
        options,
        commit: () => call<void>('commit', id),
        rollback: () => call<void>('rollback', id),
      };
    },
    dispose: async () => {},
  };
  const factory: SqlMigrationAwareDriverAdapterFactory = {
    provider: 'postgres',
    adapterName: ADAPTER_NAME,
    connect: async () => adapter,
    // Prisma's shadow database is for `prisma migrate dev`, which never runs against a server.
    connectToShadowDb: async () => {
      throw new Error('the embedded database has no shadow database');
    },
  };

  return {
    factory,
    exec: (sql) => call<void>('exec', sql),
    query: <T>(sql: string, params?: unknown[]) => call<T[]>('query', sql, params),
    async close() {
      try {
        if (!gone) await call('close');
      } finally {
        worker.removeAllListeners('exit');
        gone ??= new Error('the embedded database is closed');
        await worker.terminate();
      }
    },
  };
}
