/**
 * The server's task pool: one per process, created on first use, sized to the machine. Where the
 * worker files are: DRAWBRIDGE_ROOT (the CLI sets it to its checkout) or the working directory
 * (the Next.js server and vitest run from the repository root); bundled code has no usable
 * import.meta.url of its own, so the files are found on disk.
 *
 * Settings: DRAWBRIDGE_WORKERS (pool size; default: cores − 1, 1 to 4), DRAWBRIDGE_WORKER_TIMEOUT_S
 * (per task, default 120), DRAWBRIDGE_WORKER_HEAP_MB (V8 heap per worker, default 256).
 */
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Autoencoder } from '../formats/types';
import { buffersOf, transferable, WorkerPool } from './pool';
import type * as Tasks from './tasks';

type TaskFns = typeof Tasks;
export type TaskName = keyof TaskFns;

function positive(name: string, fallback: number): number {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v > 0 ? v : fallback;
}

/** Where lib/workers lives on disk. */
export function workerFiles(): { entry: string; tasksUrl: string } {
  const root = path.resolve(/*turbopackIgnore: true*/ process.env.DRAWBRIDGE_ROOT || process.cwd());
  const dir = path.join(/*turbopackIgnore: true*/ root, 'lib', 'workers');
  const entry = path.join(/*turbopackIgnore: true*/ dir, 'entry.mjs');
  if (!existsSync(entry)) {
    throw new Error(
      `cannot find the task worker at ${entry}; run from the Drawbridge checkout or set DRAWBRIDGE_ROOT to it`,
    );
  }
  return { entry, tasksUrl: pathToFileURL(path.join(/*turbopackIgnore: true*/ dir, 'tasks.ts')).href };
}

// On globalThis: a bundler may give each route its own copy of this module, but the process
// gets one pool, sized to the machine once.
const holder = globalThis as typeof globalThis & { __drawbridgeTaskPool?: WorkerPool };

export function taskPool(): WorkerPool {
  let pool = holder.__drawbridgeTaskPool;
  if (!pool || pool.isClosed) {
    const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
    pool = new WorkerPool({
      ...workerFiles(),
      size: Math.floor(positive('DRAWBRIDGE_WORKERS', Math.max(1, Math.min(4, cores - 1)))),
      timeoutMs: positive('DRAWBRIDGE_WORKER_TIMEOUT_S', 120) * 1000,
      heapMb: positive('DRAWBRIDGE_WORKER_HEAP_MB', 256),
    });
    holder.__drawbridgeTaskPool = pool;
  }
  return pool;
}

/**
 * Runs a task off the event loop. Buffers in `payload` are transferred (the caller's copies become
 * unusable): pass bytes through `transferable` first, or list nothing with `copy: true`.
 */
export function runTask<K extends TaskName>(
  task: K,
  payload: Parameters<TaskFns[K]>[0],
  opts: { copy?: boolean } = {},
): Promise<Awaited<ReturnType<TaskFns[K]>>> {
  return taskPool().run(task, payload, { transfer: opts.copy ? [] : buffersOf(payload) });
}

/** parseCheckpoint in a worker: the autoencoder, or the typed refusal. */
export function parseCheckpointInWorker(bytes: Uint8Array): Promise<Autoencoder> {
  return runTask('parseCheckpoint', { bytes: transferable(bytes) });
}

export { transferable };
