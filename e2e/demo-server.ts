// A fresh `npm start` of its own for the specs about the demo as a newcomer sees it: a new data
// directory, the seed `npm start` runs (demo mode, the embedded database) and `next start` on a
// free port. It runs what scripts/start.mjs runs after its build check; the build is the one the
// suite already made (NEXT_DIST_DIR), so nothing is rebuilt.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const root = process.cwd();
const bin = (name: string) => path.join(root, 'node_modules', '.bin', name);

export type DemoServer = { url: string; dataDir: string; output: () => string; stop: () => Promise<void> };

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

/** Seeds a new data directory as `npm start` does and serves it; resolves once /api/health answers. */
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
  const child: ChildProcess = spawn(
    'sh',
    [
      '-c',
      `node ${bin('tsx')} --conditions=react-server prisma/seed.ts && exec node ${bin('next')} start -H 127.0.0.1 -p ${port}`,
    ],
    { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  let gone = false;
  const exited = new Promise<void>((resolve) =>
    child.on('exit', () => {
      gone = true;
      resolve();
    }),
  );
  const stop = async () => {
    if (!gone) child.kill('SIGTERM');
    await exited;
    fs.rmSync(dataDir, { recursive: true, force: true });
  };
  for (let i = 0; i < 720; i++) {
    if (gone) throw new Error(`the demo server exited:\n${out}`);
    const up = await fetch(`${url}/api/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (up) return { url, dataDir, output: () => out, stop };
    await new Promise((r) => setTimeout(r, 250));
  }
  await stop();
  throw new Error(`the demo server did not answer /api/health:\n${out}`);
}
