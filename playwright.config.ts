import { defineConfig, devices } from '@playwright/test';
import os from 'node:os';
import path from 'node:path';
import { CHROMIUM_ARGS, CHROMIUM_PATH, WEBGPU_ARG } from './e2e/chromium-flags';

// The e2e server gets its own data directory and port so it never touches ./data.
const port = Number(process.env.E2E_PORT || 3199);
const dataDir = process.env.E2E_DATA_DIR || path.join(os.tmpdir(), `drawbridge-e2e-${process.pid}`);
process.env.E2E_DATA_DIR = dataDir;

// These compare counts of the whole server's records before and after (the audit chain's events,
// csrf's snapshot of everything an attack could change) or time its answers under hostile uploads:
// they run one at a time while nothing else uses the shared server, only the specs that start
// servers of their own.
const QUIET = /(audit-chain|csrf|hostile-uploads|signing-keys)\.spec\.ts$/;
const OWN_SERVER = /(data-dir-lock|large-uploads|several-servers)\.spec\.ts$/;
// The lived-in demo runs on a server of its own (seeded once by the demo-setup project, stopped by
// demo-teardown), so it runs in the quiet specs' stage: they keep one worker and the demo's tests,
// parallel within their file (the console sweep is one test per role), share the other with the
// own-server specs. Its seed runs in the first stage, beside the sign-ins.
const DEMO = /lived-in-demo\.spec\.ts$/;
// These deploy to production and assert its coverage map or its webhook deliveries (whole file
// names: share-preview.spec.ts deploys nothing).
const PRODUCTION = /\/(export-validate-deploy|preview|review-approval)\.spec\.ts$/;
// The preview's backend choice, in a Chromium that offers a WebGPU adapter (SwiftShader here).
const WEBGPU = /backend-choice\.spec\.ts$/;
// Debian's Chromium, launched as the preview bench launches it (e2e/chromium-flags.ts).
const CHROMIUM = { executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS] };

export default defineConfig({
  testDir: 'e2e',
  outputDir: 'test-results',
  // Two spec files share the two cores: a test that computes (the in-browser preview) takes longer.
  timeout: 120_000,
  expect: { timeout: 10_000 },
  // Spec files run two at a time; the tests of one file run in order (several build on the one before).
  fullyParallel: false,
  workers: 2,
  retries: 0,
  reporter: [['list'], ['html', { open: 'never', outputFolder: 'playwright-report' }]],
  globalSetup: './e2e/global-setup.ts',
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    screenshot: 'on',
    trace: 'retain-on-failure',
    launchOptions: CHROMIUM,
  },
  // Every spec seeds its own data (its own demo age group, or its own server); the order that
  // remains is about what a spec asserts of the whole server (QUIET, PRODUCTION above).
  projects: [
    // First in its stage, so the longest (the demo's seed) starts first.
    {
      name: 'demo-setup',
      testMatch: /demo\.setup\.ts$/,
      teardown: 'demo-teardown',
      use: { ...devices['Desktop Chrome'] },
    },
    { name: 'demo-teardown', testMatch: /demo\.teardown\.ts$/ },
    { name: 'setup', testMatch: /auth\.setup\.ts$/, use: { ...devices['Desktop Chrome'] } },
    // Not for the sign-ins: 'setup' puts these in the second stage, beside the quiet specs (one
    // worker) and the demo's tests, where they share the other; the first stage is then the demo's
    // seed, which nothing else of the first stage waited for.
    {
      name: 'own-server',
      testMatch: OWN_SERVER,
      dependencies: ['setup'],
      use: { ...devices['Desktop Chrome'] },
    },
    { name: 'quiet', testMatch: QUIET, workers: 1, dependencies: ['setup'], use: { ...devices['Desktop Chrome'] } },
    { name: 'demo', testMatch: DEMO, dependencies: ['demo-setup'], use: { ...devices['Desktop Chrome'] } },
    {
      name: 'production',
      testMatch: PRODUCTION,
      workers: 1,
      dependencies: ['quiet'],
      use: { ...devices['Desktop Chrome'] },
    },
    {
      name: 'webgpu',
      testMatch: WEBGPU,
      dependencies: ['quiet'],
      use: {
        ...devices['Desktop Chrome'],
        launchOptions: { ...CHROMIUM, args: [...CHROMIUM.args, WEBGPU_ARG] },
      },
    },
    {
      name: 'chromium',
      testIgnore: [QUIET, PRODUCTION, OWN_SERVER, DEMO, WEBGPU],
      dependencies: ['quiet'],
      use: { ...devices['Desktop Chrome'] },
    },
  ],
  webServer: {
    // A production build (npm test builds first), migrated and seeded into a fresh data dir.
    command: `node node_modules/.bin/tsx --conditions=react-server prisma/seed.ts --jobs-only && node node_modules/.bin/next start -p ${port}`,
    url: `http://127.0.0.1:${port}/api/health`,
    timeout: 120_000,
    reuseExistingServer: false,
    // The review e2e's webhook receiver listens on loopback, which the egress policy refuses unless allowed.
    env: {
      DRAWBRIDGE_DATA_DIR: dataDir,
      DRAWBRIDGE_DEMO: '1',
      DATABASE_URL: '',
      DRAWBRIDGE_WEBHOOK_ALLOW_CIDRS: '127.0.0.1/32',
    },
    stdout: 'pipe',
  },
});
