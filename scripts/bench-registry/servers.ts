// Real production servers for the benchmark: `next start` of the one build, each on a data
// directory of its own, as `npm start` serves (scripts/start.mjs), minus its demo seed.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { getOnce } from './load';
export { freePort } from '../../e2e/demo-server';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const NEXT = path.join(ROOT, 'node_modules', 'next', 'dist', 'bin', 'next');
/** Where the build lives: next.config.ts reads the same variable. */
const DIST = path.join(ROOT, process.env.NEXT_DIST_DIR || '.next');

export type BenchServer = { url: string; label: string; output: () => string; stop: () => Promise<void> };

/** The newest modification time under the sources the build depends on. */
function newestSource(): number {
  let newest = 0;
  const walk = (p: string) => {
    const st = fs.statSync(p, { throwIfNoEntry: false });
    if (!st) return;
    if (!st.isDirectory()) newest = Math.max(newest, st.mtimeMs);
    else if (!p.endsWith('generated')) for (const e of fs.readdirSync(p)) walk(path.join(p, e));
  };
  for (const p of ['app', 'components', 'lib', 'proxy.ts', 'next.config.ts', 'prisma/schema.prisma'])
    walk(path.join(ROOT, p));
  return newest;
}

/**
 * Builds when there is no build, or when a source is newer than it (benchmarking yesterday's code
 * would flatter or slander today's). BENCH_REBUILD=0 keeps a stale build, and says so.
 */
export function ensureBuild(): void {
  const buildId = path.join(DIST, 'BUILD_ID');
  const built = fs.statSync(buildId, { throwIfNoEntry: false });
  const stale = built && newestSource() > built.mtimeMs;
  if (built && !stale) return;
  if (stale && process.env.BENCH_REBUILD === '0') {
    console.log(`warning: ${path.relative(ROOT, DIST)} is older than the sources (BENCH_REBUILD=0 keeps it)`);
    return;
  }
  console.log(`building the app into ${path.relative(ROOT, DIST)} (${built ? 'sources changed' : 'no build'})…`);
  const r = spawnSync(process.execPath, [NEXT, 'build'], { cwd: ROOT, stdio: 'inherit', env: process.env });
  if (r.status !== 0) throw new Error(`next build failed (exit ${r.status})`);
}

/** `next start` on `dataDir`; resolves once /api/health answers 200. */
export async function startServer(label: string, dataDir: string, port: number): Promise<BenchServer> {
  const url = `http://127.0.0.1:${port}`;
  const env = {
    ...process.env,
    DRAWBRIDGE_DATA_DIR: dataDir,
    DATABASE_URL: '',
    DRAWBRIDGE_DEMO: '0',
    DRAWBRIDGE_TOKEN: '',
    DRAWBRIDGE_PUBLIC_URL: url,
    PORT: String(port),
  };
  // Its own process group, so stopping it stops next-server and whatever it forked, and only those.
  const child: ChildProcess = spawn(process.execPath, [NEXT, 'start', '-H', '127.0.0.1', '-p', String(port)], {
    cwd: ROOT,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  for (const stream of [child.stdout!, child.stderr!]) stream.on('data', (d) => (out += d));
  let gone = false;
  const exited = once(child, 'exit').then(() => void (gone = true));
  const stop = async () => {
    if (!gone) process.kill(-child.pid!, 'SIGTERM');
    const killed = setTimeout(() => !gone && process.kill(-child.pid!, 'SIGKILL'), 10_000);
    await exited;
    clearTimeout(killed);
  };
  const health = new URL('/api/health', url);
  const agent = new http.Agent();
  try {
    for (let i = 0; i < 1200 && !gone; i++) {
      const status = await getOnce(health, {}, agent).then(
        (s) => s.status,
        () => 0,
      );
      if (status === 200) return { url, label, output: () => out, stop };
      await new Promise((r) => setTimeout(r, 250));
    }
  } finally {
    agent.destroy();
  }
  if (gone) throw new Error(`the ${label} server exited:\n${out}`);
  await stop();
  throw new Error(`the ${label} server did not answer /api/health in 5 minutes:\n${out}`);
}
