/**
 * Next.js calls register() once per server process, in the Node.js runtime (never the edge), not
 * while `next build` prerenders pages. Here the server:
 * - opens the database at start, not at the first request: on the embedded database that takes the
 *   data directory's lock (lib/db/data-dir-lock), naming this server and the URL it answers at, so
 *   `drawbridge` in local mode goes through it instead of opening the directory a second time; if
 *   another process holds the directory, the server stops here and says who;
 * - starts its webhook dispatcher (one per process; its timers are unref'd).
 * Tests and the CLI never load this file.
 */
export async function register() {
  if (process.env.NEXT_RUNTIME !== 'nodejs') return;
  if (process.env.NEXT_PHASE === 'phase-production-build') return;
  const [{ startDispatcher }, { getDb, getDatabase }, { setLockIdentity }, { startLocalOperator }, { databaseTarget }] = await Promise.all([
    import('./lib/registry/webhooks'),
    import('./lib/db'),
    import('./lib/db/data-dir-lock'),
    import('./lib/auth/local-operator'),
    import('./lib/config'),
  ]);
  if (databaseTarget().kind === 'pglite') {
    setLockIdentity({ kind: 'server', url: localUrl(), operatorSecret: startLocalOperator() });
  }
  try {
    await getDatabase();
  } catch (e) {
    const err = e as Error & { code?: string };
    if (err.code === 'data_dir_in_use' || err.code === 'data_dir_lock_unreadable') {
      console.error(`drawbridge: cannot serve: ${err.message}\nThe embedded database admits one process at a time: let it finish (or stop it), then start the server again.`);
      process.exit(1);
    }
    // PostgreSQL not up yet, say: /api/health answers 503 and the next request tries again.
    console.warn(`drawbridge: the database is not available yet: ${err.message}`);
  }
  startDispatcher(getDb);
}

/**
 * Where this server answers on this machine. Next.js sets PORT (and its private origin, with the
 * -H hostname) before it loads this file; bracket access keeps the bundler from inlining them.
 */
function localUrl(): string {
  const env = process.env;
  return env['__NEXT_PRIVATE_ORIGIN'] || `http://localhost:${env['PORT'] || 3000}`;
}
