#!/usr/bin/env -S npx tsx
// `npm run bench:formats`: import, export (each format) and validate of real PyTorch checkpoints of
// 1.2 M and ~100 M parameters (made here with /usr/bin/python3 + torch, the AutoencoderModel of
// scripts/autoencoder.py, wider layers for the big one), each against the floor of the same bytes:
// read + SHA-256 + write, measured INTERLEAVED in the same run (floor, op, floor, op …). Every op
// and every floor runs in its own child process, which times only the work and reports its peak
// RSS (process.resourceUsage().maxRSS). Every row is printed; the summary is median op ÷ median
// floor and median peak RSS ÷ the file's size.
//
// Knobs: BENCH_RUNS (rows per op, default 5, at least 5 for the summary to count), BENCH_SIZES
// (comma list of 1.2M, 100M; default both), BENCH_OPS (comma list of op names; default all).
// Targets (issue 14), checked at 100 M: every export ≤ 2× its floor, peak RSS ≤ 2× the file.
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SELF = fileURLToPath(import.meta.url);
const FORMATS = ['onnx', 'pytorch', 'pickle', 'safetensors'] as const;
type Format = (typeof FORMATS)[number];
const EXT: Record<Format, string> = { onnx: '.onnx', pytorch: '.pth', pickle: '.pkl', safetensors: '.safetensors' };
const SIZES: Record<string, number[]> = { '1.2M': [512, 256, 128, 64], '100M': [8192, 4096, 2048] };

type Child = { ms: number; maxRssBytes: number; bytes: number };

/** One op or floor, in this process (the child side). */
async function runOne(op: string, input: string, output: string): Promise<Child> {
  const { readCheckpoint } = await import('../lib/formats/torch-read');
  const { toAutoencoder } = await import('../lib/formats/architecture');
  const { exportAutoencoderChunks } = await import('../lib/formats/export-write');
  const { readAutoencoderArtifact } = await import('../lib/formats/read-artifact');
  const t0 = performance.now();
  const bytes = new Uint8Array(fs.readFileSync(input).buffer);
  const hash = crypto.createHash('sha256');
  if (op === 'floor') {
    hash.update(bytes);
    fs.writeFileSync(output, bytes);
  } else if (op === 'import') {
    // What storing an upload does: hash, parse (refusing what is not the autoencoder), write.
    hash.update(bytes);
    toAutoencoder(readCheckpoint(bytes));
    fs.writeFileSync(output, bytes);
  } else if (op.startsWith('export ')) {
    const format = op.slice(7) as Format;
    const ae = toAutoencoder(readCheckpoint(bytes));
    const fd = fs.openSync(output, 'w');
    for (const c of exportAutoencoderChunks(ae, format, { model_id: 'bench' }).chunks.chunks()) {
      hash.update(c);
      fs.writeSync(fd, c);
    }
    fs.closeSync(fd);
  } else if (op.startsWith('validate ')) {
    // Re-verify the hash and re-parse with our own readers, as validation does first.
    hash.update(bytes);
    readAutoencoderArtifact(bytes, op.slice(9) as Format);
  } else throw new Error(`unknown op ${op}`);
  hash.digest('hex');
  const ms = performance.now() - t0;
  return { ms, maxRssBytes: process.resourceUsage().maxRSS * 1024, bytes: bytes.length };
}

