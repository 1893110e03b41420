import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Actor, Role } from '../auth/permissions';
import { openTestDatabase, type TestTarget } from '../db/test-databases';
import { FsArtifactStore } from '../storage/fs-store';
import { seedDemo } from './seed-demo';

/** A fresh database + artifact store seeded with the real demo jobs, and an actor per role. */
export async function openTestRegistry(target: TestTarget) {
  const t = await openTestDatabase(target);
  const storeDir = fs.mkdtempSync(path.join(os.tmpdir(), 'drawbridge-store-'));
  const store = new FsArtifactStore(storeDir);
  await seedDemo(t.db, store, { demoDir: path.join(import.meta.dirname, '..', '..', 'prisma', 'demo') });
  const users = await t.db.user.findMany();
  const actor = (role: Role): Actor => {
    const u = users.find((x) => x.role === role)!;
    return { id: u.id, email: u.email, name: u.name, role, via: 'session' };
  };
  const jobs = await t.db.trainingJob.findMany({ orderBy: { id: 'asc' } });
  return {
    ...t,
    store,
    storeDir,
    actor,
    jobs,
    async cleanup() {
      await t.cleanup();
      fs.rmSync(storeDir, { recursive: true, force: true });
    },
  };
}
