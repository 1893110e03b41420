// Bootstrap of a task worker (lib/workers/pool.ts). Plain JavaScript with a real file path, so
// every host can start it: the Next.js server (whose own code is bundled into .next), vitest and
// the CLI. tsx's loader lets it import the TypeScript task module named in workerData.
import { register as registerHooks } from 'node:module';
import { parentPort, workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
registerHooks('../server-only-hook.mjs', import.meta.url);
const tasks = await import(workerData.tasksUrl);
const { jsonClone } = await import('../json-clone.ts');

/** Every ArrayBuffer under typed arrays in a result, once: results move back without a copy. */
function buffersOf(value, out = new Set(), depth = 0) {
  if (depth > 32 || value === null || typeof value !== 'object') return out;
  if (ArrayBuffer.isView(value)) {
    if (value.buffer instanceof ArrayBuffer && value.buffer.byteLength > 0) out.add(value.buffer);
  } else if (Array.isArray(value)) for (const v of value) buffersOf(v, out, depth + 1);
  else if (Object.getPrototypeOf(value) === Object.prototype)
    for (const v of Object.values(value)) buffersOf(v, out, depth + 1);
  return out;
}

parentPort.on('message', async ({ task, payload }) => {
  try {
    const fn = tasks[task];
    if (typeof fn !== 'function') throw new Error(`unknown worker task ${JSON.stringify(task)}`);
    const result = await fn(payload);
    try {
      parentPort.postMessage({ ok: true, result }, [...buffersOf(result)]);
    } catch {
      parentPort.postMessage({ ok: true, result }); // some buffer was not transferable: copy
    }
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    parentPort.postMessage({
      ok: false,
      error: { name: err.name, code: err.code, message: err.message, details: plainDetails(err.details) },
    });
  }
});

function plainDetails(d) {
  if (!d || typeof d !== 'object') return undefined;
  try {
    return jsonClone(d, 'string'); // an offset or a pickle int keeps every digit on its way to the parent
  } catch {
    return undefined;
  }
}
