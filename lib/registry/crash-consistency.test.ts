/**
 * Crash consistency: a child process working on an embedded database and artifact store through
 * the registry functions is killed with SIGKILL during an upload (mid-write and between write and
 * record), during an export and at each step of a deploy, and at random moments inside the deploy.
 * Each time the next child reopens the same directory as a restarted server would and runs the
 * start-up sweep (grace 0); then exactly the old or the new model is active (never none once one
 * was, never two), every artifact a row references re-hashes to its name, and no orphan or temp
 * file survives the sweep. DRAWBRIDGE_CRASH_ROUNDS=N repeats the deploy round N times (default 1).
 * The child runs from a bundle of its sources built once per run (crash-child-bundle.ts), not tsx.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../db';
import { FsArtifactStore } from '../storage/fs-store';
import { SYSTEM_ACTOR } from './audit';
import { bundleChild } from './crash-child-bundle';
import type { ChildArgs, VerifyReport } from './crash-consistency.child';
import { exportModelFromTrainingJob } from './exports';
import { seedDemo } from './seed-demo';

const CHILD = path.join(import.meta.dirname, 'crash-consistency.child.ts');
const REPO = path.join(import.meta.dirname, '..', '..');
const ROUNDS = Math.max(1, Number(process.env.DRAWBRIDGE_CRASH_ROUNDS) || 1);

type Kill = { at: string; afterMs: number } | null;
type ChildRun = {
  verify: VerifyReport;
  steps: { name: string; detail: unknown; at: number }[];
  killed: boolean;
  code: number | null;
  stderr: string;
};

/** Runs the child; with `kill`, SIGKILLs it `afterMs` after it announces step `at`. */
function runChild(args: ChildArgs, kill: Kill): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      // Liftoff only: a child lives seconds, and optimising PGlite's wasm cost more CPU than it saved.
      ['--liftoff-only', '--conditions=react-server', ...childEntry, JSON.stringify(args)],
      { cwd: REPO, env: { ...process.env, DATABASE_URL: '' } },
    );
    let out = '';
    let stderr = '';
    let killed = false;
    let verify: VerifyReport | null = null;
    const steps: ChildRun['steps'] = [];
    child.stdout.on('data', (d) => {
      out += d;
      let nl;
      while ((nl = out.indexOf('\n')) >= 0) {
        const line = out.slice(0, nl);
        out = out.slice(nl + 1);
        if (line.startsWith('verify ')) verify = JSON.parse(line.slice(7));
        const m = /^step (\S+)(?: (.*))?$/.exec(line);
        if (!m) continue;
        steps.push({ name: m[1], detail: m[2] ? JSON.parse(m[2]) : undefined, at: Date.now() });
        if (kill && m[1] === kill.at) {
          setTimeout(() => {
            killed = child.exitCode === null && child.kill('SIGKILL');
          }, kill.afterMs);
        }
      }
    });
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      if (!verify) return reject(new Error(`the child did not reopen the data directory (exit ${code}):\n${stderr}`));
      resolve({ verify, steps, killed, code, stderr });
    });
  });
}

let root: string;
let childBundle: Awaited<ReturnType<typeof bundleChild>> | null = null;
// The bundle, or the sources through tsx where it cannot be built (a read-only node_modules).
let childEntry = ['--import', 'tsx', CHILD];
let models: [string, string];
let jobId: number;
const ages: [number, number] = [2, 3];

beforeAll(async () => {
  childBundle = await bundleChild(CHILD).catch(() => null);
  if (childBundle) childEntry = [childBundle.file];
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'drawbridge-crash-'));
  const opened = await openDatabase(
    { kind: 'pglite', dir: path.join(root, 'pglite') },
    { migrationsDir: path.join(REPO, 'prisma', 'migrations') },
  );
  try {
    const store = new FsArtifactStore(path.join(root, 'artifacts'));
    await seedDemo(opened.db, store, { demoDir: path.join(REPO, 'prisma', 'demo') });
    const job = await opened.db.trainingJob.findFirstOrThrow({
      where: { configParameters: { path: ['age_group_min'], equals: ages[0] } },
    });
    jobId = job.id;
    const input = { trainingJobId: jobId, ageGroupMin: ages[0], ageGroupMax: ages[1], exportFormat: 'onnx' as const };
    const a = await exportModelFromTrainingJob(opened.db, store, SYSTEM_ACTOR, input);
    const b = await exportModelFromTrainingJob(opened.db, store, SYSTEM_ACTOR, input);
    models = [a.modelId, b.modelId];
    await opened.db.reviewPolicy.create({
      data: { environment: 'production', requiredApprovals: 1, requirePreviewSummary: false },
    });
  } finally {
    await opened.close();
  }
}, 120_000);

afterAll(() => {
  childBundle?.remove();
  fs.rmSync(root, { recursive: true, force: true });
});

/** What every reopen must find, whatever was killed before it. */
function expectConsistent(v: VerifyReport, label: string) {
  expect({
    label,
    unverified: v.unverified,
    missing: v.missing,
    orphansLeft: v.orphansLeft,
    tempLeft: v.tempLeft,
    auditChain: v.auditChain,
  }).toEqual({ label, unverified: [], missing: [], orphansLeft: [], tempLeft: [], auditChain: null });
  const mine = v.active.filter((a) => a.environment === 'production' && a.ageMin === ages[0] && a.ageMax === ages[1]);
  expect(mine.length, `${label}: active deployments of ages 2–3`).toBeLessThanOrEqual(1);
  return mine[0]?.modelId ?? null;
}

