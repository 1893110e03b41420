#!/usr/bin/env node
/**
 * npm run bench:preview — the in-browser preview against its baseline, in one run:
 *
 * 1. Inference (scripts/bench-preview/inference.ts): a 1000 × 832 batch through a random
 *    832-[512,256,128,64] autoencoder, onnxruntime-node (default threads) interleaved with
 *    onnxruntime-web in headless Chromium (WASM 1 and 2 threads, cross-origin isolated; WebGPU on a
 *    hardware adapter), once each per repetition. Every repetition is printed; medians and the
 *    median of the paired ratios wasm ÷ node. Outputs checked against onnxruntime-node's.
 * 2. Model page → first chart (scripts/bench-preview/model-page.ts): the real app (a production
 *    build, `next start`, the demo data), cold (fresh browser context) and warm (second visit), the
 *    runtime start shown apart from downloads, inference and rendering (the page's User Timing).
 *
 * Options (env): BENCH_REPS (inference repetitions, default 9, at least 5), BENCH_BATCH (1000),
 * BENCH_PAGE_REPS (cold + warm visits, default 5; 0 skips the model page), BENCH_PORT (the app's
 * port, default 3150), NEXT_DIST_DIR (the build to serve, default .next), CHROMIUM_PATH.
 * Runs under tsx (it imports the TypeScript in lib/). Downloads nothing.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from '@playwright/test';
import { CHROMIUM_ARGS, CHROMIUM_PATH, WEBGPU_ARG } from '../e2e/chromium-flags.ts';
import { BROWSER_BACKENDS, benchInference } from './bench-preview/inference.ts';
import { DIM, HIDDEN, benchModel } from './bench-preview/model.ts';
import { benchModelPage } from './bench-preview/model-page.ts';
import { fmt, formatTable, median, summariseRepetitions, verdict } from './bench-preview/summary.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const REPS = Math.max(5, Number(process.env.BENCH_REPS || 9));
const BATCH = Number(process.env.BENCH_BATCH || 1000);
const PAGE_REPS = Number(process.env.BENCH_PAGE_REPS ?? 5);
const TOLERANCE = 1e-4;
const WASM_TARGET = 3.5;
const WARM_TARGET_MS = 1000;

const { onnx, input } = benchModel(BATCH);
console.log(
  `bench:preview — ${DIM}-[${HIDDEN.join(',')}] autoencoder (${(onnx.byteLength / 2 ** 20).toFixed(2)} MB ONNX), ` +
    `batch ${BATCH} × ${DIM}; ${REPS} interleaved repetitions (node, ${BROWSER_BACKENDS.map((b) => b.id).join(', ')}); ` +
    `${PAGE_REPS} cold + warm model-page visits`,
);

const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS, WEBGPU_ARG] });
let failed = false;
const verdicts = [];
try {
  // ---- 1. inference, interleaved
  const inf = await benchInference(browser, { root, onnx, input, batch: BATCH, reps: REPS });
  const ids = inf.backends.map((b) => b.id);
  const summary = summariseRepetitions(inf.reps, 'node');
  console.log('\nInference, ms per batch (each row one repetition, backends run back to back in this order):');
  console.log(
    formatTable([
      ['rep', ...ids.map((id) => `${id} ms`), ...ids.slice(1).map((id) => `${id} ÷ node`)],
      ...inf.reps.map((r, i) => [
        String(i + 1),
        ...ids.map((id) => fmt(r[id], 2)),
        ...ids.slice(1).map((id) => fmt(r[id] / r.node, 2)),
      ]),
      ['median', ...summary.map((s) => fmt(s.median, 2)), ...summary.slice(1).map((s) => `${fmt(s.ratio, 2)}×`)],
    ]),
  );
  console.log('(the ratio row is the median of the per-repetition ratios)');
  console.log('\nStart-up, once per backend (not in the ratios):');
  console.log(
    formatTable(
      [
        ['backend', 'import ms', 'session create ms', 'max rel diff vs node', 'note'],
        ...inf.backends.map((b) => [
          b.label,
          b.import_ms === null ? '—' : fmt(b.import_ms),
          fmt(b.create_ms),
          b.id === 'node' ? 'reference' : (inf.maxRel[b.id]?.toExponential(1) ?? '—'),
          b.note,
        ]),
        ...inf.unavailable.map((u) => [u.label, '—', '—', '—', u.why]),
      ],
      [4],
    ),
  );
  for (const f of inf.failures) console.log(`FAILED: ${f}`);
  if (inf.failures.length) failed = true;
  const drift = Object.entries(inf.maxRel).filter(([, v]) => !(v <= TOLERANCE));
  if (drift.length) failed = true;
  const twoThreads = summary.find((s) => s.backend === 'wasm-2t');
  verdicts.push(
    `WASM 2 threads ÷ onnxruntime-node (default threads), interleaved ${verdict(twoThreads?.ratio ?? NaN, WASM_TARGET, '×')}`,
    `outputs agree with onnxruntime-node within ${TOLERANCE} (relative to the output's scale): ${drift.length ? `NO (${drift.map(([k]) => k).join(', ')})` : 'yes'}`,
  );

  // ---- 2. model page → first chart
  if (PAGE_REPS > 0) {
    const page = await benchModelPage(browser, {
      root,
      distDir: process.env.NEXT_DIST_DIR || '.next',
      port: Number(process.env.BENCH_PORT || 3150),
      reps: PAGE_REPS,
    });
    if ('skipped' in page) {
      console.log(`\nModel page → first chart: skipped, ${page.skipped}`);
      verdicts.push('model page → first chart, warm: not measured (no build)');
    } else {
      printVisits(page);
      const warm = median(page.visits.filter((v) => v.kind === 'warm').map((v) => v.measures['preview:first-chart']));
      verdicts.push(`model page → first chart, warm (median) ${verdict(warm / 1000, WARM_TARGET_MS / 1000, ' s')}`);
    }
  }
} finally {
  await browser.close();
}
console.log('\nTargets (issue 14):');
for (const v of verdicts) console.log(`- ${v}`);
process.exitCode = failed ? 1 : 0;

function printVisits({ visits, modelId }) {
  const cols = [
    ['first chart', 'preview:first-chart'],
    ['page start', 'preview:page-start'],
    ['worker start', 'preview:worker-start'],
    ['ORT import', 'preview:runtime-import'],
    ['wasm init', 'preview:runtime-init'],
    ['downloads', 'preview:downloads'],
    ['session', 'preview:session'],
    ['inference', 'preview:inference'],
    ['render', 'preview:render'],
  ];
  const row = (label, get) => [label, fmt(get('ttfb')), ...cols.map(([, k]) => fmt(get(k)))];
  const rows = visits.map((v) => row(`${v.kind} ${v.rep}`, (k) => (k === 'ttfb' ? v.ttfb : v.measures[k])));
  for (const kind of ['cold', 'warm']) {
    const of = visits.filter((v) => v.kind === kind);
    rows.push(row(`median ${kind}`, (k) => median(of.map((v) => (k === 'ttfb' ? v.ttfb : v.measures[k])))));
  }
  console.log(`\nModel page → first chart, ms (/models/${modelId}, ${visits[0]?.backend ?? '?'}):`);
  console.log(formatTable([['visit', 'TTFB', ...cols.map(([c]) => c)], ...rows]));
  console.log(
    'first chart: from navigation start to the histogram painted; page start: to the worker created (HTML, scripts, hydration). The runtime start is ORT import + wasm init ' +
      '(fetch, compile, thread pool), overlapped with the downloads; session = create + warm-up of the model; ' +
      'render = result received → chart painted. cold: fresh browser context (empty cache); warm: second visit.',
  );
}
