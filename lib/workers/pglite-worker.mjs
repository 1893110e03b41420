// The embedded database's owner thread (lib/db/pglite-thread.ts): PGlite and pglite-prisma-adapter
// live here, so a slow query runs in this thread while the server's request thread keeps serving.
// Plain JavaScript with a real file path: the Next.js server (whose own code is bundled), vitest
// and the CLI all start it the same way; it imports only packages, so it needs no TypeScript loader.
import { createRequire } from 'node:module';
import { parentPort, workerData } from 'node:worker_threads';
import { PGlite } from '@electric-sql/pglite';

// pglite-prisma-adapter 0.6 declares an ESM entry it does not ship; load its CommonJS build.
const require = createRequire(import.meta.url);
const { PrismaPGlite } = require('pglite-prisma-adapter');

/** Open transactions by id: each holds PGlite's one connection until commit or rollback. */
const transactions = new Map();
let nextTx = 1;
let db;
let adapter;

function tx(id) {
  const t = transactions.get(id);
  if (!t) throw new Error(`the database transaction ${id} has already ended`);
  return t;
}

const ops = {
  async query(sql, params) {
    return (await db.query(sql, params)).rows;
  },
  async exec(sql) {
    await db.exec(sql);
  },
  queryRaw: (query, txId) => (txId ? tx(txId) : adapter).queryRaw(query),
  executeRaw: (query, txId) => (txId ? tx(txId) : adapter).executeRaw(query),
  async executeScript(script) {
    // The adapter's own executeScript drops exec's promise (and its error); await it here.
    await db.exec(script);
  },
  async startTransaction(isolationLevel) {
    const t = await adapter.startTransaction(isolationLevel);
    const id = nextTx++;
    transactions.set(id, t);
    return { id, options: t.options };
  },
  async commit(txId) {
    const t = tx(txId);
    transactions.delete(txId);
    await t.commit();
  },
  async rollback(txId) {
    const t = tx(txId);
    transactions.delete(txId);
    await t.rollback();
  },
  async close() {
    // A transaction its caller abandoned would hold PGlite's connection, and close() would wait on it.
    for (const [id, t] of transactions) {
      transactions.delete(id);
      await t.rollback().catch(() => {});
    }
    await db.close();
  },
};

/** What the request thread needs to rebuild the error: DriverAdapterError's cause, PGlite's fields. */
function wireError(e) {
  const err = e instanceof Error ? e : new Error(String(e));
  const out = { name: err.name, message: err.message };
  for (const k of ['code', 'severity', 'detail', 'column', 'hint', 'constraint', 'table', 'schema']) {
    if (typeof err[k] === 'string') out[k] = err[k];
  }
  if (err.name === 'DriverAdapterError' && err.cause && typeof err.cause === 'object') {
    out.cause = structuredClone({ ...err.cause });
  }
  return out;
}

try {
  db = await PGlite.create(workerData.dir);
  adapter = await new PrismaPGlite(db).connect();
  parentPort.postMessage({ id: 0, ok: true, result: null });
} catch (e) {
  parentPort.postMessage({ id: 0, ok: false, error: wireError(e) });
}

parentPort.on('message', async ({ id, op, args }) => {
  try {
    const result = await ops[op](...args);
    parentPort.postMessage({ id, ok: true, result });
  } catch (e) {
    parentPort.postMessage({ id, ok: false, error: wireError(e) });
  }
  if (op === 'close') parentPort.close();
});
