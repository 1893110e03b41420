/**
 * For the backup tests: a real registry where every table has rows (the demo seed, exports, a
 * request reviewed and deployed, a replacing deployment, comments with a reply, a share link, a
 * webhook with deliveries, sessions, tokens, a preview summary), laid out as the CLI finds it
 * (DRAWBRIDGE_DATA_DIR/pglite and /artifacts, or a PostgreSQL database plus the artifacts), and
 * independent readers of what a database and a store hold, to compare a restore with its source.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { Actor, Role } from '../auth/permissions';
import { attemptSignIn, createApiToken, createSession } from '../auth/sessions';
import { openDatabase, type Db } from '../db';
import { POSTGRES_URL, type TestTarget } from '../db/test-databases';
import { addComment } from '../registry/comments';
import { exportModelFromTrainingJob } from '../registry/exports';
import { attachPreviewSummary } from '../registry/review-previews';
import { computePreviewSummaryForTest } from '../registry/test-preview';
import { seedDemo } from '../registry/seed-demo';
import { saveModelCard } from '../registry/model-card';
import { createShareLink } from '../registry/share-links';
import { deployThroughReview, type openTestRegistry } from '../registry/test-registry';
import { createWebhook } from '../registry/webhooks';
import { FsArtifactStore } from '../storage/fs-store';

const ROOT = path.join(import.meta.dirname, '..', '..');
export const MIGRATIONS = path.join(ROOT, 'prisma', 'migrations');

/** The schema's tables, counted from schema.prisma (not from the catalogue the dump itself reads). */
export const TABLE_COUNT = (
  fs.readFileSync(path.join(ROOT, 'prisma', 'schema.prisma'), 'utf8').match(/^model \w+ \{/gm) ?? []
).length;

/** Where a CLI run finds a registry: its data directory and, for PostgreSQL, its database URL. */
export type Place = { target: TestTarget; dataDir: string; databaseUrl?: string; drop(): Promise<void> };

/** A new, empty place: a data directory that does not exist yet, and for PostgreSQL a new database. */
export async function newPlace(target: TestTarget, root: string, name: string): Promise<Place> {
  const dataDir = path.join(root, name);
  if (target === 'pglite') return { target, dataDir, drop: async () => {} };
  const db = `drawbridge_backup_${crypto.randomBytes(5).toString('hex')}`;
  await admin((c) => c.query(`CREATE DATABASE ${db}`));
  const url = new URL(POSTGRES_URL!);
  url.pathname = `/${db}`;
  return {
    target,
    dataDir,
    databaseUrl: url.toString(),
    drop: () => admin((c) => c.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`)),
  };
}

async function admin(fn: (c: pg.Client) => Promise<unknown>): Promise<void> {
  const c = new pg.Client({ connectionString: POSTGRES_URL });
  await c.connect();
  try {
    await fn(c);
  } finally {
    await c.end();
  }
}

export async function openPlace(p: Place) {
  const opened = await openDatabase(
    p.databaseUrl ? { kind: 'postgres', url: p.databaseUrl } : { kind: 'pglite', dir: path.join(p.dataDir, 'pglite') },
    { migrationsDir: MIGRATIONS },
  );
  return { ...opened, store: new FsArtifactStore(path.join(p.dataDir, 'artifacts')) };
}

/** Fills a place through the registry's own operations, as a team would over a few days. */
export async function populate(p: Place): Promise<void> {
  const { db, store, close } = await openPlace(p);
  try {
    await seedDemo(db, store, { demoDir: path.join(ROOT, 'prisma', 'demo') });
    const users = await db.user.findMany();
    const actor = (role: Role): Actor => {
      const u = users.find((x) => x.role === role)!;
      return { id: u.id, email: u.email, name: u.name, role, via: 'session' };
    };
    const jobs = await db.trainingJob.findMany({ orderBy: { id: 'asc' } });
    const r = { db, store, actor, jobs } as unknown as Awaited<ReturnType<typeof openTestRegistry>>;
    const job = jobs.find((j) => (j.configParameters as { age_group_min: number }).age_group_min === 2)!;
    // Refused connections: deliveries stay in the outbox, with their attempts recorded.
    // Loopback needs the private-network switch of the egress policy (lib/registry/egress.ts).
    await createWebhook(
      db,
      actor('admin'),
      {
        environment: 'production',
        url: 'http://127.0.0.1:9/drawbridge-hook',
        events: ['model.deployed', 'request.approved'],
      },
      { egress: { allowPrivate: true } },
    );
    const first = await exportModelFromTrainingJob(db, store, actor('reviewer'), {
      trainingJobId: job.id,
      ageGroupMin: 2,
      ageGroupMax: 3,
      exportFormat: 'onnx',
    });
    await deployThroughReview(r, { model_id: first.modelId, age_group_min: 2, age_group_max: 3 });
    const second = await exportModelFromTrainingJob(db, store, actor('reviewer'), {
      trainingJobId: job.id,
      ageGroupMin: 2,
      ageGroupMax: 3,
      exportFormat: 'pytorch',
    });
    await deployThroughReview(r, {
      model_id: second.modelId,
      age_group_min: 2,
      age_group_max: 3,
      replace_existing: true,
    });
    await attachPreviewSummary(
      db,
      store,
      actor('reviewer'),
      second.modelId,
      await computePreviewSummaryForTest(db, store, second.modelId),
    );
    const request = await db.deploymentRequest.findFirstOrThrow({ orderBy: { createdAt: 'desc' } });
    const top = await addComment(db, actor('reviewer'), {
      requestId: request.id,
      body: 'Reconstructions look right; @admin please check the 2–3 threshold.',
    });
    await addComment(db, actor('admin'), { requestId: request.id, parentId: top.comment.id, body: 'Checked, fine.' });
    await createShareLink(db, actor('deployer'), second.modelId, { expiresInDays: 7 });
    await saveModelCard(db, actor('reviewer'), second.id, '## Intended use\n\nScreening 2–3 year olds.');
    await createSession(db, actor('viewer').id, 'backup-test');
    await createApiToken(db, actor('admin'), 'nightly-backup');
    // A failed sign-in: the throttle's counts (AuthThrottle) have a row to carry.
    await attemptSignIn(db, actor('viewer').email, 'not-the-password', '192.0.2.10');
  } finally {
    await close();
  }
}

/** Every table's rows as PostgreSQL renders them, sorted: equal maps mean equal databases. */
export async function tableRows(db: Db): Promise<Record<string, string[]>> {
  const tables = await db.$queryRawUnsafe<{ name: string }[]>(
    `SELECT table_name::text AS name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' AND table_name <> '_prisma_migrations' ORDER BY 1`,
  );
  const out: Record<string, string[]> = {};
  for (const { name } of tables) {
    const rows = await db.$queryRawUnsafe<{ j: string }[]>(`SELECT row_to_json(t)::text AS j FROM "${name}" t`);
    out[name] = rows.map((r) => r.j).sort();
  }
  return out;
}

/** SHA-256 → bytes of every object file under a store, each re-hashed from disk. */
export function storeObjects(dataDir: string): Map<string, { sha256: string; bytes: number }> {
  const root = path.join(dataDir, 'artifacts', 'objects');
  const out = new Map<string, { sha256: string; bytes: number }>();
  if (!fs.existsSync(root)) return out;
  for (const f of fs.readdirSync(root, { recursive: true, withFileTypes: true })) {
    if (!f.isFile()) continue;
    const bytes = fs.readFileSync(path.join(f.parentPath, f.name));
    out.set(f.name, { sha256: crypto.createHash('sha256').update(bytes).digest('hex'), bytes: bytes.length });
  }
  return out;
}

/** Entries of a tar file: name, data offset and size (an independent reader, for damaging archives on purpose). */
export function tarEntries(buf: Buffer): { name: string; offset: number; size: number; headerOffset: number }[] {
  const out = [];
  for (let at = 0; at + 512 <= buf.length;) {
    const h = buf.subarray(at, at + 512);
    if (h.every((b) => b === 0)) break;
    const name = h.subarray(0, 100).toString('utf8').replace(/\0.*$/s, '');
    const size = parseInt(h.subarray(124, 136).toString('ascii').replace(/\0.*$/s, '').trim(), 8);
    out.push({ name, offset: at + 512, size, headerOffset: at });
    at += 512 + Math.ceil(size / 512) * 512;
  }
  return out;
}

export function tempRoot(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'drawbridge-backup-test-'));
}
