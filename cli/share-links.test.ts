// `drawbridge models share / share-links / unshare` in local mode, through the CLI's own main() in
// this process, on a copy of a migrated embedded database seeded with the demo team and jobs: the
// URL printed once, the list without it, revoking once, and the refusals (reviewer, bad --days,
// unknown model, unknown link) with their codes.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMigratedDataDir, ok, runCliInProcess, type CliRun } from './test-support';

let dir: string;
let dataDir: string;
let modelId: string;

const drawbridge = (...args: string[]): Promise<CliRun> => runCliInProcess(args, { dataDir });
type Link = { id: string; active: boolean; access_count: number; revoked_by: string | null; token?: string };
const links = async (): Promise<Link[]> =>
  JSON.parse(ok(await drawbridge('models', 'share-links', modelId, '--json')).stdout);

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'drawbridge-cli-share-'));
  dataDir = path.join(dir, 'data');
  await createMigratedDataDir(dataDir);
  delete process.env.DRAWBRIDGE_SECRET;
  delete process.env.DRAWBRIDGE_PUBLIC_URL;
  ok(await drawbridge('seed', '--jobs-only'));
  const job = JSON.parse(ok(await drawbridge('jobs', 'list', '--json')).stdout).jobs[0];
  const exported = await drawbridge(
    ...['export', '--job', String(job.id), '--min', String(job.age_group_min), '--max', String(job.age_group_max)],
    ...['--format', 'onnx', '--json'],
  );
  modelId = JSON.parse(ok(exported).stdout).model_id;
}, 180_000);
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('drawbridge models share / share-links / unshare', () => {
  it('prints the URL once, lists the link without it, and revokes it once', async () => {
    expect(ok(await drawbridge('models', 'share-links', modelId)).stdout).toBe(`${modelId} has no share links.\n`);

    const made = ok(await drawbridge('models', 'share', modelId, '--as', 'deployer@drawbridge.test'));
    expect(made.stdout).toMatch(/^http:\/\/localhost:3000\/share\/[\w-]+\.[\w-]+\n$/);
    expect(made.stderr).toMatch(/share link \S+ for \S+, until revoked; its URL is shown only now/);
    const token = made.stdout.trim().split('/share/')[1];

    const expiring = JSON.parse(ok(await drawbridge('models', 'share', modelId, '--days', '7', '--json')).stdout);
    expect(expiring).toMatchObject({ active: true, created_by: 'Ada Admin', url: expect.stringContaining('/share/') });
    expect(Date.parse(expiring.expires_at) - Date.now()).toBeGreaterThan(6.9 * 86_400_000);

    const listed = await links();
    expect(listed.map((l) => l.id)).toEqual([expiring.id, expect.any(String)]);
    expect(JSON.stringify(listed)).not.toContain(token.split('.')[0]);
    expect(listed.every((l) => l.token === undefined)).toBe(true);
    const first = listed[1].id;

    const shown = ok(await drawbridge('models', 'share-links', modelId)).stdout;
    expect(shown).toMatch(/^ID\s+STATUS\s+CREATED\s+BY\s+EXPIRES\s+VIEWS\s+LAST VIEWED\n/);
    expect(shown).toMatch(new RegExp(`^${first}\\s+active\\s+\\S+\\s+Dana Deployer\\s+never\\s+0\\s+—$`, 'm'));

    expect(ok(await drawbridge('models', 'unshare', first)).stdout).toBe(
      `Revoked share link ${first}: it no longer opens the page.\n`,
    );
    expect((await links()).find((l) => l.id === first)).toMatchObject({ active: false, revoked_by: 'Ada Admin' });
    expect(ok(await drawbridge('models', 'share-links', modelId)).stdout).toMatch(
      new RegExp(`^${first}\\s+revoked`, 'm'),
    );

    const again = await drawbridge('models', 'unshare', first);
    expect([again.code, again.stderr]).toEqual([1, expect.stringMatching(/not found \(share_link_not_found\)/)]);
  }, 120_000);

  it('refuses reviewers, bad --days, an unknown model and a missing argument', async () => {
    const before = (await links()).length;
    const reviewer = await drawbridge('models', 'share', modelId, '--as', 'reviewer@drawbridge.test');
    expect([reviewer.code, reviewer.stderr]).toEqual([1, expect.stringMatching(/\(forbidden\)/)]);
    for (const days of ['0', '366', '1.5', 'soon', '-3']) {
      const bad = await drawbridge('models', 'share', modelId, `--days=${days}`);
      expect([bad.code, bad.stderr], days).toEqual([2, expect.stringContaining('--days must be a whole number')]);
    }
    expect((await links()).length).toBe(before);
    const missing = 'autoencoder_2.0_3.0_20000101_000000';
    for (const cmd of ['share', 'share-links']) {
      const r = await drawbridge('models', cmd, missing);
      expect([r.code, r.stderr], cmd).toEqual([1, expect.stringMatching(/not found \(model_not_found\)/)]);
    }
    for (const cmd of ['share', 'share-links', 'unshare']) {
      expect((await drawbridge('models', cmd)).code, cmd).toBe(2);
    }
    const help = ok(await drawbridge('models', 'share', '--help')).stdout;
    expect(help).toContain('models share MODEL_ID [--days N] [--json]');
    expect(help).toContain('--days N');
  }, 120_000);
});
