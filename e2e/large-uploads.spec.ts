import { execFile, spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Browser, Page } from '@playwright/test';
import { expect, test } from './fixtures';
import { writeTorchCheckpoint } from '../lib/formats/torch-write';
import { randomAutoencoder } from '../lib/formats/test-support/autoencoders';
import { signIn } from './helpers';

/**
 * Uploads up to the limit the README states, through every way in: the API with a bearer token,
 * the CLI's --server mode, the console's upload form. Its own server runs with
 * DRAWBRIDGE_MAX_ARTIFACT_MB=120 so a checkpoint over the limit is cheap to make.
 */
const run = promisify(execFile);
const LIMIT_MB = 120;
const PORT = Number(process.env.E2E_PORT || 3199) + 1;
const BASE = `http://127.0.0.1:${PORT}`;
const JOBS = `${BASE}/api/v1/training/jobs`;

let tmp: string;
let server: ChildProcess;
let serverLog = '';
let big: { file: string; sha256: string; size: number };
let tooBig: { file: string; size: number };
let token: string;

/** A real torch.save zip checkpoint of the autoencoder layout, 832-[hidden]: 2·832·hidden float32s. */
function writeCheckpoint(file: string, hidden: number, seed: number) {
  const bytes = writeTorchCheckpoint(randomAutoencoder(832, [hidden], seed), {
    epochs: 1,
    source: 'large-uploads e2e',
  });
  fs.writeFileSync(file, bytes);
  return { file, size: bytes.byteLength, sha256: crypto.createHash('sha256').update(bytes).digest('hex') };
}

