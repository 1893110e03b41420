import type { APIRequestContext, Page } from '@playwright/test';
import { expect, test } from './fixtures';
import { authFile, consolePost, openAs, pageAs } from './helpers';

// The reconstruction preview: the exported artifact runs in this browser (onnxruntime-web in a
// worker) on the validation set, next to production, and its numbers equal the server's
// (onnxruntime-node). Uses the 4–5 demo job, which no other spec touches.
const JOB = 'autoencoder-age-4-5-2026-11';
// The tests on the default page are the reviewer's, signed in once by the setup project.
test.use({ storageState: authFile('reviewer') });
const AGES = { min: 4, max: 5 };

async function demoJobId(request: APIRequestContext): Promise<number> {
  const res = await request.get('/api/v1/training/jobs?page_size=100');
  expect(res.ok()).toBeTruthy();
  const job = ((await res.json()) as { jobs: { id: number; job_name: string }[] }).jobs.find((j) => j.job_name === JOB);
  expect(job, `demo job ${JOB}`).toBeTruthy();
  return job!.id;
}

async function exportModel(
  request: APIRequestContext,
  format: 'onnx' | 'pytorch',
): Promise<{ model_id: string; checksum: string }> {
  const id = await demoJobId(request);
  const res = await consolePost(request, '/api/v1/training/models/export', {
    training_job_id: id,
    age_group_min: AGES.min,
    age_group_max: AGES.max,
    export_format: format,
  });
  expect(res.ok(), await res.text()).toBeTruthy();
  return (await res.json()) as { model_id: string; checksum: string };
}

async function serverErrors(request: APIRequestContext, modelId: string): Promise<number[]> {
  const res = await request.get(`/api/v1/training/models/exports/${encodeURIComponent(modelId)}/reconstruction`);
  expect(res.ok(), await res.text()).toBeTruthy();
  const body = (await res.json()) as { errors: number[]; backend: string; samples: number };
  expect(body.backend).toBe('onnxruntime-node');
  expect(body.errors).toHaveLength(body.samples);
  return body.errors;
}

/** The per-sample errors the preview shows, in sample order (full precision from data-error). */
async function browserErrors(page: Page): Promise<number[]> {
  const rows = await page
    .getByTestId('sample-table')
    .locator('tbody tr')
    .evaluateAll((trs) =>
      trs.map((tr) => [Number(tr.getAttribute('data-sample')), Number(tr.getAttribute('data-error'))] as const),
    );
  return rows.sort((a, b) => a[0] - b[0]).map(([, e]) => e);
}

function expectClose(actual: number[], expected: number[], rel = 1e-4) {
  expect(actual).toHaveLength(expected.length);
  let worst = 0;
  for (let i = 0; i < expected.length; i++)
    worst = Math.max(worst, Math.abs(actual[i] - expected[i]) / Math.max(Math.abs(expected[i]), 1e-12));
  expect(worst, `max relative difference ${worst.toExponential(2)}`).toBeLessThanOrEqual(rel);
  return worst;
}

