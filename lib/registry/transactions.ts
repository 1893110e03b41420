import type { Db } from '../db';
import type { Prisma } from '../db/generated/client';

/**
 * Runs `fn` in a SERIALIZABLE transaction, retrying when PostgreSQL reports a serialization
 * conflict (P2034) or the active-model unique index catches a concurrent writer (P2002 on retry
 * re-reads state and fails with the domain's own message). Deploys and rollbacks use it so the
 * one-active-per-range invariant holds under concurrency without app-level locks.
 */
export async function serializable<T>(db: Db, fn: (tx: Prisma.TransactionClient) => Promise<T>, attempts = 6): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await db.$transaction(fn, { isolationLevel: 'Serializable', timeout: 30_000, maxWait: 30_000 });
    } catch (e) {
      const code = (e as { code?: string }).code;
      const retryable = code === 'P2034' || code === '40001' || (code === 'P2002' && i < attempts);
      if (!retryable || i >= attempts) throw e;
      await new Promise((r) => setTimeout(r, 10 * 2 ** i + Math.random() * 20));
    }
  }
}
