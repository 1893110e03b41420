import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';

export type CliRun = { code: number | null; stdout: string; stderr: string };

/** `r` when the command exited 0; otherwise an error carrying its exit code and both streams. */
export function ok<R extends CliRun>(r: R): R {
  if (r.code !== 0) throw new Error(`exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return r;
}

/**
 * Runs the real `drawbridge` binary in local mode on `dataDir` (never a server, never a token).
 * `databaseUrl` points it at PostgreSQL instead of the embedded database.
 */
export function runCli(
  args: string[],
  opts: { cwd: string; dataDir: string; stdin?: string; databaseUrl?: string },
): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(import.meta.dirname, 'drawbridge.mjs'), ...args], {
      cwd: opts.cwd,
      env: {
        ...process.env,
        DRAWBRIDGE_DATA_DIR: opts.dataDir,
        DATABASE_URL: opts.databaseUrl ?? '',
        DRAWBRIDGE_TOKEN: '',
      },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(opts.stdin ?? '');
  });
}

/**
 * The same command through the CLI's own main() in this process: what the binary runs after its
 * start-up, for the suites that issue dozens of commands (each spawned binary pays node's start
 * and the bundle's load again). The environment, stdin and the output streams are the command's
 * for the duration of the call, then restored; commands run one at a time. `cwd` is the directory
 * relative paths in `args` resolve against, as the binary's would: process.chdir is process-wide,
 * which is safe because vitest runs each file in its own worker process and its tests in turn.
 */
export async function runCliInProcess(
  args: string[],
  opts: { dataDir: string; stdin?: string; databaseUrl?: string; cwd?: string },
): Promise<CliRun> {
  // Two at once would share the swapped env, cwd and streams: a test must await each command.
  if (inFlight) throw new Error(`runCliInProcess: "${inFlight}" is still running; await it first`);
  inFlight = args.join(' ') || '(no arguments)';
  try {
    return await runMain(args, opts);
  } finally {
    inFlight = null;
  }
}

let inFlight: string | null = null;
// The artifact store the process opened for its configured data directory (lib/storage): a new
// process would open the command's own, so each call starts without one and the caller's returns.
const g = globalThis as unknown as { __drawbridgeStore?: unknown };

async function runMain(
  args: string[],
  opts: { dataDir: string; stdin?: string; databaseUrl?: string; cwd?: string },
): Promise<CliRun> {
  const { main } = await import('./main');
  const r = { code: 0 as number | null, stdout: '', stderr: '' };
  const repo = path.join(import.meta.dirname, '..');
  const env = {
    DRAWBRIDGE_DATA_DIR: opts.dataDir,
    DATABASE_URL: opts.databaseUrl ?? '',
    DRAWBRIDGE_TOKEN: '',
    // What drawbridge.mjs sets when unset: the checkout's files, wherever the command runs from.
    DRAWBRIDGE_ROOT: process.env.DRAWBRIDGE_ROOT ?? repo,
    DRAWBRIDGE_MIGRATIONS_DIR: process.env.DRAWBRIDGE_MIGRATIONS_DIR ?? path.join(repo, 'prisma', 'migrations'),
    DRAWBRIDGE_DEMO_DIR: process.env.DRAWBRIDGE_DEMO_DIR ?? path.join(repo, 'prisma', 'demo'),
  };
  const savedEnv = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  const writes = { stdout: process.stdout.write, stderr: process.stderr.write };
  const stdin = Object.getOwnPropertyDescriptor(process, 'stdin')!;
  const savedCwd = process.cwd();
  const savedStore = g.__drawbridgeStore;
  g.__drawbridgeStore = undefined;
  Object.assign(process.env, env);
  for (const to of ['stdout', 'stderr'] as const)
    process[to].write = ((chunk: string | Uint8Array) => {
      r[to] += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
      return true;
    }) as typeof process.stdout.write;
  Object.defineProperty(process, 'stdin', {
    value: Readable.from([Buffer.from(opts.stdin ?? '')]),
    configurable: true,
  });
  try {
    if (opts.cwd) process.chdir(opts.cwd);
    r.code = await main(args);
  } finally {
    g.__drawbridgeStore = savedStore;
    process.chdir(savedCwd);
    process.stdout.write = writes.stdout;
    process.stderr.write = writes.stderr;
    Object.defineProperty(process, 'stdin', stdin);
    for (const [k, v] of Object.entries(savedEnv)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
  return r;
}

/**
 * Puts a migrated, empty embedded database at `dataDir` (a copy of the test template, see
 * lib/db/test-databases), so the suite's first command does not migrate a new one (5–20 s on the
 * 2-core CI machine). The binary's migration of a new data directory is cli/startup.test's.
 */
export async function createMigratedDataDir(dataDir: string): Promise<void> {
  const { openTestDatabase } = await import('../lib/db/test-databases');
  fs.mkdirSync(dataDir, { recursive: true });
  const t = await openTestDatabase('pglite');
  await t.close();
  fs.renameSync(t.adapter.location, path.join(dataDir, 'pglite'));
}
