/**
 * A small pool of worker threads for CPU- and memory-heavy work on untrusted bytes, so a hostile or
 * huge file costs one worker, never the server's event loop.
 *
 * Each task runs in a worker with a V8 heap ceiling (`resourceLimits`) and a time limit. Past the
 * time limit the worker is terminated and replaced and the task fails with `processing_timeout`;
 * a worker that runs out of heap fails its task with `processing_out_of_memory`; one that dies any
 * other way fails its task with `worker_crashed`. ArrayBuffers live outside the V8 heap, so the
 * format readers' caps (lib/formats) are what really bound memory; the heap ceiling catches the rest.
 *
 * Idle workers are unref'd (they never keep a CLI or a test run alive) and exit after
 * `idleTimeoutMs`. Tasks get their payload's ArrayBuffers transferred, not copied, and the caller
 * must not use them afterwards (see `transferable`).
 */
import { Worker } from 'node:worker_threads';
import {
  ModelCompatibilityError,
  ModelDeploymentError,
  ModelExportError,
  ModelValidationError,
} from '../formats/errors';

export type PoolOptions = {
  /** The worker bootstrap (lib/workers/entry.mjs): an absolute file path. */
  entry: string;
  /** file:// URL of the module whose exported functions are the tasks. */
  tasksUrl: string;
  size: number;
  /** Per-task wall-clock limit. */
  timeoutMs: number;
  /** V8 old-generation ceiling per worker. */
  heapMb: number;
  /** Tasks waiting beyond this are refused at once (`server_busy`). */
  maxQueue?: number;
  idleTimeoutMs?: number;
};

type Job = {
  task: string;
  payload: unknown;
  transfer: ArrayBuffer[];
  timeoutMs: number;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
};

type Slot = { worker: Worker; job: Job | null; timer: NodeJS.Timeout | null; idle: NodeJS.Timeout | null; id: number };

type WireError = { name: string; code?: string; message: string; details?: Record<string, unknown> };
type Reply = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: WireError };

const ERROR_CLASSES: Record<
  string,
  new (code: string, message: string, details?: Record<string, unknown>) => ModelDeploymentError
> = {
  ModelDeploymentError,
  ModelExportError,
  ModelValidationError,
  ModelCompatibilityError,
};

/** An error thrown inside a task, rebuilt on this side as the same class (typed errors keep their code). */
function revive(e: WireError): Error {
  const cls = ERROR_CLASSES[e.name];
  if (cls && e.code) return new cls(e.code, e.message, e.details ?? {});
  const err = new Error(e.message);
  err.name = e.name;
  return err;
}

