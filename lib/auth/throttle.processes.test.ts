// The lockout holds across server processes on PostgreSQL: two child Node processes (tsx), each
// with its own connection pool on one database, as two `next start` behind a load balancer.
// Needs DRAWBRIDGE_TEST_POSTGRES_URL (npm test starts a cluster and sets it).
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type OpenedDatabase } from '../db';
import { POSTGRES_URL } from '../db/test-databases';
import { hashPassword } from './password';

const ROOT = path.join(import.meta.dirname, '..', '..');
const MIGRATIONS = path.join(ROOT, 'prisma', 'migrations');
const PASSWORD = 'the right one';

type Child = { ready: Promise<void>; go(): void; done: Promise<{ pid: number; out: string[] }> };

function child(url: string, ...args: string[]): Child {
  const p = spawn(
    process.execPath,
    [
      path.join(ROOT, 'node_modules', '.bin', 'tsx'),
      '--conditions=react-server',
      path.join(import.meta.dirname, 'test-support', 'throttle-child.ts'),
      ...args,
    ],
    {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: url, DRAWBRIDGE_MIGRATIONS_DIR: MIGRATIONS },
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  let markReady: () => void;
  const ready = new Promise<void>((r) => (markReady = r));
  p.stdout.on('data', (d) => {
    stdout += d;
    if (stdout.includes('ready\n')) markReady();
  });
  p.stderr.on('data', (d) => (stderr += d));
  const done = new Promise<{ pid: number; out: string[] }>((resolve, reject) =>
    p.on('close', (code) => {
      const line = stdout.split('\n').find((l) => l.startsWith('{'));
      if (code === 0 && line) resolve(JSON.parse(line));
      else reject(new Error(`child ${args.join(' ')} exited ${code}: ${stderr.slice(-2000)}`));
    }),
  );
  done.catch(() => markReady());
  return { ready, go: () => p.stdin.end('go\n'), done };
}

async function run(...children: Child[]) {
  await Promise.all(children.map((c) => c.ready));
  for (const c of children) c.go();
  return Promise.all(children.map((c) => c.done));
}

describe.skipIf(!POSTGRES_URL)('throttling across two server processes on PostgreSQL', () => {
  const name = `drawbridge_test_${crypto.randomBytes(6).toString('hex')}`;
  let url: string;
  let opened: OpenedDatabase;

  beforeAll(async () => {
    const admin = new pg.Client({ connectionString: POSTGRES_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const u = new URL(POSTGRES_URL!);
    u.pathname = `/${name}`;
    url = u.toString();
    opened = await openDatabase({ kind: 'postgres', url }, { migrationsDir: MIGRATIONS });
    const passwordHash = await hashPassword(PASSWORD);
    for (const email of ['locked@x.test', 'burst@x.test'])
      await opened.db.user.create({ data: { email, name: email, role: 'viewer', passwordHash } });
  }, 120_000);
  afterAll(async () => {
    await opened?.close();
    const a = new pg.Client({ connectionString: POSTGRES_URL });
    await a.connect();
    await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await a.end();
  });

  it('30 wrong passwords in one process lock the account; the right password in the other is refused', async () => {
    const [a] = await run(child(url, 'wrong', 'locked@x.test', '30'));
    expect(a.out.filter((o) => o === 'invalid')).toHaveLength(10);
    expect(a.out.filter((o) => o.startsWith('throttled:'))).toHaveLength(20);
    const [b] = await run(child(url, 'right', 'locked@x.test', PASSWORD));
    expect(b.pid).not.toBe(a.pid);
    expect(b.out).toHaveLength(1);
    const [, wait] = b.out[0].split(':');
    expect(b.out[0]).toMatch(/^throttled:\d+$/);
    expect(Number(wait)).toBeGreaterThan(890);
    const audit = await opened.db.auditEvent.findMany({ where: { action: 'auth.lockout' } });
    expect(audit).toHaveLength(1);
  }, 120_000);

  it('two processes guessing at once share one count: 2 × 10 parallel guesses, 5 checked in all', async () => {
    const [a, b] = await run(child(url, 'burst', 'burst@x.test', '10'), child(url, 'burst', 'burst@x.test', '10'));
    const all = [...a.out, ...b.out];
    expect(all.filter((o) => o === 'invalid')).toHaveLength(5);
    expect(all.filter((o) => o.startsWith('throttled:'))).toHaveLength(15);
    expect(await opened.db.authThrottle.findUnique({ where: { key: 'account:burst@x.test' } })).toMatchObject({
      failures: 5,
    });
  }, 120_000);
});
