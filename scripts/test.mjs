#!/usr/bin/env node
// `npm test`: everything, in order — lint (ESLint, then Prettier's check), typecheck, unit and
// integration tests (PGlite, plus a throwaway PostgreSQL cluster when PostgreSQL is installed), a
// production build, and the Playwright journeys in Debian's Chromium. Stops at the first failing stage.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startPgCluster } from './pg-test-cluster.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
process.chdir(root);
const bin = (name) => path.join(root, 'node_modules', '.bin', name);
const only = process.argv.slice(2); // e.g. `npm test -- unit` or `npm test -- e2e`
const want = (stage) => only.length === 0 || only.includes(stage);

function stage(name, cmd, args, env = {}) {
  const t0 = Date.now();
  console.log(`\n▶ ${name}: ${[path.basename(cmd), ...args].join(' ')}`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', env: { ...process.env, ...env } });
  const secs = ((Date.now() - t0) / 1000).toFixed(1);
  if (r.status !== 0) {
    console.error(`✖ ${name} failed after ${secs}s`);
    process.exit(r.status ?? 1);
  }
  console.log(`✔ ${name} (${secs}s)`);
}

if (want('lint')) {
  // The caches keep a re-run to seconds: only files changed since the last run are read again.
  const cache = (tool) => ['--cache', '--cache-location', `node_modules/.cache/${tool}-cache.json`];
  stage('eslint', bin('eslint'), ['.', '--max-warnings', '0', ...cache('eslint')]);
  stage('format', bin('prettier'), ['--check', '.', '--log-level', 'warn', ...cache('prettier')]);
}

if (want('typecheck')) stage('typecheck', bin('tsc'), ['--noEmit', '-p', '.']);

if (want('unit')) {
  const pg = await startPgCluster().catch((e) => ({ skipped: `could not start PostgreSQL: ${e.message}` }));
  if (pg.skipped) console.warn(`\n⚠ PostgreSQL integration tests SKIPPED: ${pg.skipped}. They run on PGlite only.`);
  else console.log(`\nPostgreSQL test cluster at ${pg.url}`);
  // stage() exits the process on failure, which skips a finally: stop the cluster on exit too.
  const stopPg = () => pg.stop?.();
  process.once('exit', stopPg);
  stage('unit + integration', bin('vitest'), ['run'], pg.url ? { DRAWBRIDGE_TEST_POSTGRES_URL: pg.url } : {});
  process.off('exit', stopPg);
  stopPg();
}

if (want('e2e')) {
  stage('build', bin('next'), ['build']);
  stage('e2e', bin('playwright'), ['test']);
}
console.log('\nAll tests passed.');
