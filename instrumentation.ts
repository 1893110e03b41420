/**
 * Next.js calls register() once per server process. The start-up work (lib/server-start: take the
 * embedded database's lock, start the webhook dispatcher) runs only in the Node.js runtime, never
 * the edge, and not while `next build` prerenders pages. Tests and the CLI never load this file.
 */
export async function register() {
  if (process.env.NEXT_RUNTIME !== 'nodejs') return;
  if (process.env.NEXT_PHASE === 'phase-production-build') return;
  const { startServer } = await import('./lib/server-start');
  await startServer();
}
