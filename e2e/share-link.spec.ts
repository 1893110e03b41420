import { expect, test } from './fixtures';
import { authFile, consolePost, openAs } from './helpers';

test('a public link opens one model page signed out, unfurls, and is refused once revoked', async ({
  browser,
}, testInfo) => {
  const deployerContext = await browser.newContext({ storageState: authFile('deployer') });
  const deployer = await deployerContext.newPage();
  await openAs(deployer, 'deployer', '/training-jobs');
  const jobs = await (await deployer.request.get('/api/v1/training/jobs?page_size=100')).json();
  const job = jobs.jobs.find((j: { job_name: string }) => j.job_name === 'autoencoder-age-3-4-2026-11');
  const res = await consolePost(deployer.request, '/api/v1/training/models/export', {
    training_job_id: job.id,
    age_group_min: 3,
    age_group_max: 4,
    export_format: 'onnx',
  });
  expect(res.status()).toBe(200);
  const { model_id: modelId } = await res.json();

  await deployer.goto(`/models/${modelId}`);
  await deployer.getByRole('button', { name: 'Create public link' }).click();
  const url = await deployer.getByLabel('Public link').inputValue();
  expect(url).toMatch(/\/share\/[\w-]+\.[\w-]+$/);

  const anonymous = await (await browser.newContext()).newPage();
  await anonymous.goto(url);
  // the readable name, the id beneath it
  await expect(
    anonymous.getByRole('heading', { level: 1, name: 'autoencoder-age-3-4-2026-11 · 3–4 years · ONNX' }),
  ).toBeVisible();
  await expect(anonymous.getByText(modelId, { exact: true }).first()).toBeVisible();
  await expect(anonymous.getByText('Shared read-only from Drawbridge')).toBeVisible();
  await expect(anonymous.getByRole('button', { name: 'Sign out' })).toHaveCount(0);
  await expect(anonymous.getByRole('navigation', { name: 'Main' })).toHaveCount(0);
  await expect(anonymous.getByRole('button', { name: /Deploy|Validate/ })).toHaveCount(0);
  // unfurl metadata and its generated card
  await expect(anonymous.locator('meta[property="og:title"]')).toHaveAttribute('content', new RegExp(modelId));
  await expect(anonymous.locator('meta[name="twitter:card"]')).toHaveAttribute('content', 'summary_large_image');
  const image = await anonymous.locator('meta[property="og:image"]').getAttribute('content');
  const png = await anonymous.request.get(new URL(image!).pathname);
  expect(png.status()).toBe(200);
  expect(png.headers()['content-type']).toBe('image/png');
  await testInfo.attach('og-card.png', { body: await png.body(), contentType: 'image/png' });
  await anonymous.screenshot({ path: testInfo.outputPath('shared-page.png'), fullPage: true });

  // the link shows that page and nothing beyond it
  await anonymous.goto(`/models/${modelId}`);
  await expect(anonymous).toHaveURL(/\/sign-in/);
  expect((await anonymous.request.get(`/api/v1/training/models/exports/${modelId}`)).status()).toBe(401);

  // revoked, it is refused
  await deployer.reload();
  await deployer.getByRole('button', { name: /Revoke link/ }).click();
  await expect(deployer.getByText('Link revoked: it no longer opens the page.')).toBeVisible();
  const gone = await anonymous.goto(url);
  expect(gone?.status()).toBe(404);
  await expect(anonymous.getByRole('heading', { name: 'This link is not available' })).toBeVisible();

  // Other specs share links on this server too (strict-csp, share-preview): this model's events only.
  await deployer.goto(`/audit?action=share_link.&subjectId=${modelId}`);
  await expect(deployer.getByRole('cell', { name: 'share_link.create' })).toBeVisible();
  await expect(deployer.getByRole('cell', { name: 'share_link.revoke' })).toBeVisible();
});
