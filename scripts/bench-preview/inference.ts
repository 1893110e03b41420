/**
 * Inference, interleaved: onnxruntime-node (default threads) and onnxruntime-web in headless
 * Chromium (inside Web Workers, as the model page runs it; WASM with 1 and 2 threads, WebGPU where a
 * hardware adapter exists) each run the same batch once per repetition, back to back, so every
 * ratio compares two runs under the same load. The page is served here (node:http, same origin,
 * COOP/COEP so WASM threads work); sessions are created and warmed up once, before the repetitions.
 */
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Browser } from '@playwright/test';
import * as ortNode from 'onnxruntime-node';
import { ORT_FILES, ortDistDir } from '../../lib/preview/ort-assets';
import { DIM } from './model';
import type { Repetition } from './summary';

export type BrowserBackend = { id: string; label: string; ep: 'wasm' | 'webgpu'; entry: string; threads: number };

export const BROWSER_BACKENDS: BrowserBackend[] = [
  { id: 'wasm-1t', label: 'WASM 1 thread', ep: 'wasm', entry: 'ort.wasm.min.mjs', threads: 1 },
  { id: 'wasm-2t', label: 'WASM 2 threads', ep: 'wasm', entry: 'ort.wasm.min.mjs', threads: 2 },
  { id: 'webgpu', label: 'WebGPU', ep: 'webgpu', entry: 'ort.webgpu.min.mjs', threads: 1 },
];

type InitReply = {
  import_ms: number;
  create_ms: number;
  isolated: boolean;
  adapter: string | null;
  version: string | null;
  skipped?: string;
  error?: string;
};
type RunReply = { ms: number; maxRel?: number; error?: string };

const PAGE = `<!doctype html><meta charset="utf-8"><title>bench:preview</title>
<script type="module">
const workers = {};
const ask = (w, msg) => new Promise((resolve) => {
  w.onmessage = (e) => resolve(e.data);
  w.onerror = (e) => resolve({ error: 'worker error: ' + (e.message || 'unknown') });
  w.postMessage(msg);
});
window.benchInit = (id, cfg) => ask((workers[id] = new Worker('/bench-worker.mjs', { type: 'module' })), { op: 'init', cfg });
window.benchRun = (id, check) => ask(workers[id], { op: 'run', check });
</script>`;

// Kept as a string: it runs in the browser, served by this script, not bundled.
const WORKER = `
let s, feeds, ref;
async function once(check) {
  const t = performance.now();
  const out = await s.run(feeds);
  const y = await out[s.outputNames[0]].getData();
  const ms = performance.now() - t;
  if (!check) return { ms };
  let maxAbs = 0, scale = 0;
  for (let i = 0; i < ref.length; i++) { maxAbs = Math.max(maxAbs, Math.abs(y[i] - ref[i])); scale = Math.max(scale, Math.abs(ref[i])); }
  return { ms, maxRel: maxAbs / (scale || 1) };
}
self.onmessage = async ({ data: m }) => {
  try {
    if (m.op === 'run') return self.postMessage(await once(m.check));
    const cfg = m.cfg;
    let adapter = null;
    if (cfg.ep === 'webgpu') {
      const a = self.navigator.gpu ? await self.navigator.gpu.requestAdapter() : null;
      if (!a) return self.postMessage({ skipped: self.navigator.gpu ? 'unavailable: no WebGPU adapter' : 'unavailable: no WebGPU in this browser' });
      const i = a.info || {};
      adapter = [i.vendor, i.architecture, i.description || i.device].filter(Boolean).join(' ') || 'unnamed adapter';
      // SwiftShader emulates a GPU on the CPU: 50-100x slower than WASM, no figure worth printing.
      if (i.isFallbackAdapter || a.isFallbackAdapter || /swiftshader/i.test(adapter))
        return self.postMessage({ skipped: 'unavailable: the only adapter is ' + adapter + ' (software, CPU emulation)' });
    }
    const t0 = performance.now();
    const ort = await import('/ort/' + cfg.entry);
    const import_ms = performance.now() - t0;
    ort.env.wasm.wasmPaths = new URL('/ort/', self.location.origin).href;
    ort.env.wasm.numThreads = cfg.threads;
    ort.env.wasm.proxy = false;
    ort.env.logLevel = 'error';
    const [model, input, r] = await Promise.all(['/model.onnx', '/input.bin', '/reference.bin'].map((u) => fetch(u).then((x) => x.arrayBuffer())));
    const t1 = performance.now();
    s = await ort.InferenceSession.create(new Uint8Array(model), { executionProviders: [cfg.ep], graphOptimizationLevel: 'all' });
    const create_ms = performance.now() - t1;
    feeds = { [s.inputNames[0]]: new ort.Tensor('float32', new Float32Array(input), [cfg.batch, cfg.dim]) };
    ref = new Float32Array(r);
    await once(false); // warm-up
    self.postMessage({ import_ms, create_ms, isolated: self.crossOriginIsolated, adapter, version: ort.env.versions && ort.env.versions.web });
  } catch (e) {
    self.postMessage({ error: String((e && e.message) || e) });
  }
};`;

