import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { expect, test } from './fixtures';
import { authFile, openAs } from './helpers';
import {
  stride0GatherCheckpoint,
  zipBombCheckpoint,
  ZIP_BOMB_INFLATED_BYTES,
} from '../lib/formats/test-support/hostile-checkpoints';

test.use({ storageState: authFile('reviewer') });

// Hostile uploads cost a worker, never the server: a 718-byte stride-0 gather (2 GiB once
// gathered) and a 2 MB zip bomb (1.9 GiB inflated), honest and lying about its size, each through
// both upload routes with a bearer token, all at once, while another client (its own process)
// polls /api/health every 100 ms. Every poll answers within 1 s, each upload gets its typed 422,
// and the server's resident memory (VmRSS of the next-server listening on the e2e port, sampled
// every 50 ms) stays under 1 GB. Both routes are warmed first with a harmless refusal.

const GiB = 1024 ** 3;

/** Polls the URL every 100 ms until stdin closes; prints [{ms, status}] as JSON. */
const POLLER = `
const url = process.argv[1];
const polls = [];
let on = true;
process.stdin.on('end', () => (on = false)).resume();
(async () => {
  while (on) {
    const t0 = performance.now();
    let status = 0;
    try { const r = await fetch(url); await r.arrayBuffer(); status = r.status; } catch {}
    const ms = performance.now() - t0;
    polls.push({ ms, status });
    await new Promise((r) => setTimeout(r, Math.max(0, 100 - ms)));
  }
  process.stdout.write(JSON.stringify(polls));
})();
`;

/** The pid listening on `port` on this machine (the next-server Playwright started). */
function listeningPid(port: number): number {
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  const inodes = new Set<string>();
  for (const f of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of fs.readFileSync(f, 'utf8').split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length > 9 && cols[1].endsWith(`:${hex}`) && cols[3] === '0A') inodes.add(cols[9]);
    }
  }
  for (const pid of fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    let fds: string[];
    try {
      fds = fs.readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(fs.readlinkSync(`/proc/${pid}/fd/${fd}`));
        if (m && inodes.has(m[1])) return Number(pid);
      } catch {
        // the fd closed meanwhile
      }
    }
  }
  throw new Error(`nothing listens on port ${port}`);
}

function memoryKb(pid: number): { rss: number; hwm: number } {
  const s = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(s)?.[1] ?? NaN);
  return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
}

test('hostile checkpoints are refused with 422 while /api/health keeps answering and memory stays bounded', async ({
  page,
  baseURL,
}) => {
  test.setTimeout(120_000);
  await openAs(page, 'reviewer', '/settings/tokens');
  await page.getByLabel('Name').fill('hostile uploads');
  await page.getByRole('button', { name: 'Create token' }).click();
  const token = await page.getByLabel('New token').inputValue();
  const auth = { Authorization: `Bearer ${token}` };

  const pid = listeningPid(Number(new URL(baseURL!).port));
  const before = memoryKb(pid);
  const gather = stride0GatherCheckpoint();
  const bomb = zipBombCheckpoint();
  const lyingBomb = zipBombCheckpoint(4 * 1024 * 1024);
  console.log(
    `next-server pid ${pid}: VmRSS ${Math.round(before.rss / 1024)} MB before; gather ${gather.length} B, bomb ${(bomb.length / 1e6).toFixed(2)} MB → ${(ZIP_BOMB_INFLATED_BYTES / GiB).toFixed(2)} GiB`,
  );

  const upload = async (route: 'jobs' | 'direct', name: string, bytes: Uint8Array) => {
    const form = new FormData();
    if (route === 'jobs') form.set('metadata', JSON.stringify({ job_name: `hostile ${name}` }));
    else {
      form.set('age_group_min', '3');
      form.set('age_group_max', '4');
      form.set('export_format', 'onnx');
    }
    form.set('checkpoint', new Blob([bytes as Uint8Array<ArrayBuffer>]), name);
    const url =
      route === 'jobs' ? `${baseURL}/api/v1/training/jobs` : `${baseURL}/api/v1/training/models/export/direct`;
    const t0 = performance.now();
    const res = await fetch(url, { method: 'POST', headers: auth, body: form });
    const body = await res.json();
    return {
      route,
      name,
      status: res.status,
      code: body.code as string,
      detail: String(body.detail),
      ms: Math.round(performance.now() - t0),
    };
  };
  // Warm both routes first with a harmless refusal: the first request to a route loads its code,
  // which is Next.js's start-up cost, not what a hostile file costs.
  for (const route of ['jobs', 'direct'] as const) {
    const warm = await upload(route, 'not-a-checkpoint.pth', new TextEncoder().encode('not a checkpoint'));
    expect(warm.code).toBe('not_a_checkpoint');
  }

  // The other client is its own process, so building and sending the uploads here cannot delay
  // its polls: what it measures is the server alone. It polls until its stdin closes.
  const poller = spawn(process.execPath, ['-e', POLLER, `${baseURL}/api/health`], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let pollerOut = '';
  poller.stdout.on('data', (d) => (pollerOut += d));
  const pollerDone = new Promise((r) => poller.once('close', r));
  let peakRssKb = before.rss;
  const sampler = setInterval(() => (peakRssKb = Math.max(peakRssKb, memoryKb(pid).rss)), 50);
  await new Promise((r) => setTimeout(r, 800)); // a baseline before the uploads land

  const started = performance.now();
  const results = await Promise.all([
    upload('jobs', 'stride0-gather.pth', gather),
    upload('direct', 'stride0-gather.pth', gather),
    upload('jobs', 'zip-bomb.pth', bomb),
    upload('direct', 'zip-bomb.pth', bomb),
    upload('jobs', 'zip-bomb-lying.pth', lyingBomb),
    upload('direct', 'zip-bomb-lying.pth', lyingBomb),
  ]);
  const uploadsMs = Math.round(performance.now() - started);
  await new Promise((r) => setTimeout(r, 500));
  poller.stdin.end();
  await pollerDone;
  clearInterval(sampler);
  const polls = (JSON.parse(pollerOut) as { ms: number; status: number }[]).map((p) => {
    expect(p.status).toBe(200);
    return p.ms;
  });

  const after = memoryKb(pid);
  const maxPoll = Math.max(...polls);
  const sorted = [...polls].sort((x, y) => x - y);
  console.log(
    `health poll ms: p50 ${Math.round(sorted[Math.floor(sorted.length / 2)])}, p95 ${Math.round(sorted[Math.floor(sorted.length * 0.95)])}, max ${Math.round(maxPoll)}; all ${polls.map(Math.round).join(' ')}`,
  );
  for (const r of results) console.log(`${r.route} ${r.name}: ${r.status} ${r.code} in ${r.ms} ms — ${r.detail}`);
  console.log(
    `all uploads answered in ${uploadsMs} ms; ${polls.length} health polls, max ${Math.round(maxPoll)} ms; ` +
      `server VmRSS peak ${Math.round(peakRssKb / 1024)} MB during the test (VmHWM since start ${Math.round(after.hwm / 1024)} MB)`,
  );

  for (const r of results) {
    expect(r.status, `${r.route} ${r.name}`).toBe(422);
    expect(r.code, `${r.route} ${r.name}`).toBe(r.name.startsWith('stride0') ? 'tensor_too_large' : 'zip_bomb');
  }
  expect(polls.length).toBeGreaterThan(5);
  expect(maxPoll).toBeLessThan(1000);
  expect(peakRssKb * 1024).toBeLessThan(GiB);
});
