// `npm run bench:registry`: the models list as people and pipelines meet it, over HTTP. Three real
// production servers (`next start`), each on its own embedded database holding 1 k, 10 k or 100 k
// exports with training jobs, deployments and validation runs; 10 concurrent authenticated clients
// per row (a bearer token for the API, a session cookie for pages), rows interleaved round-robin
// over servers and endpoints in every repetition; /api/health p95 measured idle and, by an 11th
// client, while the list is under load. Every repetition's row is printed, then the medians and
// the ratios issue 14's targets name. The seeded data directories are cached in
// node_modules/.cache/bench-registry (keyed by the migrations and the seed), each run serves a copy.
//
// Knobs: BENCH_SIZES=1000,10000 BENCH_REQUESTS=50 BENCH_REPS=2 BENCH_WARMUP=20 BENCH_ROW_MAX_S=30
// BENCH_PORTS=3141,3142,3143 BENCH_ENDPOINTS=0,3 (indexes below) BENCH_REBUILD=0 (keep a stale build).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { seededDataDir, type SeededDir } from './bench-registry/seed';
import { ensureBuild, freePort, startServer, type BenchServer } from './bench-registry/servers';
import { getOnce, percentile, probeIdle, runLoad, startProbe } from './bench-registry/load';
import {
  describeMachine,
  formatRow,
  medians,
  p95,
  ROW_HEADER,
  sizeLabel,
  targetLines,
  type Row,
} from './bench-registry/report';
import http from 'node:http';

const env = process.env;
const SIZES = (env.BENCH_SIZES || '1000,10000,100000').split(',').map(Number);
const REQUESTS = Number(env.BENCH_REQUESTS || 200);
const REPS = Number(env.BENCH_REPS || 5);
const WARMUP = Number(env.BENCH_WARMUP || 20);
const ROW_MAX_S = Number(env.BENCH_ROW_MAX_S || 30);
const CLIENTS = 10;
/** Idle /api/health requests before each row, on the server the row is about to load. */
const IDLE_PROBES = 40;

const LIST = '/api/v1/training/models/exports';
const ALL_ENDPOINTS = [
  { name: 'API list', path: LIST, auth: 'token' },
  { name: 'API age 3-4', path: `${LIST}?age_group_min=3&age_group_max=4`, auth: 'token' },
  { name: 'API candidates, largest first', path: `${LIST}?environment=candidate&sort=size`, auth: 'token' },
  { name: '/models page', path: '/models', auth: 'session' },
  { name: '/models not deployed, by size', path: '/models?deployed=no&sort=size', auth: 'session' },
] as const;
const ENDPOINTS = env.BENCH_ENDPOINTS
  ? env.BENCH_ENDPOINTS.split(',').map((i) => ALL_ENDPOINTS[Number(i)])
  : [...ALL_ENDPOINTS];

const started = performance.now();
const elapsed = () => `${((performance.now() - started) / 1000).toFixed(0)} s`;
console.log(describeMachine());
console.log(
  `sizes ${SIZES.map(sizeLabel).join(', ')}; ${REQUESTS} requests per row at ${CLIENTS} clients after ${WARMUP} ` +
    `warm-up; ${REPS} repetitions; a row stops at ${ROW_MAX_S} s\n`,
);

// 1. Data: seeded once per migrations + seed version, then a fresh copy per run.
const cacheRoot = path.join(import.meta.dirname, '..', 'node_modules', '.cache', 'bench-registry');
const seeded: (SeededDir & { size: number })[] = [];
for (const size of SIZES) {
  const s = await seededDataDir(cacheRoot, size);
  console.log(`${sizeLabel(size).padStart(5)} exports: ${s.cached ? 'cached' : `seeded in ${s.phases}`}`);
  seeded.push({ size, ...s });
}
ensureBuild();
const runRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'drawbridge-bench-registry-'));
const servers: BenchServer[] = [];
const stopAll = async () => {
  await Promise.allSettled(servers.map((s) => s.stop()));
  fs.rmSync(runRoot, { recursive: true, force: true });
};
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => void stopAll().then(() => process.exit(130)));

