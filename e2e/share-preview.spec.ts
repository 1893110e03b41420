import type { APIRequestContext, Page } from '@playwright/test';
import { ortVersion } from '../lib/preview/ort-assets';
import { expect, test } from './fixtures';
import { authFile, consolePost, exportDemoJob, openAs } from './helpers';

// Issue 13, item 6: an anonymous visitor with a share link runs the reconstruction preview in
// their own browser, from routes scoped to that link, to the signed-in page's numbers; revoking
// the link closes the page and those routes. The 3–4 demo job: exported elsewhere only by
// share-link.spec.ts, deployed by no spec.
const JOB = 'autoencoder-age-3-4-2026-11';

/** The finished preview's median error as printed, and recomputed from the table's full-precision errors. */
async function previewMedian(page: Page): Promise<{ printed: string; exact: number }> {
  const summary = page.getByTestId('run-summary');
  await expect(summary).toBeVisible({ timeout: 60_000 });
  const printed = /Median error (\S+)\.\s*$/.exec(await summary.innerText())?.[1];
  expect(printed, 'the run summary prints a median error').toBeTruthy();
  const errors = await page
    .getByTestId('sample-table')
    .locator('tbody tr')
    .evaluateAll((trs) => trs.map((tr) => Number(tr.getAttribute('data-error'))));
  const s = errors.sort((a, b) => a - b);
  return { printed: printed!, exact: (s[(s.length - 1) >> 1] + s[s.length >> 1]) / 2 };
}

async function statusOf(request: APIRequestContext, path: string): Promise<number> {
  const res = await request.get(path);
  await res.dispose();
  return res.status();
}

test('an anonymous visitor runs the shared model to the signed-in median; revoked, page and scoped routes are 404', async ({
  browser,
}, testInfo) => {
  const deployerContext = await browser.newContext({
    storageState: authFile('deployer'),
    permissions: ['clipboard-read', 'clipboard-write'],
  });
  const deployer = await deployerContext.newPage();
  await openAs(deployer, 'deployer', '/models');
  const modelId = await exportDemoJob(deployer.request, JOB, { min: 3, max: 4 });
  const exp = await (await deployer.request.get(`/api/v1/training/models/exports/${modelId}`)).json();
  const validated = await consolePost(deployer.request, '/api/v1/training/models/validate', { model_id: modelId });
  expect(validated.status(), await validated.text()).toBe(200);

  await deployer.goto(`/models/${modelId}`);
  const signedIn = await previewMedian(deployer);

  await deployer.getByRole('button', { name: 'Create public link' }).click();
  const url = await deployer.getByLabel('Public link').inputValue();
  await deployer.getByRole('button', { name: 'Copy link' }).click();
  await expect(deployer.getByRole('status').filter({ hasText: 'Copied' })).toBeVisible();
  expect(await deployer.evaluate(() => navigator.clipboard.readText())).toBe(url);
  const share = new URL(url).pathname;
  const scoped = {
    artifact: `${share}/artifacts/${exp.checksum}`,
    runtime: `${share}/ort/${ortVersion()}/ort-wasm-simd-threaded.wasm`,
  };

  const anonymousContext = await browser.newContext();
  const anonymous = await anonymousContext.newPage();
  await anonymous.goto(url);
  await expect(anonymous.getByRole('heading', { level: 1, name: `${JOB} · 3–4 years · ONNX` })).toBeVisible();
  const validation = anonymous.getByRole('region', { name: 'Validation' });
  await expect(validation.getByText('valid', { exact: true })).toBeVisible();
  await expect(validation.getByText('0 errors, ', { exact: false })).toBeVisible();
  const checksum = validation.getByRole('term').filter({ hasText: /^Checksum verified$/ });
  await expect(checksum.locator('xpath=following-sibling::dd')).toHaveText('Yes');
  expect(await anonymous.evaluate(() => crossOriginIsolated)).toBe(true);
  const shared = await previewMedian(anonymous);
  await expect(anonymous.getByTestId('preview-backend')).toHaveText(/^(WASM, \d+ threads?|WebGPU)/);
  // Nothing of production's is offered to a visitor, nor attaching to a review.
  await expect(anonymous.getByRole('heading', { name: /^Against production/ })).toHaveCount(0);
  await expect(anonymous.getByRole('button', { name: 'Attach to review' })).toHaveCount(0);
  expect(shared.printed).toBe(signedIn.printed);
  expect(Math.abs(shared.exact - signedIn.exact) / signedIn.exact).toBeLessThanOrEqual(1e-6);
  const medians = `signed in ${signedIn.printed} (${signedIn.exact}), shared ${shared.printed} (${shared.exact})`;
  testInfo.annotations.push({ type: 'median', description: medians });
  console.log(`share preview median: ${medians}`);
  await anonymous.screenshot({ path: testInfo.outputPath('share-page.png'), fullPage: true });

  // Open while the link lives, to the anonymous request (no cookies) as to the page.
  expect(await statusOf(anonymousContext.request, scoped.artifact)).toBe(200);
  expect(await statusOf(anonymousContext.request, scoped.runtime)).toBe(200);

  await deployer.reload();
  await deployer.getByRole('button', { name: /Revoke link/ }).click();
  await expect(deployer.getByText('Link revoked: it no longer opens the page.')).toBeVisible();
  expect(await statusOf(anonymousContext.request, share)).toBe(404);
  expect(await statusOf(anonymousContext.request, scoped.artifact)).toBe(404);
  expect(await statusOf(anonymousContext.request, scoped.runtime)).toBe(404);
});
