import fs from 'node:fs';
import { expect, test } from '@playwright/test';
import { signIn } from './helpers';
import { stride0GatherCheckpoint, zipBombCheckpoint, ZIP_BOMB_INFLATED_BYTES } from '../lib/formats/test-support/hostile-checkpoints';

// Hostile uploads cost a worker, never the server: a 718-byte stride-0 gather (2 GiB once
// gathered) and a 2 MB zip bomb (1.9 GiB inflated), honest and lying about its size, each through
// both upload routes with a bearer token, all at once, while another client polls /api/health
// every 100 ms. Every poll answers within 1 s, each upload gets its typed 422, and the server's
// resident memory stays under 1 GB.

const GiB = 1024 ** 3;

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

test('hostile checkpoints are refused with 422 while /api/health keeps answering and memory stays bounded', async ({ page, baseURL }) => {
  test.setTimeout(120_000);
  await signIn(page, 'reviewer', '/settings/tokens');
  await page.getByLabel('Name').fill('hostile uploads');
  await page.getByRole('button', { name: 'Create token' }).click();
  const token = await page.getByLabel('New token').inputValue();
  const auth = { Authorization: `Bearer ${token}` };

  const pid = listeningPid(Number(new URL(baseURL!).port));
  const before = memoryKb(pid);
  const gather = stride0GatherCheckpoint();
  const bomb = zipBombCheckpoint();
  const lyingBomb = zipBombCheckpoint(4 * 1024 * 1024);
  console.log(`next-server pid ${pid}: VmRSS ${Math.round(before.rss / 1024)} MB before; gather ${gather.length} B, bomb ${(bomb.length / 1e6).toFixed(2)} MB → ${(ZIP_BOMB_INFLATED_BYTES / GiB).toFixed(2)} GiB`);

  let polling = true;
  const polls: number[] = [];
  let peakRssKb = before.rss;
  const poller = (async () => {
    while (polling) {
      const t0 = performance.now();
      const res = await fetch(`${baseURL}/api/health`);
      await res.arrayBuffer();
      const ms = performance.now() - t0;
      expect(res.status).toBe(200);
      polls.push(ms);
      peakRssKb = Math.max(peakRssKb, memoryKb(pid).rss);
      await new Promise((r) => setTimeout(r, Math.max(0, 100 - ms)));
    }
  })();
  await new Promise((r) => setTimeout(r, 500)); // a baseline before the uploads land

  const upload = async (route: 'jobs' | 'direct', name: string, bytes: Uint8Array) => {
    const form = new FormData();
    if (route === 'jobs') form.set('metadata', JSON.stringify({ job_name: `hostile ${name}` }));
    else {
      form.set('age_group_min', '3');
      form.set('age_group_max', '4');
      form.set('export_format', 'onnx');
    }
    form.set('checkpoint', new Blob([bytes as Uint8Array<ArrayBuffer>]), name);
    const url = route === 'jobs' ? `${baseURL}/api/v1/training/jobs` : `${baseURL}/api/v1/training/models/export/direct`;
    const t0 = performance.now();
    const res = await fetch(url, { method: 'POST', headers: auth, body: form });
    const body = await res.json();
    return { route, name, status: res.status, code: body.code as string, detail: String(body.detail), ms: Math.round(performance.now() - t0) };
  };
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
  polling = false;
  await poller;

  const after = memoryKb(pid);
  const maxPoll = Math.max(...polls);
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