async function waitForHealth(deadline: number) {
  while (Date.now() < deadline) {
    if (server.exitCode !== null) throw new Error(`the upload server exited (${server.exitCode}):\n${serverLog}`);
    const ok = await fetch(`${BASE}/api/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`the upload server did not come up:\n${serverLog}`);
}

async function reviewerPage(browser: Browser): Promise<Page> {
  const context = await browser.newContext({ baseURL: BASE });
  const page = await context.newPage();
  await signIn(page, 'reviewer');
  return page;
}

const auth = () => ({ Authorization: `Bearer ${token}` });

function freshGetJson<T = { jobs: { job_name: string }[] }>(url: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers: auth(), agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () =>
        res.statusCode === 200 ? resolve(JSON.parse(text)) : reject(new Error(`GET ${url}: ${res.statusCode} ${text}`)),
      );
    });
    req.on('error', reject);
  });
}

async function job(id: number) {
  return freshGetJson<{ id: number; job_name: string; checkpoint_sha256: string | null }>(`${JOBS}/${id}`);
}

/** A multipart body written by hand onto a raw HTTP request: chunked (no Content-Length) or declared. */
function rawUpload(opts: {
  file?: string;
  declaredLength?: number;
  sendBytes?: number;
  path?: string;
  headers?: Record<string, string>;
}) {
  const boundary = `e2e-${crypto.randomUUID()}`;
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="metadata"\r\n\r\n${JSON.stringify({ job_name: 'raw upload' })}\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="checkpoint"; filename="raw.pth"\r\nContent-Type: application/octet-stream\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  return new Promise<{ status: number; body: { code?: string; detail?: string }; sentBeforeAnswer: number }>(
    (resolve, reject) => {
      let sent = 0;
      const headers: Record<string, string> = {
        'content-type': `multipart/form-data; boundary=${boundary}`,
        ...opts.headers,
      };
      if (opts.declaredLength !== undefined) headers['content-length'] = String(opts.declaredLength);
      const req = http.request(`${BASE}${opts.path ?? '/api/v1/training/jobs'}`, { method: 'POST', headers }, (res) => {
        const sentBeforeAnswer = sent;
        const chunks: Buffer[] = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          resolve({
            status: res.statusCode!,
            body: JSON.parse(Buffer.concat(chunks).toString('utf8')),
            sentBeforeAnswer,
          });
          req.destroy(); // the rest of a declared body is never sent
        });
      });
      req.on('error', reject);
      const write = (b: Buffer) => {
        sent += b.length;
        return req.write(b);
      };
      write(head);
      if (opts.sendBytes !== undefined) {
        write(Buffer.alloc(opts.sendBytes)); // then wait: the answer must come without the rest
        return;
      }
      const src = fs.createReadStream(opts.file!, { highWaterMark: 1 << 20 });
      src.on('data', (c) => {
        if (!write(c as Buffer)) {
          src.pause();
          req.once('drain', () => src.resume());
        }
      });
      src.on('error', reject);
      // A server that answers mid-stream may close its side; what it answered is what counts.
      src.on('end', () => req.end(tail));
    },
  );
}

test.describe.configure({ mode: 'serial' });

test.beforeAll(async ({ browser }) => {
  test.setTimeout(240_000);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'drawbridge-uploads-'));
  big = writeCheckpoint(path.join(tmp, 'wide-autoencoder.pth'), 15_000, 1); // ≈ 100 MB
  tooBig = writeCheckpoint(path.join(tmp, 'too-wide-autoencoder.pth'), 19_600, 2); // ≈ 130 MB
  expect(big.size).toBeGreaterThan(99e6);
  expect(big.size).toBeLessThan(LIMIT_MB * 1024 * 1024);
  expect(tooBig.size).toBeGreaterThan(LIMIT_MB * 1024 * 1024);

  const dataDir = path.join(tmp, 'data');
  server = spawn(
    'sh',
    [
      '-c',
      `node node_modules/.bin/tsx --conditions=react-server prisma/seed.ts --jobs-only && exec node node_modules/.bin/next start -H 127.0.0.1 -p ${PORT}`,
    ],
    {
      env: {
        ...process.env,
        DRAWBRIDGE_DATA_DIR: dataDir,
        DRAWBRIDGE_DEMO: '1',
        DATABASE_URL: '',
        DRAWBRIDGE_MAX_ARTIFACT_MB: String(LIMIT_MB),
      },
      detached: true, // its own process group, so the Next.js server child goes with it
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  server.stdout!.on('data', (c) => (serverLog += c));
  server.stderr!.on('data', (c) => (serverLog += c));
  await waitForHealth(Date.now() + 150_000);

  const page = await reviewerPage(browser);
  await page.goto('/settings/tokens');
  await page.getByLabel('Name').fill('large uploads e2e');
  await page.getByRole('button', { name: 'Create token' }).click();
  token = await page.getByLabel('New token').inputValue();
  await page.context().close();
});

test.afterEach(async ({}, testInfo) => {
  if (testInfo.status !== testInfo.expectedStatus)
    fs.writeFileSync(testInfo.outputPath('upload-server.log'), serverLog);
});

test.afterAll(async () => {
  if (server?.pid && server.exitCode === null) {
    const exited = new Promise((r) => server.once('exit', r));
    process.kill(-server.pid, 'SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
    if (server.exitCode === null) process.kill(-server.pid, 'SIGKILL');
  }
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

test('a 100 MB checkpoint registers through the API with a bearer token', async () => {
  const form = new FormData();
  form.set('metadata', JSON.stringify({ job_name: 'wide via API', report: { final_loss: 0.01 } }));
  form.set('checkpoint', await fs.openAsBlob(big.file), 'wide-autoencoder.pth'); // streamed from disk
  const res = await fetch(JOBS, { method: 'POST', headers: auth(), body: form });
  const body = await res.json();
  expect(res.status, JSON.stringify(body)).toBe(201);
  expect(body.checkpoint_sha256).toBe(big.sha256);
  expect((await job(body.id)).checkpoint_sha256).toBe(big.sha256);
});

test('the upload routes stay authenticated outside the proxy', async () => {
  // Refused before the body is read: 401 arrives while only the first bytes are sent.
  const anonymous = await rawUpload({ declaredLength: big.size, sendBytes: 64 * 1024 });
  expect(anonymous.status).toBe(401);
  expect(anonymous.body.code).toBe('unauthenticated');
  const direct = await rawUpload({
    declaredLength: big.size,
    sendBytes: 64 * 1024,
    path: '/api/v1/training/models/export/direct',
  });
  expect(direct.status).toBe(401);
  expect((await fetch(JOBS)).status).toBe(401);
});

test('over the limit: 413 from Content-Length before the body is read, and mid-stream when chunked', async () => {
  // Declared larger than the endpoint could ever take (two files at the limit plus fields).
  const declared = await rawUpload({
    declaredLength: 3 * LIMIT_MB * 1024 * 1024,
    sendBytes: 64 * 1024,
    headers: auth(),
  });
  expect(declared.status).toBe(413);
  expect(declared.body.code).toBe('payload_too_large');
  expect(declared.body.detail).toContain(`at most ${LIMIT_MB} MB each (DRAWBRIDGE_MAX_ARTIFACT_MB)`);
  expect(declared.sentBeforeAnswer).toBeLessThan(100 * 1024);
  // The direct export takes one file: a 130 MB body is refused from its Content-Length alone.
  const direct = await rawUpload({
    declaredLength: tooBig.size + 1000,
    sendBytes: 64 * 1024,
    headers: auth(),
    path: '/api/v1/training/models/export/direct?age_group_min=2&age_group_max=3',
  });
  expect(direct.status).toBe(413);
  expect(direct.body.code).toBe('payload_too_large');
  expect(direct.body.detail).toContain(`one file of at most ${LIMIT_MB} MB`);

  // A 130 MB checkpoint in a form that may carry two files: refused as it streams in, with and
  // without Content-Length.
  const form = new FormData();
  form.set('metadata', JSON.stringify({ job_name: 'too wide via API' }));
  form.set('checkpoint', await fs.openAsBlob(tooBig.file), 'too-wide-autoencoder.pth');
  const withLength = await fetch(JOBS, { method: 'POST', headers: auth(), body: form });
  expect(withLength.status).toBe(413);
  expect(await withLength.json()).toEqual({
    code: 'artifact_too_large',
    detail: `the "checkpoint" file is larger than the ${LIMIT_MB} MB limit (DRAWBRIDGE_MAX_ARTIFACT_MB)`,
  });
  const chunked = await rawUpload({ file: tooBig.file, headers: auth() });
  expect(chunked.status).toBe(413);
  expect(chunked.body).toEqual({
    code: 'artifact_too_large',
    detail: `the "checkpoint" file is larger than the ${LIMIT_MB} MB limit (DRAWBRIDGE_MAX_ARTIFACT_MB)`,
  });

  // On a fresh connection: the server answered those uploads before reading their bodies and then
  // closes their connections, which fetch's pool may still hand out (ECONNRESET).
  const list = await freshGetJson(`${JOBS}?page_size=100`);
  expect(list.jobs.filter((j: { job_name: string }) => /too wide|raw upload/.test(j.job_name))).toEqual([]);
});

test('the CLI pushes a 100 MB checkpoint with a progress bar on a terminal, and none in a log', async () => {
  test.setTimeout(120_000);
  const env = { ...process.env, DRAWBRIDGE_DATA_DIR: path.join(tmp, 'cli'), DRAWBRIDGE_MAX_ARTIFACT_MB: '' };
  const out = path.join(tmp, 'pushed.json');
  // `script` gives the CLI a real pseudo-terminal for stderr; stdout (the JSON) goes to a file.
  const cmd = `node cli/drawbridge.mjs --server ${BASE} --token ${token} jobs push --name 'wide via CLI' --checkpoint ${big.file} --json > ${out}`;
  const tty = await run('script', ['-qec', cmd, '/dev/null'], { env, maxBuffer: 16 << 20 });
  const pushed = JSON.parse(fs.readFileSync(out, 'utf8'));
  expect(pushed.checkpoint_sha256).toBe(big.sha256);
  expect((await job(pushed.id)).checkpoint_sha256).toBe(big.sha256);
  const mb = (big.size / 1024 / 1024).toFixed(1);
  expect(tty.stdout).toContain('\ruploading wide-autoencoder.pth [');
  expect(tty.stdout).toMatch(
    new RegExp(`\\] 100%  ${mb.replace('.', '\\.')}/${mb.replace('.', '\\.')} MB +[\\d.]+ MB/s`),
  );

  // Not a terminal (a pipeline's log): no bar, and the server's 413 with its limit.
  const refused = await run(
    'node',
    [
      'cli/drawbridge.mjs',
      '--server',
      BASE,
      '--token',
      token,
      'jobs',
      'push',
      '--name',
      'too wide via CLI',
      '--checkpoint',
      tooBig.file,
    ],
    { env },
  ).then(
    () => ({ code: 0, stderr: '' }),
    (e: { code: number; stderr: string }) => e,
  );
  expect(refused.code).toBe(1);
  expect(refused.stderr).toContain(
    `the "checkpoint" file is larger than the ${LIMIT_MB} MB limit (DRAWBRIDGE_MAX_ARTIFACT_MB)`,
  );
  expect(refused.stderr).toContain('artifact_too_large');
  expect(refused.stderr).not.toContain('uploading');
  expect(refused.stderr).not.toContain('\r');
});

test('the console uploads a 100 MB checkpoint with a progress bar and opens the new job; over the limit it shows the server’s 413', async ({
  browser,
}) => {
  test.setTimeout(120_000);
  const page = await reviewerPage(browser);
  await page.goto('/training-jobs');
  await page.getByText('Register a training job').click();
  const form = page.getByRole('form', { name: 'Register a training job' });
  await form.getByLabel('Job name').fill('wide via console');
  await form.getByLabel('Final loss (optional)').fill('0.02');
  await form.getByLabel('Checkpoint (.pth)').setInputFiles(big.file);
  await form.getByRole('button', { name: 'Upload and register' }).click();
  const bar = form.getByRole('progressbar', { name: 'Upload progress' });
  await expect(bar).toBeVisible();
  expect(Number(await bar.getAttribute('aria-valuenow'))).toBeGreaterThanOrEqual(0);
  await expect(page).toHaveURL(/\/training-jobs\/\d+$/, { timeout: 60_000 });
  await expect(page.getByRole('heading', { name: 'wide via console' })).toBeVisible();
  const id = Number(new URL(page.url()).pathname.split('/').pop());
  expect((await job(id)).checkpoint_sha256).toBe(big.sha256);

  await page.goto('/training-jobs');
  await page.getByText('Register a training job').click();
  await form.getByLabel('Job name').fill('too wide via console');
  await form.getByLabel('Checkpoint (.pth)').setInputFiles(tooBig.file);
  await form.getByRole('button', { name: 'Upload and register' }).click();
  await expect(form.getByRole('alert')).toHaveText(
    `the "checkpoint" file is larger than the ${LIMIT_MB} MB limit (DRAWBRIDGE_MAX_ARTIFACT_MB) (artifact_too_large)`,
    { timeout: 60_000 },
  );
  await expect(page).toHaveURL(/\/training-jobs$/);
  await page.context().close();

  // A viewer may not register jobs: no form (and the API would answer 403).
  const viewer = await (await browser.newContext({ baseURL: BASE })).newPage();
  await signIn(viewer, 'viewer', '/training-jobs');
  await expect(viewer.getByRole('heading', { name: 'Training jobs' })).toBeVisible();
  await expect(viewer.getByText('Register a training job')).toHaveCount(0);
  await viewer.context().close();
});
