import { defineConfig, devices } from '@playwright/test';
import os from 'node:os';
import path from 'node:path';

// The e2e server gets its own data directory and port so it never touches ./data.
const port = Number(process.env.E2E_PORT || 3199);
const dataDir = process.env.E2E_DATA_DIR || path.join(os.tmpdir(), `drawbridge-e2e-${process.pid}`);
process.env.E2E_DATA_DIR = dataDir;

export default defineConfig({
  testDir: 'e2e',
  outputDir: 'test-results',
  timeout: 60_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [['list'], ['html', { open: 'never', outputFolder: 'playwright-report' }]],
  globalSetup: './e2e/global-setup.ts',
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    screenshot: 'on',
    trace: 'retain-on-failure',
    launchOptions: {
      // Debian's Chromium; Playwright never downloads a browser here.
      executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
    },
  },
  projects: [{ name: 'chromium', use: { ...devices['Desktop Chrome'] } }],
  webServer: {
    // A production build (npm test builds first), migrated and seeded into a fresh data dir.
    command: `node node_modules/.bin/tsx --conditions=react-server prisma/seed.ts && node node_modules/.bin/next start -p ${port}`,
    url: `http://127.0.0.1:${port}/api/health`,
    timeout: 120_000,
    reuseExistingServer: false,
    // The review e2e's webhook receiver listens on loopback, which the egress policy refuses unless allowed.
    env: { DRAWBRIDGE_DATA_DIR: dataDir, DRAWBRIDGE_DEMO: '1', DATABASE_URL: '', DRAWBRIDGE_WEBHOOK_ALLOW_CIDRS: '127.0.0.1/32' },
    stdout: 'pipe',
  },
});
