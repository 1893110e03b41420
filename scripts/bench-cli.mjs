#!/usr/bin/env node
// `npm run bench:cli`: what a `drawbridge` command costs to start, against `node -e 0` measured
// interleaved in the same run (one round runs every row once, in turn), median of ROUNDS rounds.
// Rows: --help and `exports list` on an empty embedded database, each from the prebuilt bundle
// (cli/bundle.mjs) and from the sources through tsx (DRAWBRIDGE_CLI_BUNDLE=0, the fallback).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = path.join(root, 'cli', 'drawbridge.mjs');
const ROUNDS = Math.max(5, Number(process.env.ROUNDS) || 7);
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'drawbridge-bench-cli-'));

function run(args, env = {}) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, {
    encoding: 'utf8',
    env: { ...process.env, DRAWBRIDGE_DATA_DIR: dataDir, DATABASE_URL: '', ...env },
  });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return ms;
}

const rows = [
  { name: 'node -e 0 (baseline)', args: ['-e', '0'] },
  { name: 'drawbridge --help', args: [bin, '--help'] },
  { name: 'drawbridge --help (tsx)', args: [bin, '--help'], env: { DRAWBRIDGE_CLI_BUNDLE: '0' } },
  { name: 'drawbridge exports list', args: [bin, 'exports', 'list'] },
  { name: 'drawbridge exports list (tsx)', args: [bin, 'exports', 'list'], env: { DRAWBRIDGE_CLI_BUNDLE: '0' } },
];

try {
  run([bin, 'migrate']); // the database exists before the first timed row, and the bundle is built
  const times = rows.map(() => []);
  for (let i = 0; i < ROUNDS; i++) rows.forEach((row, j) => times[j].push(run(row.args, row.env)));
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const base = median(times[0]);
  console.log(`CLI start-up, ${ROUNDS} interleaved rounds, ${os.cpus().length} cores, Node ${process.version}`);
  console.log(`${'row'.padEnd(32)}${'median ms'.padStart(10)}${'min ms'.padStart(9)}${'÷ node -e 0'.padStart(13)}`);
  rows.forEach((row, j) => {
    const m = median(times[j]);
    const ratio = `${(m / base).toFixed(1)}×`;
    console.log(
      `${row.name.padEnd(32)}${m.toFixed(0).padStart(10)}${Math.min(...times[j])
        .toFixed(0)
        .padStart(9)}${ratio.padStart(13)}`,
    );
  });
} finally {
  fs.rmSync(dataDir, { recursive: true, force: true });
}
