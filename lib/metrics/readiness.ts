import 'server-only';
import type { Db } from '../db';
import { readMigrations } from '../db/migrate';
import type { ArtifactStore } from '../storage/types';

/**
 * Whether this server can serve traffic now (GET /api/ready; a load balancer's readiness probe):
 * its database answers, its artifact store answers, and every migration it ships is applied (a
 * server started against a database another version has not migrated yet is not ready). Each
 * check says what is wrong, so the 503 body names it.
 */
export type ReadinessCheck = { ok: boolean; error?: string };
export type Readiness = {
  ready: boolean;
  checks: { database: ReadinessCheck; store: ReadinessCheck; migrations: ReadinessCheck & { pending?: string[] } };
};

// No artifact has this hash in practice: a probe the store answers "absent" to when it is reachable.
const PROBE = '0'.repeat(64);

const messageOf = (e: unknown) => (e instanceof Error ? e.message : String(e)).split('\n')[0].slice(0, 300);

export async function checkReadiness(deps: {
  db: () => Promise<Db>;
  store: () => ArtifactStore;
  migrationsDir?: string;
}): Promise<Readiness> {
  const database = async (): Promise<[ReadinessCheck, Readiness['checks']['migrations']]> => {
    let db: Db;
    try {
      db = await deps.db();
      await db.$queryRaw`SELECT 1`;
    } catch (e) {
      return [
        { ok: false, error: `database unreachable: ${messageOf(e)}` },
        { ok: false, error: 'unknown: the database is unreachable' },
      ];
    }
    try {
      const applied = new Set(
        (
          await db.$queryRaw<{ name: string }[]>`
            SELECT migration_name::text AS name FROM "_prisma_migrations"
            WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`
        ).map((r) => r.name),
      );
      const pending = readMigrations(deps.migrationsDir)
        .map((m) => m.name)
        .filter((n) => !applied.has(n));
      return [
        { ok: true },
        pending.length
          ? { ok: false, pending, error: `${pending.length} migration(s) not applied; run "drawbridge migrate"` }
          : { ok: true },
      ];
    } catch (e) {
      return [{ ok: true }, { ok: false, error: `migrations unreadable: ${messageOf(e)}` }];
    }
  };
  const store = async (): Promise<ReadinessCheck> => {
    try {
      await deps.store().stat(PROBE);
      return { ok: true };
    } catch (e) {
      return { ok: false, error: `artifact store unreachable: ${messageOf(e)}` };
    }
  };
  const [[db, migrations], st] = await Promise.all([database(), store()]);
  return { ready: db.ok && st.ok && migrations.ok, checks: { database: db, store: st, migrations } };
}
