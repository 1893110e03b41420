// One owner per embedded data directory, with the real server and the real CLI (no browser): this
// spec starts its own `next start` on its own data directory and port. While the server holds the
// directory, local-mode commands go through it or are refused, never a second opener; the data
// survives restarts. The reverse too: a local command holding the directory keeps the server (and
// `npm start`'s seed) from starting, naming it; once it exits the server starts.
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ok } from '../cli/test-support';
import { freePort } from './demo-server';
import { expect, test } from './fixtures';

const root = process.cwd();
const bin = (name: string) => path.join(root, 'node_modules', '.bin', name);
let dataDir: string;
let lockFile: string;
let port: number;
let url: string;
const env = () => ({
  ...process.env,
  DRAWBRIDGE_DATA_DIR: dataDir,
  DATABASE_URL: '',
  DRAWBRIDGE_DEMO: '1',
  DRAWBRIDGE_TOKEN: '',
});

type Run = { code: number | null; stdout: string; stderr: string };

function runProcess(cmd: string, args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: root, env: env(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const drawbridge = (...args: string[]) =>
  runProcess(process.execPath, [path.join(root, 'cli', 'drawbridge.mjs'), ...args]);
// Jobs only: this spec is about the lock, not the lived-in demo (which would only cost time).
const seed = () =>
  runProcess(process.execPath, [bin('tsx'), '--conditions=react-server', 'prisma/seed.ts', '--jobs-only']);

type Server = { child: ChildProcess; output: () => string; exited: Promise<number | null> };

function spawnServer(): Server {
  const child = spawn(process.execPath, [bin('next'), 'start', '-p', String(port), '-H', '127.0.0.1'], {
    cwd: root,
    env: env(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => out, exited };
}

/** Starts the server and waits for /api/health; fails with its output if it exits instead. */
async function startServer(): Promise<Server> {
  const s = spawnServer();
  let gone = false;
  void s.exited.then(() => (gone = true));
  for (let i = 0; i < 240; i++) {
    if (gone) throw new Error(`the server exited:\n${s.output()}`);
    const up = await fetch(`${url}/api/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (up) return s;
    await new Promise((r) => setTimeout(r, 250));
  }
  s.child.kill('SIGKILL');
  throw new Error(`the server did not answer /api/health:\n${s.output()}`);
}

async function stopServer(s: Server, signal: NodeJS.Signals = 'SIGTERM') {
  s.child.kill(signal); // `next start` is next-server itself (the lock names this pid)
  await s.exited;
}

const lock = () =>
  JSON.parse(fs.readFileSync(lockFile, 'utf8')) as {
    pid: number;
    kind: string;
    url: string | null;
    nonce: string;
    operatorSecret?: string;
    command: string | null;
  };
const sha256 = (file: string) => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');

/** The API as the server's local operator (the lock's secret): what the data looks like now. */
async function api<T>(apiPath: string, secret: string, init: RequestInit = {}): Promise<T> {
  const res = await fetch(`${url}${apiPath}`, {
    ...init,
    headers: { Authorization: `Bearer ${secret}`, ...(init.headers ?? {}) },
  });
  expect(res.status, `${apiPath}`).toBe(200);
  return (await res.json()) as T;
}

async function counts(secret: string) {
  const jobs = await api<{ total: number }>('/api/v1/training/jobs', secret);
  const exports = await api<{ total: number }>('/api/v1/training/models/exports', secret);
  const audit = await api<{ total: number }>('/api/v1/audit', secret);
  return { jobs: jobs.total, exports: exports.total, audit: audit.total };
}

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  // Seeding a data directory is minutes of CPU on a busy 2-core box running two spec files at once.
  test.setTimeout(180_000);
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'drawbridge-lock-e2e-'));
  lockFile = path.join(dataDir, 'pglite.lock');
  port = await freePort();
  url = `http://127.0.0.1:${port}`;
  ok(await seed());
  expect(fs.existsSync(lockFile)).toBe(false); // the seed released it when it closed
});
test.afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

let modelId: string;
let checksum: string;
let before: { jobs: number; exports: number; audit: number };

test('while the server holds the data directory, local-mode commands go through it or are refused; a restart finds everything intact', async () => {
  test.setTimeout(240_000);
  let server = await startServer();
  const held = lock();
  expect(held).toMatchObject({ pid: server.child.pid, kind: 'server', url });
  expect(fs.statSync(lockFile).mode & 0o777).toBe(0o600);
  const secret = held.operatorSecret!;
  expect(secret).toMatch(/^dbl_/);
  const through = `drawbridge: ${dataDir}/pglite is in use by the Drawbridge server (pid ${held.pid}); going through it at ${url}`;

  const jobs = ok(await drawbridge('jobs', 'list', '--json'));
  expect(jobs.stderr).toContain(through);
  expect(JSON.parse(jobs.stdout).total).toBe(8);

  const out = path.join(dataDir, 'age-2-3.onnx');
  const exported = ok(
    await drawbridge(
      'export',
      '--checkpoint',
      'prisma/demo/age-2-3.pth',
      '--min',
      '2',
      '--max',
      '3',
      '--format',
      'onnx',
      '--out',
      out,
      '--json',
    ),
  );
  expect(exported.stderr).toContain(through);
  ({ model_id: modelId, checksum } = JSON.parse(exported.stdout));
  expect(modelId).toMatch(/^autoencoder_2\.0_3\.0_/);
  expect(sha256(out)).toBe(checksum);

  const validated = ok(await drawbridge('validate', modelId, '--json'));
  expect(JSON.parse(validated.stdout).is_valid).toBe(true);

  // Exactly the named user's permissions: a viewer may not validate; an unknown user is nobody.
  const viewer = await drawbridge('validate', modelId, '--as', 'viewer@drawbridge.test');
  expect(viewer.code).toBe(1);
  expect(viewer.stderr).toMatch(/Your role \(viewer\) may not do this .*\(forbidden\)/);
  const nobody = await drawbridge('jobs', 'list', '--as', 'nobody@drawbridge.test');
  expect(nobody.code).toBe(1);
  expect(nobody.stderr).toContain('drawbridge: No user with email nobody@drawbridge.test. (unauthenticated)');

  // Commands that work on the database itself are refused, naming the owner and what to run.
  const owner = `is in use by the Drawbridge server (pid ${held.pid}, ${url}) since`;
  const users = await drawbridge('users', 'list');
  expect(users.code).toBe(1);
  expect(users.stderr).toContain(owner);
  expect(users.stderr).toContain('(data_dir_in_use)');
  expect(users.stderr).toContain(
    `An admin manages users on ${url}/settings/users, or stop the server (pid ${held.pid}) and run it again.`,
  );
  const migrate = await drawbridge('migrate');
  expect(migrate.code).toBe(1);
  expect(migrate.stderr).toContain(owner);
  expect(migrate.stderr).toContain(`stop the server (pid ${held.pid})`);
  const token = await drawbridge('tokens', 'create', '--email', 'admin@drawbridge.test', '--name', 'x');
  expect(token.code).toBe(1);
  expect(token.stderr).toContain(`${url}/settings/tokens`);

  // The server stayed the one owner throughout.
  expect(lock().nonce).toBe(held.nonce);

  // The audit trail names the user the command acted as, as local mode would.
  const audit = await api<{ events: { action: string; actorLabel: string; subjectId: string | null }[] }>(
    '/api/v1/audit',
    secret,
  );
  const exportEvent = audit.events.find((e) => e.action.startsWith('model.export') && e.subjectId === modelId);
  expect(exportEvent?.actorLabel).toBe('Ada Admin <admin@drawbridge.test>');
  // Only the current secret is a credential.
  const wrong = await fetch(`${url}/api/v1/training/jobs`, {
    headers: { Authorization: `Bearer ${secret.slice(0, -2)}xx` },
  });
  expect(wrong.status).toBe(401);
  expect((await wrong.json()).code).toBe('unauthenticated');

  before = await counts(secret);
  expect(before.jobs).toBe(8);
  expect(before.exports).toBe(1);

  await stopServer(server);
  expect(fs.existsSync(lockFile)).toBe(false);

  server = await startServer();
  const again = lock();
  expect(again.pid).toBe(server.child.pid);
  expect(again.operatorSecret).not.toBe(secret); // a new secret per start: the old one is dead
  expect((await fetch(`${url}/api/v1/training/jobs`, { headers: { Authorization: `Bearer ${secret}` } })).status).toBe(
    401,
  );
  expect(await counts(again.operatorSecret!)).toEqual(before);
  const revalidated = ok(await drawbridge('validate', modelId, '--json'));
  expect(JSON.parse(revalidated.stdout).is_valid).toBe(true);
  before = await counts(again.operatorSecret!); // the validation run is audited
  await stopServer(server);
  expect(fs.existsSync(lockFile)).toBe(false);
});

test('while a local command holds the data directory, the server and the seed refuse to start, naming it; then the server starts', async () => {
  test.setTimeout(240_000);
  const holder = spawn(process.execPath, [bin('tsx'), '--conditions=react-server', 'e2e/data-dir-lock-holder.ts'], {
    cwd: root,
    env: env(),
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const holderExited = new Promise<number | null>((resolve) => holder.on('exit', (code) => resolve(code)));
  const first = await new Promise<string>((resolve) => holder.stdout!.once('data', (d) => resolve(String(d))));
  expect(first.trim()).toBe('held 8');
  const h = lock();
  expect(h).toMatchObject({ kind: 'cli', url: null, command: 'drawbridge jobs list (held open by the e2e test)' });
  const named = `The embedded database at ${dataDir}/pglite is in use by a drawbridge command (pid ${h.pid}: drawbridge jobs list (held open by the e2e test)) since`;

  const refused = spawnServer();
  expect(await refused.exited).toBe(1);
  expect(refused.output()).toContain(`drawbridge: cannot serve: ${named}`);

  const seeded = await seed();
  expect(seeded.code).toBe(1);
  expect(seeded.stderr).toContain(`drawbridge: cannot start: ${named}`);
  expect(seeded.stderr).toContain(`Wait for it to finish (or stop it: kill ${h.pid}), then start again.`);

  const cli = await drawbridge('jobs', 'list');
  expect(cli.code).toBe(1);
  expect(cli.stderr).toContain(`${named}`);
  expect(cli.stderr).toContain('(data_dir_in_use)');
  expect(lock().nonce).toBe(h.nonce);

  holder.stdin!.end();
  expect(await holderExited).toBe(0);
  expect(fs.existsSync(lockFile)).toBe(false);

  let server = await startServer();
  const secret = lock().operatorSecret!;
  expect(await counts(secret)).toEqual(before);
  ok(await drawbridge('validate', modelId, '--json'));

  // A server killed outright leaves its lock behind; its pid is gone, so the next opener takes
  // it over: here a local command, which then runs on the database itself.
  await stopServer(server, 'SIGKILL');
  expect(lock().kind).toBe('server');
  const local = ok(await drawbridge('validate', modelId, '--json'));
  expect(local.stderr).toContain('acting as admin@drawbridge.test (admin)');
  expect(local.stderr).not.toContain('going through');
  expect(JSON.parse(local.stdout).is_valid).toBe(true);
  expect(fs.existsSync(lockFile)).toBe(false);
  const listed = JSON.parse(ok(await drawbridge('exports', 'list', '--json')).stdout);
  expect(listed.exports.map((e: { model_id: string; checksum: string }) => [e.model_id, e.checksum])).toEqual([
    [modelId, checksum],
  ]);
  expect(fs.existsSync(lockFile)).toBe(false);

  server = await startServer();
  const after = await counts(lock().operatorSecret!);
  expect(after.jobs).toBe(before.jobs);
  expect(after.exports).toBe(before.exports);
  expect(JSON.parse(ok(await drawbridge('validate', modelId, '--json')).stdout).is_valid).toBe(true);
  await stopServer(server);
});
