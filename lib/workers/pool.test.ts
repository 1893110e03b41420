import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { ModelDeploymentError, ModelValidationError } from '../formats/errors';
import { hostileCheckpoints } from '../formats/test-support/hostile-checkpoints';
import { parseCheckpointInWorker, taskPool } from './index';
import { WorkerPool, transferable } from './pool';

const here = path.dirname(new URL(import.meta.url).pathname);
const pool = new WorkerPool({
  entry: path.join(here, 'entry.mjs'),
  tasksUrl: pathToFileURL(path.join(here, 'test-support', 'test-tasks.ts')).href,
  size: 1,
  timeoutMs: 1500,
  heapMb: 64,
});
afterAll(() => pool.close());

async function refusal(p: Promise<unknown>) {
  try {
    await p;
  } catch (e) {
    return e as ModelDeploymentError;
  }
  throw new Error('expected a refusal');
}

describe('WorkerPool', () => {
  it('runs a task with transferred bytes and returns plain data', async () => {
    const bytes = transferable(Uint8Array.from([1, 2, 3, 250]));
    const r = await pool.run<{ sum: number; length: number; doubled: Uint8Array }>(
      'sum',
      { bytes },
      { transfer: [bytes.buffer as ArrayBuffer] },
    );
    expect(r.sum).toBe(256);
    expect(Array.from(r.doubled)).toEqual([2, 4, 6, 244]);
    expect(bytes.byteLength).toBe(0); // moved, not copied
  });

  it('enforces the time limit: a spinning worker is terminated, the task refused, the next task served', async () => {
    const t0 = performance.now();
    const e = await refusal(pool.run('spin', { ms: 60_000 }));
    const waited = performance.now() - t0;
    console.log(`time limit: refused after ${Math.round(waited)} ms (limit 1500 ms)`);
    expect(e).toBeInstanceOf(ModelValidationError);
    expect(e.code).toBe('processing_timeout');
    expect(waited).toBeLessThan(5000);
    expect(await pool.run('spin', { ms: 1 })).toBeGreaterThan(0);
  });

  it('enforces the memory ceiling: a worker past its heap limit is replaced', async () => {
    const e = await refusal(pool.run('hog', {}, { timeoutMs: 30_000 }));
    console.log(`memory ceiling: ${e.code} — ${e.message}`);
    expect(e).toBeInstanceOf(ModelValidationError);
    expect(e.code).toBe('processing_out_of_memory');
    expect(e.message).toContain('64 MB');
    expect((await pool.run<{ sum: number }>('sum', { bytes: Uint8Array.from([7]) })).sum).toBe(7);
  });

  it('survives a crashed worker: its task fails typed, the pool carries on', async () => {
    const e = await refusal(pool.run('crash', {}));
    expect(e).toBeInstanceOf(ModelDeploymentError);
    expect(e.code).toBe('worker_crashed');
    const results = await Promise.all(
      [1, 2, 3].map((n) => pool.run<{ sum: number }>('sum', { bytes: Uint8Array.from([n]) })),
    );
    expect(results.map((r) => r.sum)).toEqual([1, 2, 3]);
    expect(pool.workerCount).toBe(1);
  });

  it('typed errors thrown in a task keep their class and code', async () => {
    const e = await refusal(pool.run('refuse', {}));
    expect(e).toBeInstanceOf(ModelValidationError);
    expect([e.code, e.message, e.details]).toEqual(['tensor_too_large', 'refused in the worker', { needed: 8 }]);
  });
});

describe('the server pool (lib/workers/tasks.ts)', () => {
  it('refuses the hostile checkpoints off the event loop, which keeps ticking meanwhile', async () => {
    const hostile = hostileCheckpoints(); // building the bomb takes a deflate of its own: not timed
    let ticks = 0;
    let maxGap = 0;
    let last = performance.now();
    const timer = setInterval(() => {
      const now = performance.now();
      maxGap = Math.max(maxGap, now - last);
      last = now;
      ticks++;
    }, 10);
    try {
      for (const c of hostile) {
        const e = await refusal(parseCheckpointInWorker(c.bytes));
        expect(e.code, c.name).toBe(c.code);
      }
    } finally {
      clearInterval(timer);
    }
    console.log(`event loop while refusing: ${ticks} ticks, longest gap ${Math.round(maxGap)} ms`);
    expect(maxGap).toBeLessThan(250);
  });

  it('parses a real checkpoint in a worker', async () => {
    const { readFileSync } = await import('node:fs');
    const ae = await parseCheckpointInWorker(
      new Uint8Array(readFileSync(new URL('../formats/fixtures/ae-32-16.pth', import.meta.url))),
    );
    expect(ae.architecture).toEqual({ modelType: 'autoencoder', inputDim: 32, hiddenDims: [16] });
    expect(ae.layers[0].weight).toBeInstanceOf(Float32Array);
    await taskPool().close();
  });
});
