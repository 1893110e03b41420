import 'server-only';
/**
 * A per-object mutex for this process: a put's publish step and a delete of the same hash never
 * interleave, so "is anything still using these bytes?" and the removal happen as one step.
 * Kept on globalThis because Next.js may load this module more than once in one server.
 */
const g = globalThis as unknown as { __drawbridgeObjectLocks?: Map<string, Promise<void>> };
const locks = (g.__drawbridgeObjectLocks ??= new Map());

export async function withObjectLock<T>(sha256: string, fn: () => Promise<T>): Promise<T> {
  const prev = locks.get(sha256) ?? Promise.resolve();
  let release!: () => void;
  const mine = new Promise<void>((r) => (release = r));
  const tail = prev.then(() => mine);
  locks.set(sha256, tail);
  await prev;
  try {
    return await fn();
  } finally {
    release();
    if (locks.get(sha256) === tail) locks.delete(sha256);
  }
}
