import { expect, test } from './fixtures';
import { pageAs } from './helpers';

test('training jobs list the demo runs with their reports, loss curves and checksums', async ({
  browser,
}, testInfo) => {
  const page = await pageAs(browser, 'reviewer', '/training-jobs');
  const rows = page.getByRole('table').getByRole('row');
  await expect(rows).toHaveCount(9); // header + one job per age group 2-3 … 9-12
  await expect(page.getByRole('link', { name: 'autoencoder-age-9-12-2026-11' })).toBeVisible();
  await page.screenshot({ path: testInfo.outputPath('training-jobs.png'), fullPage: true });

  await page.getByRole('link', { name: 'autoencoder-age-2-3-2026-11' }).click();
  await expect(page.getByRole('heading', { name: 'autoencoder-age-2-3-2026-11' })).toBeVisible();
  await expect(page.getByRole('img', { name: /Loss per epoch/ })).toBeVisible();
  // The legend names the curve; the values per epoch are a table for screen readers.
  await expect(page.locator('figcaption').getByText('Training loss', { exact: true })).toBeVisible();
  await expect(page.getByRole('columnheader', { name: 'Training loss' })).toHaveCount(1);
  const checkpointRow = page.getByRole('row', { name: /Checkpoint/ });
  await expect(checkpointRow).toContainText(/[0-9a-f]{64}/);
  await page.screenshot({ path: testInfo.outputPath('training-job.png'), fullPage: true });

  const api = await page.request.get('/api/v1/training/jobs?page_size=100');
  expect(api.status()).toBe(200);
  const body = await api.json();
  expect(body.total).toBe(8);
  const job = body.jobs.find((j: { job_name: string }) => j.job_name === 'autoencoder-age-2-3-2026-11');
  expect(job.status).toBe('completed');
  expect(job.report.final_loss).toBeGreaterThan(0);
  expect(job.report.metrics_summary.train_loss.length).toBeGreaterThan(3);
});

test('an API token acts as its owner over HTTP until it is revoked', async ({ browser, playwright, baseURL }) => {
  const page = await pageAs(browser, 'deployer', '/settings/tokens');
  await page.getByLabel('Name').fill('e2e pipeline');
  await page.getByRole('button', { name: 'Create token' }).click();
  const token = await page.getByLabel('New token').inputValue();
  expect(token).toMatch(/^dbt_/);

  const api = await playwright.request.newContext({ baseURL, extraHTTPHeaders: { Authorization: `Bearer ${token}` } });
  const me = await api.get('/api/v1/me');
  expect(me.status()).toBe(200);
  expect(await me.json()).toMatchObject({ role: 'deployer', via: 'token' });
  expect((await api.get('/api/v1/audit')).status()).toBe(200);

  await page.reload();
  await page.getByRole('button', { name: 'Revoke token e2e pipeline' }).click();
  await expect(page.getByText('revoked')).toBeVisible();
  expect((await api.get('/api/v1/me')).status()).toBe(401);
  await api.dispose();
});

test('a viewer token is refused what a viewer may not do', async ({ browser, playwright, baseURL }) => {
  const page = await pageAs(browser, 'viewer', '/settings/tokens');
  await page.getByLabel('Name').fill('viewer script');
  await page.getByRole('button', { name: 'Create token' }).click();
  const token = await page.getByLabel('New token').inputValue();
  const api = await playwright.request.newContext({ baseURL, extraHTTPHeaders: { Authorization: `Bearer ${token}` } });
  expect((await api.get('/api/v1/training/jobs')).status()).toBe(200);
  const refused = await api.get('/api/v1/audit');
  expect(refused.status()).toBe(403);
  expect(await refused.json()).toMatchObject({ code: 'forbidden' });
  await api.dispose();
});