test('the exported model runs in the browser, next to production, with the server’s numbers', async ({
  browser,
}, testInfo) => {
  // Production for 4–5: a pytorch export (the preview converts it to ONNX in the browser), put in
  // place by the admin's break-glass deploy from its model page, since this spec is about the
  // preview, not the review (e2e/review-approval.spec.ts walks the approvals).
  const admin = await pageAs(browser, 'admin');
  const prod = await exportModel(admin.request, 'pytorch');
  await admin.goto(`/models/${prod.model_id}`);
  const breakGlass = admin.getByRole('form', { name: /Deploy without approvals/ });
  await breakGlass.getByLabel('Why this cannot wait for approvals').fill('too short');
  await breakGlass.getByRole('button', { name: /^Break glass: deploy ages 4–5 without approvals$/ }).click();
  // the field's error sits next to it, and nothing is deployed
  await expect(admin.locator('#bg-reason-error')).toHaveText(/at least 20 characters/);
  await expect(breakGlass.getByLabel('Why this cannot wait for approvals')).toHaveAttribute('aria-invalid', 'true');
  await breakGlass
    .getByLabel('Why this cannot wait for approvals')
    .fill('E2E fixture: 4–5 needs a production model to compare the preview against.');
  await breakGlass.getByRole('button', { name: /^Break glass: deploy ages 4–5 without approvals$/ }).click();
  await expect(breakGlass.getByText(/^Deployed to production with break-glass as deployment \d+/)).toBeVisible({
    timeout: 30_000,
  });
  // flagged on the model page's deployment history
  await admin.reload();
  await expect(admin.getByText(/Deployed without approvals\. Reason: E2E fixture/)).toBeVisible();
  await admin.goto('/audit?action=model.deploy.break_glass');
  await expect(admin.getByRole('cell', { name: 'model.deploy.break_glass', exact: true }).first()).toBeVisible();

  const page = await pageAs(browser, 'reviewer');
  const cand = await exportModel(page.request, 'onnx');
  await page.goto(`/models/${cand.model_id}`);

  const preview = page.getByRole('region', { name: 'Reconstruction preview' });
  const histogram = preview.getByRole('img', { name: /^Histogram of reconstruction error/ });
  await expect(histogram).toBeVisible({ timeout: 30_000 });
  await expect(histogram).toHaveAccessibleName(
    /100 samples, 85 normal and 15 anomalous.*95th percentile of the normal samples/,
  );
  await expect(preview.getByTestId('preview-backend')).toHaveText(/^(WASM, \d+ threads?|WebGPU)/);
  // The model page is cross-origin isolated, so WASM runs multi-threaded where the machine allows.
  expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
  await expect(
    preview.getByText(/SHA-256 of the validation set and both models verified in your browser \(WebCrypto\)/),
  ).toBeVisible();

  // Same numbers as onnxruntime-node on the server, sample by sample.
  const worst = expectClose(await browserErrors(page), await serverErrors(page.request, cand.model_id));
  testInfo.annotations.push({
    type: 'parity',
    description: `candidate max rel diff vs onnxruntime-node ${worst.toExponential(2)}`,
  });
  // This run's summary is what the server vouches for: it recomputes the numbers and they agree.
  await page.getByRole('button', { name: 'Attach to review' }).click();
  await expect(page.getByText(/^Verified and attached:/)).toBeVisible({ timeout: 30_000 });

  // Side by side with production (converted from pytorch in the browser).
  await expect(
    preview.getByRole('heading', {
      name: `Against production: ${prod.model_id} (converted in your browser from pytorch)`,
    }),
  ).toBeVisible();
  await expect(
    preview.getByRole('img', { name: /^Scatter of reconstruction error per sample, 100 samples/ }),
  ).toBeVisible();
  await expect(preview.getByTestId('candidate-flagged')).toHaveText(/^\d+ of 100$/);
  await expect(preview.getByTestId('production-flagged')).toHaveText(/^\d+ of 100$/);
  const prodBrowser = await page
    .getByTestId('sample-table')
    .locator('tbody tr')
    .evaluateAll((trs) =>
      trs
        .map(
          (tr) => [Number(tr.getAttribute('data-sample')), Number(tr.getAttribute('data-production-error'))] as const,
        )
        .sort((a, b) => a[0] - b[0])
        .map(([, e]) => e),
    );
  expectClose(prodBrowser, await serverErrors(page.request, prod.model_id));

  // Per-dimension strip, and the sample chart follows the keyboard.
  await expect(preview.getByRole('img', { name: /^Mean squared error per dimension/ })).toBeVisible();
  await preview.getByRole('button', { name: 'Sample', exact: true }).click();
  await expect(preview.getByRole('columnheader', { name: 'Sample' })).toHaveAttribute('aria-sort', 'ascending');
  const sample7 = preview.getByRole('button', { name: 'Show sample 7', exact: true });
  await sample7.focus();
  await page.keyboard.press('Enter');
  await expect(sample7).toHaveAttribute('aria-pressed', 'true');
  await expect(
    preview.getByRole('img', { name: /^Sample 7 .*visual dims 0–767 MSE .*subject dims 768–831 MSE/ }),
  ).toBeVisible();
  await preview.screenshot({ path: testInfo.outputPath('preview.png') });

  // Warm: opening the model page again, with the artifacts and ORT in the HTTP cache.
  await page.goto(page.url());
  await expect(histogram).toBeVisible({ timeout: 30_000 });
  const warmMs = await page.evaluate(() => performance.now());
  testInfo.annotations.push({
    type: 'timing',
    description: `model page to first chart, warm: ${Math.round(warmMs)} ms`,
  });
  const nav = await page.evaluate(() => {
    const n = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
    return { ttfb: Math.round(n.responseStart), domContentLoaded: Math.round(n.domContentLoadedEventEnd) };
  });
  console.log(
    `preview: model page to first chart, warm: ${Math.round(warmMs)} ms (TTFB ${nav.ttfb} ms, DOMContentLoaded ${nav.domContentLoaded} ms); ${await preview.getByTestId('preview-backend').textContent()}`,
  );
  console.log(`preview: ${(await preview.getByTestId('run-summary').innerText()).replace(/\s+/g, ' ')}`);
});

