// A fresh `npm start` of its own for the specs about the demo as a newcomer sees it: a new data
// directory, the seed `npm start` runs (demo mode, the embedded database) and `next start` on a
// free port. It runs what scripts/start.mjs runs after its build check; the build is the one the
// suite already made (NEXT_DIST_DIR), so nothing is rebuilt. e2e/demo.setup.ts starts it once per
// run and e2e/demo.teardown.ts stops it (playwright.config.ts: the demo-setup project).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pidAlive as alive } from '../lib/pid-alive';

const root = process.cwd();
const bin = (name: string) => path.join(root, 'node_modules', '.bin', name);

/** What the demo setup leaves for the specs and the teardown (a file: they run in other workers). */
export type DemoServer = { url: string; dataDir: string; pid: number; log: string };

/** Where the running demo server is described; one per E2E_PORT, like the saved sign-ins. */
export function demoStateFile(): string {
  return path.join(import.meta.dirname, '.auth', process.env.E2E_PORT || 'default', 'demo-server.json');
}

/** A port the OS says is free on loopback now (the specs that start servers of their own take one). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

/**
 * Seeds a new data directory as `npm start` does and serves it; resolves once /api/health answers.
 * The server is detached (its own process group, its output in a log file): it outlives the setup
 * worker that started it, so every worker's tests share its one seed; stopDemoServer ends it.
 */
export async function startDemoServer(): Promise<DemoServer> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'drawbridge-demo-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const env = {
    ...process.env,
    DRAWBRIDGE_DATA_DIR: dataDir,
    DATABASE_URL: '',
    DRAWBRIDGE_DEMO: '',
    DRAWBRIDGE_TOKEN: '',
    DRAWBRIDGE_PUBLIC_URL: url,
    PORT: String(port),
  };
  const log = path.join(dataDir, 'server.log');
  const out = fs.openSync(log, 'a');
  const child = spawn(
    'sh',
    [
      '-c',
      `node ${bin('tsx')} --conditions=react-server prisma/seed.ts && exec node ${bin('next')} start -H 127.0.0.1 -p ${port}`,
    ],
    { cwd: root, env, stdio: ['ignore', out, out], detached: true },
  );
  fs.closeSync(out);
  child.unref();
  const server: DemoServer = { url, dataDir, pid: child.pid!, log };
  for (let i = 0; i < 720; i++) {
    if (!alive(server.pid)) throw new Error(`the demo server exited:\n${fs.readFileSync(log, 'utf8')}`);
    const up = await fetch(`${url}/api/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (up) return server;
    await new Promise((r) => setTimeout(r, 250));
  }
  const said = fs.readFileSync(log, 'utf8');
  await stopDemoServer(server);
  throw new Error(`the demo server did not answer /api/health:\n${said}`);
}

/** Ends the demo server's process group (the seed's shell and the server) and removes its data. */
export async function stopDemoServer(server: DemoServer) {
  try {
    process.kill(-server.pid, 'SIGTERM');
  } catch {
    // already gone
  }
  for (let i = 0; i < 100 && alive(server.pid); i++) await new Promise((r) => setTimeout(r, 100));
  if (alive(server.pid)) process.kill(-server.pid, 'SIGKILL');
  fs.rmSync(server.dataDir, { recursive: true, force: true });
}