export class WorkerPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private seq = 0;
  private closed = false;

  constructor(private readonly opts: PoolOptions) {}

  get isClosed(): boolean {
    return this.closed;
  }

  /** Workers alive now (busy or idle); for tests and diagnostics. */
  get workerCount(): number {
    return this.slots.length;
  }

  run<T>(task: string, payload: unknown, opts: { transfer?: ArrayBuffer[]; timeoutMs?: number } = {}): Promise<T> {
    if (this.closed) return Promise.reject(new Error('the worker pool is closed'));
    const busy = this.slots.filter((s) => s.job).length;
    if (busy >= this.opts.size && this.queue.length >= (this.opts.maxQueue ?? 64)) {
      return Promise.reject(
        new ModelDeploymentError(
          'server_busy',
          `The server is busy processing ${busy + this.queue.length} files; try again in a minute.`,
          { retryAfterSeconds: 30 },
        ),
      );
    }
    return new Promise<T>((resolve, reject) => {
      this.queue.push({
        task,
        payload,
        transfer: opts.transfer ?? [],
        timeoutMs: opts.timeoutMs ?? this.opts.timeoutMs,
        resolve: resolve as (v: unknown) => void,
        reject,
      });
      this.dispatch();
    });
  }

  /** Terminates every worker; running and queued tasks are refused. */
  async close(): Promise<void> {
    this.closed = true;
    for (const j of this.queue.splice(0)) j.reject(new Error('the worker pool is closed'));
    await Promise.all(this.slots.splice(0).map((s) => this.stop(s)));
  }

  private dispatch(): void {
    while (this.queue.length) {
      let slot = this.slots.find((s) => !s.job);
      if (!slot && this.slots.length < this.opts.size) slot = this.spawn();
      if (!slot) return;
      this.start(slot, this.queue.shift() as Job);
    }
  }

  private spawn(): Slot {
    const worker = new Worker(/*turbopackIgnore: true*/ this.opts.entry, {
      workerData: { tasksUrl: this.opts.tasksUrl },
      resourceLimits: {
        maxOldGenerationSizeMb: this.opts.heapMb,
        maxYoungGenerationSizeMb: Math.min(64, Math.max(8, this.opts.heapMb / 8)),
      },
      // The parent's flags (a test runner's, Next's) mean nothing to a task worker.
      execArgv: [],
      stdout: false,
      stderr: false,
    });
    const slot: Slot = { worker, job: null, timer: null, idle: null, id: this.seq++ };
    worker.on('message', (m: Reply) => this.finish(slot, m));
    worker.on('error', (e: Error & { code?: string }) => this.fail(slot, e));
    worker.on('exit', (code) => this.fail(slot, new Error(`the worker exited with code ${code}`)));
    this.slots.push(slot);
    return slot;
  }

  private start(slot: Slot, job: Job): void {
    if (slot.idle) clearTimeout(slot.idle);
    slot.idle = null;
    slot.job = job;
    slot.worker.ref();
    slot.timer = setTimeout(() => {
      slot.timer = null;
      const secs = Math.round(job.timeoutMs / 100) / 10;
      this.fail(
        slot,
        new ModelValidationError(
          'processing_timeout',
          `Processing took longer than the ${secs} s limit and was stopped; the file costs more than this server allows.`,
          { limitSeconds: secs },
        ),
      );
    }, job.timeoutMs);
    try {
      slot.worker.postMessage({ task: job.task, payload: job.payload }, job.transfer);
    } catch (e) {
      // Not transferable (e.g. a pooled Buffer): send a copy instead.
      try {
        slot.worker.postMessage({ task: job.task, payload: job.payload });
      } catch (e2) {
        this.settle(slot);
        job.reject(e2 instanceof Error ? e2 : e);
      }
    }
  }

  private settle(slot: Slot): Job | null {
    const job = slot.job;
    if (slot.timer) clearTimeout(slot.timer);
    slot.timer = null;
    slot.job = null;
    return job;
  }

  private finish(slot: Slot, m: Reply): void {
    const job = this.settle(slot);
    if (!job) return;
    if (m.ok) job.resolve(m.result);
    else job.reject(revive(m.error));
    slot.worker.unref();
    const idleMs = this.opts.idleTimeoutMs ?? 30_000;
    slot.idle = setTimeout(() => this.retire(slot), idleMs);
    slot.idle.unref();
    this.dispatch();
  }

  /** The worker is gone or must go: fail its task with a typed error and replace it. */
  private fail(slot: Slot, e: Error & { code?: string }): void {
    if (!this.slots.includes(slot)) return;
    const job = this.settle(slot);
    this.retire(slot);
    if (job) {
      if (e instanceof ModelDeploymentError) job.reject(e);
      else if (e.code === 'ERR_WORKER_OUT_OF_MEMORY') {
        job.reject(
          new ModelValidationError(
            'processing_out_of_memory',
            `Processing needed more than the ${this.opts.heapMb} MB of memory one file may use, and was stopped.`,
            {
              limitMb: this.opts.heapMb,
            },
          ),
        );
      } else if (
        e.code === 'ERR_WORKER_INIT_FAILED' ||
        /Cannot find module|ERR_MODULE_NOT_FOUND/.test(String(e.message))
      ) {
        job.reject(new Error(`the worker could not start: ${e.message}`));
      } else {
        job.reject(
          new ModelDeploymentError(
            'worker_crashed',
            `The worker processing this file stopped unexpectedly (${e.message}); try again.`,
          ),
        );
      }
    }
    this.dispatch();
  }

  private retire(slot: Slot): void {
    const i = this.slots.indexOf(slot);
    if (i >= 0) this.slots.splice(i, 1);
    void this.stop(slot);
  }

  private async stop(slot: Slot): Promise<void> {
    if (slot.idle) clearTimeout(slot.idle);
    if (slot.timer) clearTimeout(slot.timer);
    slot.worker.removeAllListeners('exit');
    slot.worker.on('error', () => {});
    await slot.worker.terminate();
  }
}

/**
 * `bytes` as a Uint8Array that owns its whole ArrayBuffer, ready to transfer: a view into a larger
 * or shared buffer (a pooled Buffer, a slice of an archive) is copied first, since transferring
 * would detach, and structured cloning would copy, everything around it.
 */
export function transferable(bytes: Uint8Array): Uint8Array {
  if (bytes.buffer instanceof ArrayBuffer && bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength)
    return bytes;
  return bytes.slice();
}

/** The ArrayBuffers under typed arrays anywhere in `value` (each once), for a transfer list. */
export function buffersOf(value: unknown, out = new Set<ArrayBuffer>(), depth = 0): ArrayBuffer[] {
  if (depth > 32 || value === null || typeof value !== 'object') return [...out];
  if (ArrayBuffer.isView(value)) {
    if (value.buffer instanceof ArrayBuffer && value.buffer.byteLength > 0) out.add(value.buffer);
  } else if (Array.isArray(value)) for (const v of value) buffersOf(v, out, depth + 1);
  else if (Object.getPrototypeOf(value) === Object.prototype)
    for (const v of Object.values(value)) buffersOf(v, out, depth + 1);
  return [...out];
}
