/**
 * What a Drawbridge server does once at start (instrumentation.ts, Node.js runtime only):
 * - opens the database now, not at the first request: on the embedded database that takes the data
 *   directory's lock (lib/db/data-dir-lock), naming this server, the URL it answers at and its
 *   local-operator secret, so `drawbridge` in local mode goes through it instead of opening the
 *   directory a second time; if another process holds the directory, the server stops and says who;
 * - starts the webhook dispatcher (one per process; its timers are unref'd);
 * - sweeps the artifact store of unreferenced objects past the grace period (registry/artifact-gc).
 */
import { startLocalOperator } from './auth/local-operator';
import { databaseTarget } from './config';
import { getDatabase, getDb } from './db';
import { setLockIdentity } from './db/data-dir-lock';
import { sweepOrphansOnStartup } from './registry/artifact-gc';
import { startDispatcher } from './registry/webhook-dispatch';
import { getStore } from './storage';

export async function startServer(): Promise<void> {
  if (databaseTarget().kind === 'pglite') {
    setLockIdentity({ kind: 'server', url: localUrl(), operatorSecret: startLocalOperator() });
  }
  try {
    await getDatabase();
  } catch (e) {
    const err = e as Error & { code?: string };
    if (err.code === 'data_dir_in_use' || err.code === 'data_dir_lock_unreadable') {
      console.error(
        `drawbridge: cannot serve: ${err.message}\n` +
          'The embedded database admits one process at a time: let that one finish (or stop it), then start the server again.',
      );
      process.exit(1);
    }
    // PostgreSQL not up yet, say: /api/health answers 503 and the next request tries again.
    console.warn(`drawbridge: the database is not available yet: ${err.message}`);
  }
  startDispatcher(getDb);
  // What a crash left between writing an upload and recording it; in the background, never fatal.
  void getDb().then(
    (db) => sweepOrphansOnStartup(db, getStore()),
    () => {},
  );
}

/**
 * Where this server answers on this machine. Next.js sets PORT (and its private origin, with the
 * -H hostname) before it loads instrumentation; bracket access keeps the bundler from inlining them.
 */
function localUrl(): string {
  const env = process.env;
  return env['__NEXT_PRIVATE_ORIGIN'] || `http://localhost:${env['PORT'] || 3000}`;
}
