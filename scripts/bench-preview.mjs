#!/usr/bin/env node
/**
 * npm run bench:preview — onnxruntime-web in headless Chromium vs onnxruntime-node, same model,
 * same batch, same run.
 *
 * Builds a random 832-[512,256,128,64] autoencoder with lib/formats, writes it as ONNX with
 * writeOnnx, and runs a 1000 × 832 batch: onnxruntime-node (1 thread, as the server's runOnnx, and
 * its default thread count), then in Chromium — inside a Web Worker, as the model page does — WASM
 * with 1 and 2 threads and WebGPU where the browser hands out an adapter. The page is served by
 * this script (node:http, same origin, COOP/COEP so WASM threads work). Warm-up once, median of
 * several runs; outputs are compared with onnxruntime-node's. Downloads nothing.
 *
 * Options (env): BENCH_RUNS (default 9), BENCH_BATCH (1000), CHROMIUM_PATH (/usr/bin/chromium).
 * Runs under tsx (it imports the TypeScript in lib/formats).
 */
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from '@playwright/test';
import * as ortNode from 'onnxruntime-node';
import { writeOnnx } from '../lib/formats/onnx.ts';
import { ORT_FILES, ortDistDir } from '../lib/preview/ort-assets.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const RUNS = Number(process.env.BENCH_RUNS || 9);
const BATCH = Number(process.env.BENCH_BATCH || 1000);
const DIM = 832;
const HIDDEN = [512, 256, 128, 64];
const TOLERANCE = 1e-4;

// ---------------------------------------------------------------------------------------------
// The model and the batch (seeded, so every run benchmarks the same numbers)

function rng(seed) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 0x100000000;
  };
}

function randomAutoencoder() {
  const r = rng(0x5eed);
  const dims = [DIM, ...HIDDEN];
  const enc = dims.slice(0, -1).map((n, i) => [n, dims[i + 1]]);
  const decOuts = [...HIDDEN.slice(0, -1).reverse(), DIM];
  const dec = decOuts.map((out, i) => [i === 0 ? HIDDEN.at(-1) : decOuts[i - 1], out]);
  const linear = (name, nin, nout, relu) => {
    const bound = 1 / Math.sqrt(nin); // PyTorch's default Linear init range
    return {
      name,
      inFeatures: nin,
      outFeatures: nout,
      weight: Float32Array.from({ length: nin * nout }, () => (r() * 2 - 1) * bound),
      bias: Float32Array.from({ length: nout }, () => (r() * 2 - 1) * bound),
      relu,
    };
  };
  return {
    architecture: { modelType: 'autoencoder', inputDim: DIM, hiddenDims: HIDDEN },
    // Sequential indices as the original module numbers them: Linear, ReLU, Dropout → 0, 3, 6, …
    layers: [
      ...enc.map(([a, b], i) => linear(`encoder.${i * 3}`, a, b, true)),
      ...dec.map(([a, b], i) => linear(`decoder.${i * 3}`, a, b, i < dec.length - 1)),
    ],
    notes: [],
    sourceDType: 'float32',
  };
}

const median = (a) => {
  const s = [...a].sort((x, y) => x - y);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

function compare(out, ref) {
  let maxAbs = 0;
  let scale = 0;
  for (let i = 0; i < ref.length; i++) {
    maxAbs = Math.max(maxAbs, Math.abs(out[i] - ref[i]));
    scale = Math.max(scale, Math.abs(ref[i]));
  }
  return { maxAbs, maxRel: maxAbs / (scale || 1) };
}

// ---------------------------------------------------------------------------------------------
// onnxruntime-node

async function runNode(model, input, threads) {
  const opts = { graphOptimizationLevel: 'all', ...(threads ? { intraOpNumThreads: threads } : {}) };
  const t0 = performance.now();
  const session = await ortNode.InferenceSession.create(model, opts);
  const create = performance.now() - t0;
  const feeds = { [session.inputNames[0]]: new ortNode.Tensor('float32', input, [BATCH, DIM]) };
  let out = await session.run(feeds); // warm-up
  const times = [];
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    out = await session.run(feeds);
    times.push(performance.now() - t);
  }
  const data = out[session.outputNames[0]].data;
  await session.release();
  return { create, times, output: new Float32Array(data) };
}