function spawnOne(op: string, input: string, output: string): Child {
  const r = spawnSync(process.execPath, ['--import', 'tsx', SELF, '--child', op, input, output], {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 1 << 20,
  });
  if (r.status !== 0) throw new Error(`${op} failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as Child;
}

function makeCheckpoint(dir: string, hidden: number[]): string {
  const file = path.join(dir, `ae-832-${hidden.join('-')}.pth`);
  const py = `
import sys, torch
sys.path.insert(0, ${JSON.stringify(path.join(ROOT, 'scripts'))})
from autoencoder import AutoencoderModel
torch.manual_seed(0)
m = AutoencoderModel(832, ${JSON.stringify(hidden)})
torch.save({"model_state_dict": m.state_dict(), "model_architecture": {"input_dim": 832, "hidden_dims": ${JSON.stringify(hidden)}}, "training_config": {}}, ${JSON.stringify(file)})
`;
  const r = spawnSync('/usr/bin/python3', ['-c', py], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`torch could not write the checkpoint: ${r.stderr}`);
  return file;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const mb = (n: number): string => `${(n / 1e6).toFixed(1)} MB`;

async function main(): Promise<void> {
  const runs = Math.max(1, Number(process.env.BENCH_RUNS) || 5);
  const sizes = (process.env.BENCH_SIZES || '1.2M,100M').split(',').map((s) => s.trim());
  const only = process.env.BENCH_OPS?.split(',').map((s) => s.trim());
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'drawbridge-bench-formats-'));
  console.log(`bench:formats: ${runs} interleaved rows per op, ${os.cpus().length} cores, Node ${process.version}`);
  console.log(`floor = read + SHA-256 + write of the op's input bytes, in its own child process, before each op`);
  const summary: string[] = [];
  const misses: string[] = [];
  try {
    for (const size of sizes) {
      const hidden = SIZES[size];
      if (!hidden) throw new Error(`BENCH_SIZES: unknown size ${size} (use ${Object.keys(SIZES).join(', ')})`);
      const pth = makeCheckpoint(dir, hidden);
      const scratch = path.join(dir, 'scratch');
      // Validate reads an export: written once, untimed, before the rows.
      for (const f of FORMATS)
        if (!only || only.includes(`validate ${f}`)) spawnOne(`export ${f}`, pth, path.join(dir, `model${EXT[f]}`));
      const ops: { name: string; input: string }[] = [
        { name: 'import', input: pth },
        ...FORMATS.map((f) => ({ name: `export ${f}`, input: pth })),
        ...FORMATS.map((f) => ({ name: `validate ${f}`, input: path.join(dir, `model${EXT[f]}`) })),
      ].filter((o) => !only || only.includes(o.name));
      console.log(`\n${size}: 832-[${hidden.join(', ')}], checkpoint ${mb(fs.statSync(pth).size)}`);
      console.log(
        `${'op'.padEnd(22)}${'row'.padStart(4)}${'floor ms'.padStart(10)}${'op ms'.padStart(9)}${'op RSS'.padStart(12)}`,
      );
      for (const o of ops) {
        const floors: Child[] = [];
        const rows: Child[] = [];
        for (let i = 0; i < runs; i++) {
          floors.push(spawnOne('floor', o.input, scratch));
          rows.push(spawnOne(o.name, o.input, scratch));
          const f = floors[i];
          const r = rows[i];
          console.log(
            `${o.name.padEnd(22)}${String(i + 1).padStart(4)}${f.ms.toFixed(0).padStart(10)}${r.ms.toFixed(0).padStart(9)}${mb(r.maxRssBytes).padStart(12)}`,
          );
        }
        const ratio = median(rows.map((r) => r.ms)) / median(floors.map((f) => f.ms));
        const rss = median(rows.map((r) => r.maxRssBytes)) / rows[0].bytes;
        const line = `${size.padEnd(6)}${o.name.padEnd(22)}${median(floors.map((f) => f.ms))
          .toFixed(0)
          .padStart(9)}${median(rows.map((r) => r.ms))
          .toFixed(0)
          .padStart(9)}${`${ratio.toFixed(2)}×`.padStart(9)}${`${rss.toFixed(2)}×`.padStart(12)}`;
        summary.push(line);
        if (size === '100M' && o.name.startsWith('export ') && ratio > 2)
          misses.push(`${o.name}: ${ratio.toFixed(2)}× floor`);
        if (size === '100M' && rss > 2) misses.push(`${o.name}: peak RSS ${rss.toFixed(2)}× the file`);
      }
    }
    console.log(`\nmedians of ${runs} (ratio = op median ÷ floor median; RSS = op's median peak RSS ÷ its input file)`);
    console.log(
      `${'size'.padEnd(6)}${'op'.padEnd(22)}${'floor ms'.padStart(9)}${'op ms'.padStart(9)}${'÷ floor'.padStart(9)}${'RSS ÷ file'.padStart(12)}`,
    );
    for (const l of summary) console.log(l);
    if (runs < 5) console.log(`(BENCH_RUNS=${runs}: fewer than 5 rows, a quick check, not a measurement)`);
    if (sizes.includes('100M'))
      console.log(
        misses.length
          ? `targets missed: ${misses.join('; ')}`
          : 'targets met at 100M: every export ≤ 2× floor, peak RSS ≤ 2× file',
      );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--child') {
  const [op, input, output] = process.argv.slice(3);
  console.log(JSON.stringify(await runOne(op, input, output)));
} else {
  await main();
}
