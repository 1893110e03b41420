/**
 * Next.js calls register() once per server process. Drawbridge starts its webhook dispatcher here:
 * only in the Node.js runtime (never the edge), never while `next build` prerenders pages, and only
 * once (startDispatcher keeps one per process). Its timers are unref'd; tests and the CLI never load
 * this file, so there the outbox simply waits for a server.
 */
export async function register() {
  if (process.env.NEXT_RUNTIME !== 'nodejs') return;
  if (process.env.NEXT_PHASE === 'phase-production-build') return;
  const [{ startDispatcher }, { getDb }] = await Promise.all([import('./lib/registry/webhooks'), import('./lib/db')]);
  startDispatcher(getDb);
}