// ---------------------------------------------------------------------------------------------
// The page, its worker and the files, same origin and cross-origin isolated

const PAGE = `<!doctype html><meta charset="utf-8"><title>bench:preview</title>
<script type="module">
window.bench = (cfg) => new Promise((resolve) => {
  const w = new Worker('/bench-worker.mjs', { type: 'module' });
  w.onmessage = (e) => { resolve(e.data); w.terminate(); };
  w.onerror = (e) => { resolve({ error: 'worker error: ' + (e.message || 'unknown') }); w.terminate(); };
  w.postMessage(cfg);
});
</script>`;

const WORKER = `
self.onmessage = async ({ data: cfg }) => {
  try {
    let adapter = null;
    if (cfg.ep === 'webgpu') {
      const a = self.navigator.gpu ? await self.navigator.gpu.requestAdapter() : null;
      if (!a) return self.postMessage({ skipped: self.navigator.gpu ? 'no adapter' : 'no WebGPU in this browser' });
      const i = a.info || {};
      adapter = [i.vendor, i.architecture, i.description || i.device].filter(Boolean).join(' ') || 'unnamed adapter';
    }
    const ort = await import('/ort/' + cfg.entry);
    ort.env.wasm.wasmPaths = new URL('/ort/', self.location.origin).href;
    ort.env.wasm.numThreads = cfg.threads;
    ort.env.wasm.proxy = false;
    ort.env.logLevel = 'error';
    const [model, input, ref] = await Promise.all(['/model.onnx', '/input.bin', '/reference.bin'].map((u) => fetch(u).then((r) => r.arrayBuffer())));
    const t0 = performance.now();
    const s = await ort.InferenceSession.create(new Uint8Array(model), { executionProviders: [cfg.ep], graphOptimizationLevel: 'all' });
    const create = performance.now() - t0;
    const feeds = { [s.inputNames[0]]: new ort.Tensor('float32', new Float32Array(input), [cfg.batch, cfg.dim]) };
    let out = await s.run(feeds); // warm-up
    const times = [];
    for (let i = 0; i < cfg.runs; i++) {
      const t = performance.now();
      out = await s.run(feeds);
      await out[s.outputNames[0]].getData();
      times.push(performance.now() - t);
    }
    const y = await out[s.outputNames[0]].getData();
    const r = new Float32Array(ref);
    let maxAbs = 0, scale = 0;
    for (let i = 0; i < r.length; i++) { maxAbs = Math.max(maxAbs, Math.abs(y[i] - r[i])); scale = Math.max(scale, Math.abs(r[i])); }
    await s.release();
    self.postMessage({ create, times, maxAbs, maxRel: maxAbs / (scale || 1), isolated: self.crossOriginIsolated, adapter, version: ort.env.versions && ort.env.versions.web });
  } catch (e) {
    self.postMessage({ error: String((e && e.message) || e) });
  }
};`;