try {
  const t = performance.now();
  const dirs = seeded.map(({ size, dataDir }) => {
    const dir = path.join(runRoot, String(size));
    // A copy-on-write clone where the filesystem offers one; a plain copy elsewhere.
    fs.cpSync(dataDir, dir, { recursive: true, mode: fs.constants.COPYFILE_FICLONE });
    return dir;
  });
  console.log(`copied the data directories in ${((performance.now() - t) / 1000).toFixed(1)} s`);

  // 2. Three production servers side by side.
  const ports = env.BENCH_PORTS ? env.BENCH_PORTS.split(',').map(Number) : [];
  for (let i = 0; i < SIZES.length; i++) ports[i] ??= await freePort();
  servers.push(...(await Promise.all(seeded.map((s, i) => startServer(`${sizeLabel(s.size)}`, dirs[i], ports[i])))));
  console.log(`servers up at ${elapsed()}: ${servers.map((s) => `${s.label} ${s.url}`).join(', ')}\n`);

  const headersFor = (i: number, auth: string): http.OutgoingHttpHeaders =>
    auth === 'token'
      ? { authorization: `Bearer ${seeded[i].credentials.apiToken}`, accept: 'application/json' }
      : { cookie: `drawbridge_session=${seeded[i].credentials.sessionToken}`, accept: 'text/html' };

  // 3. Every endpoint answers 200 as the benchmark's user before anything is timed, then warms up.
  for (const [i, server] of servers.entries())
    for (const e of ENDPOINTS) {
      const agent = new http.Agent();
      const s = await getOnce(new URL(e.path, server.url), headersFor(i, e.auth), agent);
      agent.destroy();
      if (s.status !== 200)
        throw new Error(`${e.name} on the ${server.label} server answered ${s.status}:\n${server.output()}`);
      await runLoad({
        url: new URL(e.path, server.url),
        headers: headersFor(i, e.auth),
        clients: CLIENTS,
        requests: WARMUP,
        maxSeconds: ROW_MAX_S,
      });
    }
  console.log(`warmed up at ${elapsed()}\n\n${ROW_HEADER}`);

  // 4. Repetitions: endpoints in turn, each on every server in turn (a rotating start, so no size
  // is always measured first); idle health on that server just before its row.
  const rows: Row[] = [];
  const measuring = performance.now();
  for (let rep = 1; rep <= REPS; rep++) {
    if (rep === 2) {
      const each = (performance.now() - measuring) / 1000;
      console.log(`    (a repetition takes ${each.toFixed(0)} s: about ${(each * (REPS - 1)).toFixed(0)} s to go)`);
    }
    for (const e of ENDPOINTS)
      for (let k = 0; k < servers.length; k++) {
        const i = (k + rep - 1) % servers.length;
        const server = servers[i];
        const health = new URL('/api/health', server.url);
        const idle = await probeIdle(health, IDLE_PROBES);
        const probe = startProbe(health);
        const r = await runLoad({
          url: new URL(e.path, server.url),
          headers: headersFor(i, e.auth),
          clients: CLIENTS,
          requests: REQUESTS,
          maxSeconds: ROW_MAX_S,
        });
        const underLoad = await probe.stop();
        const row: Row = {
          rep,
          endpoint: e.name,
          size: SIZES[i],
          requests: r.latencies.length,
          failures: r.failures.length,
          cut: r.cut,
          p50: percentile(r.latencies, 50),
          p95: p95(r.latencies),
          rps: r.latencies.length / r.seconds,
          healthIdleP95: p95(idle),
          healthLoadP95: p95(underLoad),
        };
        rows.push(row);
        console.log(formatRow(row));
        if (r.failures.length) console.log(`    first failure: ${r.failures[0]}`);
      }
  }

  // 5. Medians and the targets.
  const names = ENDPOINTS.map((e) => e.name);
  const summary = medians(rows, names, SIZES);
  console.log(`\nmedian of ${REPS} repetitions (n: requests over all of them)\n${ROW_HEADER}`);
  for (const r of summary) console.log(formatRow(r).replace(/^0 {3}/, 'med '));
  console.log('\ntargets (issue 14), on the medians');
  for (const line of targetLines(summary, names, SIZES)) console.log(line);
  const failed = rows.reduce((s, r) => s + r.failures, 0);
  console.log(`\n${failed} failed requests; finished in ${elapsed()}`);
  if (failed) process.exitCode = 1;
} finally {
  await stopAll();
}