test('a pytorch export is converted in the browser and still matches the server', async ({ page }) => {
  await openAs(page, 'reviewer');
  const exp = await exportModel(page.request, 'pytorch');
  await page.goto(`/models/${exp.model_id}`);
  const preview = page.getByRole('region', { name: 'Reconstruction preview' });
  await expect(preview.getByRole('img', { name: /^Histogram of reconstruction error/ })).toBeVisible({
    timeout: 30_000,
  });
  await expect(preview.getByTestId('converted-note')).toHaveText(/converted in your browser from pytorch to ONNX/);
  expectClose(await browserErrors(page), await serverErrors(page.request, exp.model_id));

  // A summary forged in the page (its median 1 % higher) is refused, naming the number; the real one is verified.
  await page.locator('input[name="summary"]').evaluate((el: HTMLInputElement) => {
    const s = JSON.parse(el.value);
    s.error_median *= 1.01;
    el.value = JSON.stringify(s);
  });
  await page.getByRole('button', { name: 'Attach to review' }).click();
  await expect(page.getByText(/^The preview's error_median is .* Run the preview again/)).toBeVisible({
    timeout: 30_000,
  });
  await page.reload();
  await expect(preview.getByRole('img', { name: /^Histogram of reconstruction error/ })).toBeVisible({
    timeout: 30_000,
  });
  await page.getByRole('button', { name: 'Attach to review' }).click();
  await expect(page.getByText(/^Verified and attached:/)).toBeVisible({ timeout: 30_000 });
});

test('a tampered download stops the preview with an integrity alert and no chart', async ({ page }, testInfo) => {
  await openAs(page, 'reviewer');
  const exp = await exportModel(page.request, 'onnx');
  // Flip one byte of the artifact on its way to the browser (the worker's fetch goes through this).
  await page.context().route(`**/api/v1/artifacts/${exp.checksum}`, async (route) => {
    const res = await route.fetch();
    const body = Buffer.from(await res.body());
    body[body.length >> 1] ^= 0x01;
    await route.fulfill({ response: res, body });
  });
  await page.goto(`/models/${exp.model_id}`);
  const preview = page.getByRole('region', { name: 'Reconstruction preview' });
  const alert = preview.getByRole('alert');
  await expect(alert).toContainText('Integrity check failed', { timeout: 30_000 });
  await expect(alert).toContainText(`the model ${exp.model_id} as downloaded does not match the registry`);
  await expect(alert).toContainText(exp.checksum);
  await expect(preview.getByRole('img', { name: /^Histogram/ })).toHaveCount(0);
  await expect(preview.getByTestId('preview-results')).toHaveCount(0);
  await preview.screenshot({ path: testInfo.outputPath('preview-integrity-alert.png') });
});
