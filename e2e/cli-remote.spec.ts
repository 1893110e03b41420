import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect, test } from './fixtures';
import { authFile, openAs } from './helpers';

test.use({ storageState: authFile('reviewer') });

const run = promisify(execFile);

// The CLI's --server mode against the real server: a pipeline with an API token pushes nothing
// by hand, it lists jobs, exports (downloading the artifact, checked against its checksum),
// validates, and is told to get approval before deploying.
test('the drawbridge CLI drives a running server with an API token', async ({ page, baseURL }) => {
  test.setTimeout(120_000);
  await openAs(page, 'reviewer', '/settings/tokens');
  await page.getByLabel('Name').fill('cli e2e');
  await page.getByRole('button', { name: 'Create token' }).click();
  const token = await page.getByLabel('New token').inputValue();
  const env = {
    ...process.env,
    DRAWBRIDGE_TOKEN: token,
    DRAWBRIDGE_DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'cli-remote-')),
  };
  const cli = (...args: string[]) => run('node', ['cli/drawbridge.mjs', ...args, '--server', baseURL!], { env });

  const jobs = JSON.parse((await cli('jobs', 'list', '--json')).stdout);
  const job = jobs.jobs.find((j: { job_name: string }) => j.job_name === 'autoencoder-age-6-7-2026-11');
  expect(job.status).toBe('completed');

  const out = path.join(env.DRAWBRIDGE_DATA_DIR, 'model.onnx');
  const exported = JSON.parse(
    (
      await cli(
        'export',
        '--job',
        String(job.id),
        '--min',
        '6',
        '--max',
        '7',
        '--format',
        'onnx',
        '--out',
        out,
        '--json',
      )
    ).stdout,
  );
  expect(exported.model_id).toMatch(/^autoencoder_6\.0_7\.0_/);
  expect(crypto.createHash('sha256').update(fs.readFileSync(out)).digest('hex')).toBe(exported.checksum);

  const validated = await cli('validate', exported.model_id);
  expect(validated.stdout).toMatch(/VALID/);

  const refused = await cli('deploy', exported.model_id, '--min', '6', '--max', '7').catch(
    (e: { code: number; stderr: string }) => e,
  );
  expect((refused as { code: number }).code).toBe(1);
  expect((refused as { stderr: string }).stderr).toMatch(/(approval_required|forbidden)/);

  const created = await cli(
    'requests',
    'create',
    exported.model_id,
    '--env',
    'staging',
    '--rationale',
    'Pipeline asks to deploy the 6–7 model to staging.',
    '--json',
  );
  expect(JSON.parse(created.stdout)).toMatchObject({ state: 'open' });
});
