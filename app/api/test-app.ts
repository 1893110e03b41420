import path from 'node:path';
import type { Role } from '@/lib/auth/permissions';

const DEMO = path.resolve(import.meta.dirname, '..', '..', 'prisma', 'demo');

/**
 * What route-handler tests run against: the app's own database and store (getDatabase/getStore,
 * as the routes see them) in the data directory `dataDir`, seeded with the demo team and jobs, and
 * an API token per role. The modules are imported after the environment is set, since they read it.
 */
export async function openSeededApp(dataDir: string) {
  process.env.DRAWBRIDGE_DATA_DIR = dataDir;
  delete process.env.DATABASE_URL;
  delete process.env.DRAWBRIDGE_MAX_ARTIFACT_MB;
  const { getDatabase } = await import('@/lib/db');
  const { getStore } = await import('@/lib/storage');
  const { seedDemo } = await import('@/lib/registry/seed-demo');
  const { createApiToken } = await import('@/lib/auth/sessions');
  const opened = await getDatabase();
  const db = opened.db;
  const store = getStore();
  await seedDemo(db, store, { demoDir: DEMO });
  const tokens = {} as Record<Role, string>;
  for (const u of await db.user.findMany()) {
    tokens[u.role as Role] = (
      await createApiToken(db, { id: u.id, email: u.email, name: u.name, role: u.role as Role, via: 'session' }, 'test')
    ).token;
  }
  return { db, store, tokens, close: () => opened.close() };
}