function serve(files) {
  const isolation = {
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Embedder-Policy': 'require-corp',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'Cache-Control': 'no-store',
  };
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url, 'http://x');
    const send = (status, type, body) => {
      res.writeHead(status, { ...isolation, 'Content-Type': type });
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

// ---------------------------------------------------------------------------------------------

const ae = randomAutoencoder();
const model = writeOnnx(ae, { metadata: { purpose: 'bench:preview' } });
const r = rng(0xbe7c);
const input = Float32Array.from({ length: BATCH * DIM }, () => (r() - 0.5) * 0.2);
console.log(
  `bench:preview — ${DIM}-[${HIDDEN.join(',')}] autoencoder (${(model.byteLength / 2 ** 20).toFixed(2)} MB ONNX), batch ${BATCH} × ${DIM}, warm-up 1 + median of ${RUNS}`,
);

const node1 = await runNode(model, input, 1);
const nodeAll = await runNode(model, input, 0);
const rows = [
  {
    name: 'onnxruntime-node',
    threads: '1',
    create: node1.create,
    med: median(node1.times),
    min: Math.min(...node1.times),
    diff: null,
  },
  {
    name: 'onnxruntime-node',
    threads: 'default',
    create: nodeAll.create,
    med: median(nodeAll.times),
    min: Math.min(...nodeAll.times),
    diff: compare(nodeAll.output, node1.output),
  },
];

const server = await serve({
  '/model.onnx': Buffer.from(model),
  '/input.bin': Buffer.from(input.buffer),
  '/reference.bin': Buffer.from(node1.output.buffer),
});
const base = `http://127.0.0.1:${server.address().port}/`;
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
  args: [
    '--no-sandbox',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
    '--disable-quic',
    '--enable-unsafe-webgpu',
  ],
});
const notes = [];
let failed = false;
try {
  const configs = [
    { label: 'WASM', ep: 'wasm', entry: 'ort.wasm.min.mjs', threads: 1 },
    { label: 'WASM', ep: 'wasm', entry: 'ort.wasm.min.mjs', threads: 2 },
    { label: 'WebGPU', ep: 'webgpu', entry: 'ort.webgpu.min.mjs', threads: 1 },
  ];
  for (const cfg of configs) {
    // A fresh page per configuration: ORT fixes its thread count at first initialisation.
    const page = await browser.newPage();
    await page.goto(base);
    const res = await page.evaluate((c) => window.bench(c), { ...cfg, batch: BATCH, dim: DIM, runs: RUNS });
    await page.close();
    if (res.skipped) {
      rows.push({ name: `${cfg.label} (Chromium)`, threads: '—', skipped: res.skipped });
      continue;
    }
    if (res.error) {
      rows.push({ name: `${cfg.label} (Chromium)`, threads: String(cfg.threads), skipped: `error: ${res.error}` });
      failed = true;
      continue;
    }
    if (cfg.ep === 'wasm' && cfg.threads > 1 && !res.isolated)
      notes.push('the page was not cross-origin isolated: ORT silently used 1 thread');
    const adapter = res.adapter
      ? ` [${res.adapter}${/swiftshader/i.test(res.adapter) ? ' = SwiftShader, CPU emulation' : ''}]`
      : '';
    rows.push({
      name: `${cfg.label} (Chromium)${adapter}`,
      threads: cfg.ep === 'webgpu' ? '—' : String(cfg.threads),
      create: res.create,
      med: median(res.times),
      min: Math.min(...res.times),
      diff: { maxAbs: res.maxAbs, maxRel: res.maxRel },
    });
    if (res.maxRel > TOLERANCE) failed = true;
    if (res.version)
      notes.push(`${cfg.label} ${cfg.threads}: onnxruntime-web ${res.version}, crossOriginIsolated=${res.isolated}`);
  }
} finally {
  await browser.close();
  server.close();
}

const ref1 = rows[0].med;
const refAll = rows[1].med;
const f = (v, d = 1) => (v === undefined ? '' : v.toFixed(d));
const table = [
  [
    'backend',
    'threads',
    'create ms',
    'median ms',
    'min ms',
    '× node(1)',
    '× node(default)',
    'max abs diff',
    'max rel diff',
  ],
];
for (const row of rows) {
  if (row.skipped) table.push([row.name, row.threads, row.skipped, '', '', '', '', '', '']);
  else
    table.push([
      row.name,
      row.threads,
      f(row.create),
      f(row.med, 2),
      f(row.min, 2),
      f(row.med / ref1, 2),
      f(row.med / refAll, 2),
      row.diff ? row.diff.maxAbs.toExponential(1) : 'reference',
      row.diff ? row.diff.maxRel.toExponential(1) : '',
    ]);
}
const widths = table[0].map((_, c) => Math.max(...table.map((r) => String(r[c]).length)));
for (const [i, r] of table.entries()) {
  console.log(r.map((v, c) => (c === 0 ? String(v).padEnd(widths[c]) : String(v).padStart(widths[c]))).join('  '));
  if (i === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '));
}
for (const n of notes) console.log(`note: ${n}`);
const wasmBest = Math.min(...rows.filter((r) => r.name.startsWith('WASM') && !r.skipped).map((r) => r.med));
console.log(
  `goal: WASM ≤ 3.5× onnxruntime-node → best WASM is ${(wasmBest / refAll).toFixed(2)}× node(default), ${(wasmBest / ref1).toFixed(2)}× node(1 thread)` +
    `; outputs agree within ${TOLERANCE} (relative to the output's scale): ${failed ? 'NO' : 'yes'}`,
);
console.log(
  'model page to first chart (warm) is measured by e2e/preview.spec.ts against a running app (see its "timing" annotation).',
);
process.exitCode = failed ? 1 : 0;
