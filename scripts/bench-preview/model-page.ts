/**
 * Model page → first chart, against the real app: a production build (`next start`) on a fresh
 * demo data directory, signed in as the demo reviewer. Each repetition opens the model page in a
 * fresh browser context (empty HTTP cache: cold), then again in the same context (warm), and reads
 * the User Timing measures the preview records (lib/preview/timing-marks.ts): the runtime start
 * (onnxruntime-web import, then wasm fetch/compile and thread pool) apart from the downloads, the
 * session, the inference and the rendering.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext } from '@playwright/test';
import { PREVIEW_MEASURES, type PreviewMeasure } from '../../lib/preview/timing-marks';

export type Visit = {
  kind: 'cold' | 'warm';
  rep: number;
  ttfb: number;
  measures: Partial<Record<PreviewMeasure, number>>;
  backend: string;
};

export type ModelPageResult = { visits: Visit[]; modelId: string } | { skipped: string };

const DEMO_REVIEWER = { email: 'reviewer@drawbridge.test', password: 'drawbridge-reviewer' };

async function startServer(root: string, distDir: string, port: number) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'drawbridge-bench-preview-'));
  const url = `http://127.0.0.1:${port}`;
  const bin = (name: string) => path.join(root, 'node_modules', '.bin', name);
  const child = spawn(
    'sh',
    [
      '-c',
      `node ${bin('tsx')} --conditions=react-server prisma/seed.ts --jobs-only && exec node ${bin('next')} start -H 127.0.0.1 -p ${port}`,
    ],
    {
      cwd: root,
      env: {
        ...process.env,
        NEXT_DIST_DIR: distDir,
        DRAWBRIDGE_DATA_DIR: dataDir,
        DATABASE_URL: '',
        DRAWBRIDGE_DEMO: '1',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let log = '';
  child.stdout.on('data', (d) => (log += d));
  child.stderr.on('data', (d) => (log += d));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const stop = async () => {
    if (child.exitCode === null) child.kill('SIGTERM');
    await exited;
    fs.rmSync(dataDir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 180_000;
  while (Date.now() < deadline && child.exitCode === null) {
    if (
      await fetch(`${url}/api/health`).then(
        (r) => r.ok,
        () => false,
      )
    )
      return { url, stop };
    await new Promise((r) => setTimeout(r, 250));
  }
  await stop();
  throw new Error(`the app did not answer ${url}/api/health:\n${log.slice(-2000)}`);
}

async function openModelPage(ctx: BrowserContext, url: string, kind: Visit['kind'], rep: number): Promise<Visit> {
  const page = ctx.pages()[0] ?? (await ctx.newPage());
  await page.goto(url);
  await page.waitForFunction(() => performance.getEntriesByName('preview:first-chart', 'measure').length > 0, null, {
    timeout: 120_000,
  });
  const { ttfb, measures } = await page.evaluate((names) => {
    const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
    const out: Record<string, number> = {};
    for (const n of names) {
      const m = performance.getEntriesByName(n, 'measure').at(-1);
      if (m) out[n] = m.duration;
    }
    return { ttfb: nav.responseStart, measures: out };
  }, Object.keys(PREVIEW_MEASURES));
  const backend = (await page.getByTestId('preview-backend').textContent()) ?? '?';
  return { kind, rep, ttfb, measures, backend };
}

/** Exports a demo training job as ONNX: its validation set comes with it, so the page runs on load. */
async function exportDemoJob(ctx: BrowserContext, origin: string): Promise<{ model_id: string }> {
  const jobs = (await (await ctx.request.get('/api/v1/training/jobs?page_size=100')).json()) as {
    jobs: { id: number; job_name: string }[];
  };
  const job = jobs.jobs.find((j) => /age-\d+-\d+/.test(j.job_name));
  const [, min, max] = /age-(\d+)-(\d+)/.exec(job?.job_name ?? '') ?? [];
  if (!job) throw new Error('the demo data has no age-group training job');
  // As the console posts: JSON body, Origin and the CSRF header (lib/api/csrf.ts).
  const res = await ctx.request.post('/api/v1/training/models/export', {
    data: { training_job_id: job.id, age_group_min: Number(min), age_group_max: Number(max), export_format: 'onnx' },
    headers: { origin, 'x-drawbridge-request': '1' },
  });
  if (!res.ok()) throw new Error(`exporting ${job.job_name} failed: HTTP ${res.status()} ${await res.text()}`);
  return (await res.json()) as { model_id: string };
}

export async function benchModelPage(
  browser: Browser,
  opts: { root: string; distDir: string; port: number; reps: number },
): Promise<ModelPageResult> {
  if (!fs.existsSync(path.join(opts.root, opts.distDir, 'BUILD_ID')))
    return {
      skipped: `no production build in ${opts.distDir}/ (build one: NEXT_DIST_DIR=${opts.distDir} npx next build)`,
    };
  const server = await startServer(opts.root, opts.distDir, opts.port);
  try {
    const signIn = await browser.newContext({ baseURL: server.url });
    const page = await signIn.newPage();
    await page.goto('/sign-in');
    await page.getByLabel('Email').fill(DEMO_REVIEWER.email);
    await page.getByLabel('Password').fill(DEMO_REVIEWER.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('current-role').waitFor();
    const model = await exportDemoJob(signIn, server.url);
    const storageState = await signIn.storageState();
    await signIn.close();

    const url = `${server.url}/models/${encodeURIComponent(model.model_id)}`;
    const visits: Visit[] = [];
    for (let rep = 1; rep <= opts.reps; rep++) {
      const ctx = await browser.newContext({ storageState });
      try {
        visits.push(await openModelPage(ctx, url, 'cold', rep));
        visits.push(await openModelPage(ctx, url, 'warm', rep));
      } finally {
        await ctx.close();
      }
    }
    return { visits, modelId: model.model_id };
  } finally {
    await server.stop();
  }
}