function serve(root: string, files: Record<string, Buffer>): Promise<http.Server> {
  const headers = {
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Embedder-Policy': 'require-corp',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'Cache-Control': 'no-store',
  };
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const send = (status: number, type: string, body: string | Buffer) => {
      res.writeHead(status, { ...headers, 'Content-Type': type });
      res.end(body);
    };
    if (url.pathname === '/') return send(200, 'text/html; charset=utf-8', PAGE);
    if (url.pathname === '/bench-worker.mjs') return send(200, 'text/javascript; charset=utf-8', WORKER);
    if (files[url.pathname]) return send(200, 'application/octet-stream', files[url.pathname]);
    const m = /^\/ort\/([^/]+)$/.exec(url.pathname);
    if (m && Object.hasOwn(ORT_FILES, m[1]))
      return send(200, ORT_FILES[m[1]], await readFile(path.join(ortDistDir(root), m[1])));
    send(404, 'text/plain', 'not found');
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

export type InferenceResult = {
  reps: Repetition[];
  /** Backends that took part (in order), with what their start-up cost. */
  backends: { id: string; label: string; import_ms: number | null; create_ms: number; note: string }[];
  /** Backends that could not run here, and why. */
  unavailable: { label: string; why: string }[];
  /** Largest relative difference of each browser backend's output from onnxruntime-node's. */
  maxRel: Record<string, number>;
  failures: string[];
};

/** Runs `reps` interleaved repetitions: node, then each browser backend, in the same order every time. */
export async function benchInference(
  browser: Browser,
  opts: { root: string; onnx: Uint8Array; input: Float32Array; batch: number; reps: number },
): Promise<InferenceResult> {
  const { batch } = opts;
  const t0 = performance.now();
  const session = await ortNode.InferenceSession.create(opts.onnx, { graphOptimizationLevel: 'all' });
  const nodeCreate = performance.now() - t0;
  const feeds = { [session.inputNames[0]]: new ortNode.Tensor('float32', opts.input, [batch, DIM]) };
  const runNode = async () => {
    const t = performance.now();
    const out = await session.run(feeds);
    const data = out[session.outputNames[0]].data as Float32Array;
    return { ms: performance.now() - t, data };
  };
  const reference = new Float32Array((await runNode()).data); // warm-up, and the reference output

  const server = await serve(opts.root, {
    '/model.onnx': Buffer.from(opts.onnx),
    '/input.bin': Buffer.from(opts.input.buffer, opts.input.byteOffset, opts.input.byteLength),
    '/reference.bin': Buffer.from(reference.buffer),
  });
  const result: InferenceResult = {
    reps: [],
    backends: [
      { id: 'node', label: 'onnxruntime-node, default threads', import_ms: null, create_ms: nodeCreate, note: '' },
    ],
    unavailable: [],
    maxRel: {},
    failures: [],
  };
  const page = await browser.newPage();
  try {
    await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    const running: BrowserBackend[] = [];
    for (const b of BROWSER_BACKENDS) {
      const cfg = { ep: b.ep, entry: b.entry, threads: b.threads, batch, dim: DIM };
      const init = await page.evaluate(([id, c]) => window.benchInit(id, c), [b.id, cfg] as const);
      if (init.skipped) result.unavailable.push({ label: b.label, why: init.skipped });
      else if (init.error) result.failures.push(`${b.label}: ${init.error}`);
      else {
        running.push(b);
        const isolation = b.threads > 1 && !init.isolated ? 'NOT cross-origin isolated: ORT used 1 thread; ' : '';
        result.backends.push({
          id: b.id,
          label: b.label,
          import_ms: init.import_ms,
          create_ms: init.create_ms,
          note: `${isolation}onnxruntime-web ${init.version ?? '?'}${init.adapter ? `, ${init.adapter}` : ''}`,
        });
      }
    }
    for (let i = 0; i < opts.reps; i++) {
      const last = i === opts.reps - 1;
      const rep: Repetition = { node: (await runNode()).ms };
      for (const b of running) {
        const r = await page.evaluate(([id, check]) => window.benchRun(id, check), [b.id, last] as const);
        if (r.error) throw new Error(`${b.label}: ${r.error}`);
        rep[b.id] = r.ms;
        if (r.maxRel !== undefined) result.maxRel[b.id] = r.maxRel;
      }
      result.reps.push(rep);
    }
  } finally {
    await page.close();
    server.close();
    await session.release();
  }
  return result;
}

declare global {
  interface Window {
    benchInit(id: string, cfg: Record<string, unknown>): Promise<InitReply>;
    benchRun(id: string, check: boolean): Promise<RunReply>;
  }
}