describe('SIGKILL at any moment leaves the registry consistent (embedded PGlite)', () => {
  const log: string[] = [];
  afterAll(() => console.info(`crash consistency:\n  ${log.join('\n  ')}`));

  it('upload: killed between write and record, and mid-write', async () => {
    const base = { root, ages, seed: 0 };
    const first = await runChild({ ...base, mode: 'upload', seed: 1, holdAt: 'stored' }, { at: 'stored', afterMs: 0 });
    expectConsistent(first.verify, 'before any crash');
    expect(first.killed).toBe(true);
    expect(first.steps.map((s) => s.name)).not.toContain('recorded');
    const stored = (first.steps.find((s) => s.name === 'stored')!.detail as { sha256: string }).sha256;

    const second = await runChild(
      { ...base, mode: 'upload', seed: 2 },
      { at: 'writing', afterMs: Math.floor(Math.random() * 100) },
    );
    expectConsistent(second.verify, 'after a kill between write and record');
    expect(second.verify.swept).toBe(1); // the written-but-unrecorded checkpoint
    expect(second.verify.jobs).toBe(first.verify.jobs);
    const third = await runChild({ ...base, mode: 'verify' }, null);
    expectConsistent(third.verify, 'after a kill mid-write');
    expect(third.verify.orphansLeft).not.toContain(stored);
    // Killed mid-write, the dead writer's temp file is what the sweep removes.
    expect(second.killed).toBe(true);
    if (!second.steps.some((s) => s.name === 'stored')) expect(third.verify.tempSwept).toBe(1);
    log.push(
      `upload: killed after "stored" (swept 1 orphan), and ${second.killed ? 'mid-write' : 'after it finished'} (steps ${second.steps.map((s) => s.name).join(',')}; swept ${third.verify.swept} objects, ${third.verify.tempSwept} temp files)`,
    );
  }, 240_000);

  it('export: killed at random moments while exporting', async () => {
    for (const afterMs of [50 + Math.floor(Math.random() * 600)]) {
      const run = await runChild({ root, ages, seed: 0, mode: 'export', jobId }, { at: 'exporting', afterMs });
      const next = await runChild({ root, ages, seed: 0, mode: 'verify' }, null);
      expectConsistent(next.verify, `after an export killed ${afterMs} ms in`);
      const finished = run.steps.some((s) => s.name === 'exported');
      expect([run.verify.exports, run.verify.exports + 1]).toContain(next.verify.exports);
      if (finished) expect(next.verify.exports).toBe(run.verify.exports + 1);
      log.push(
        `export: kill ${afterMs} ms after start: ${run.killed ? 'killed' : 'finished'}${finished ? ' (recorded)' : ''}; reopen swept ${next.verify.swept} objects, ${next.verify.tempSwept} temp files`,
      );
    }
  }, 240_000);

  it('deploy: killed at each step and at random moments inside deploy; exactly the old or the new model is active', async () => {
    // First establish an active model (no kill), then alternate A ⇄ B under kills.
    const established = await runChild({ root, ages, seed: 100, mode: 'deploy', models }, null);
    expect(established.code, established.stderr).toBe(0);
    const stepAt = (name: string) => established.steps.find((s) => s.name === name)!;
    let active: string | null = (stepAt('deployed').detail as { to: string }).to;
    // Random kills spread over how long a deploy takes here (validation, threshold, transaction).
    const deployMs = stepAt('deployed').at - stepAt('deploying').at;
    const plan: Kill[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      // Before these steps nothing is written yet ('attempt', 'withdrawn'): the ones that write come next.
      for (const at of ['validated', 'requested', 'approved']) plan.push({ at, afterMs: 0 });
      for (let i = 0; i < 2; i++) plan.push({ at: 'deploying', afterMs: Math.floor(Math.random() * deployMs * 1.2) });
    }
    let seed = 101;
    let switched = 0;
    let killed = 0;
    // Each child first reopens and checks what the previous kill left; a last one checks the final kill.
    let pending: { to: string; finished: boolean; label: string } | null = null;
    const check = (v: VerifyReport) => {
      const now = expectConsistent(v, pending?.label ?? 'after the first deploy');
      if (pending) {
        expect([active, pending.to], `${pending.label}: exactly the old or the new model is active`).toContain(now);
        if (pending.finished) expect(now).toBe(pending.to);
        if (now !== active) switched++;
        log.push(`${pending.label}: active after reopen: ${now === active ? 'old' : 'new'}`);
      } else {
        expect(now).toBe(active);
      }
      active = now;
    };
    for (const kill of plan) {
      const run = await runChild({ root, ages, seed: seed++, mode: 'deploy', models }, kill);
      check(run.verify);
      const attempt = run.steps.find((s) => s.name === 'attempt')?.detail as { from: string; to: string } | undefined;
      expect(attempt?.from).toBe(active);
      if (run.killed) killed++;
      pending = {
        to: attempt!.to,
        finished: run.steps.some((s) => s.name === 'deployed'),
        label: `deploy ${attempt!.from} → ${attempt!.to} ${run.killed ? 'killed' : 'finished'} at "${kill!.at}" +${kill!.afterMs} ms`,
      };
    }
    check((await runChild({ root, ages, seed: 0, mode: 'verify' }, null)).verify);
    expect(killed).toBeGreaterThanOrEqual(plan.length - 2 * ROUNDS); // the random ones may finish first
    log.push(
      `deploy: ${deployMs} ms uninterrupted; ${plan.length} attempts, ${killed} killed, ${switched} switched the active model, 1 active throughout`,
    );
  }, 600_000);
});
