import type { Page } from '@playwright/test';
import { expect, test } from './fixtures';
import { consolePost, exportDemoJob, pageAs } from './helpers';

// Review where the decision is made (issue 12, item 5): two reviewers approve from the request page
// itself. Each sees the candidate's reconstruction preview run inline, and one submit attaches that
// run's summary (the server checks it first) and records the approval. A summary of other bytes is
// refused and records nothing. Seeds its own request on the 9–12 demo job, which no other spec
// exports, and deploys nothing.
const JOB = 'autoencoder-age-9-12-2026-11';

async function exportAndValidate(page: Page): Promise<string> {
  const model_id = await exportDemoJob(page.request, JOB, { min: 9, max: 12 });
  const v = await consolePost(page.request, '/api/v1/training/models/validate', { model_id });
  expect((await v.json()).is_valid).toBe(true);
  return model_id;
}

/** Opens the request, waits for the inline preview's run, and returns the approve form. */
async function openWithPreview(page: Page, requestUrl: string) {
  await page.goto(requestUrl);
  const preview = page.getByRole('region', { name: 'Reconstruction preview' });
  await expect(preview.getByTestId('preview-results')).toBeVisible({ timeout: 60_000 });
  // The request page is cross-origin isolated like the model page: WASM runs with threads.
  expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
  const form = page.getByRole('form', { name: 'Your review' });
  await expect(form.getByTestId('review-preview-note')).toHaveText(
    /^An approval attaches the preview above: \d+ of 100 flagged, run on (WebGPU|WASM \(\d+ threads?\))/,
  );
  return form;
}

async function approveInline(page: Page, comment: string) {
  const form = page.getByRole('form', { name: 'Your review' });
  await form.getByLabel('Approve').check();
  await form.getByLabel('Comment').fill(comment);
  await form.getByRole('button', { name: 'Submit review' }).click();
  await expect(form.getByText(/^Approved\. The server verified your preview summary and attached it\./)).toBeVisible({
    timeout: 30_000,
  });
}

test('two reviewers approve from the request page, each attaching the inline preview’s summary in one step', async ({
  browser,
}) => {
  test.setTimeout(240_000);
  const [remy, ada, dana] = await Promise.all([
    pageAs(browser, 'reviewer'),
    pageAs(browser, 'admin'),
    pageAs(browser, 'deployer'),
  ]);
  const modelId = await exportAndValidate(remy);
  await remy.goto(`/models/${modelId}`);
  await remy.getByLabel('Rationale').fill('Retrained 9–12 model, reviewed inline on its request page.');
  await remy.getByRole('button', { name: 'Request deployment' }).click();
  await expect(remy).toHaveURL(/\/reviews\/[\w-]+$/);
  const requestUrl = new URL(remy.url()).pathname;
  // The requester reviews nothing, so runs no preview here.
  await expect(remy.getByRole('form', { name: 'Your review' })).toHaveCount(0);
  await expect(remy.getByRole('region', { name: 'Reconstruction preview' })).toHaveCount(0);

  // Ada's first submit carries a summary of other bytes (as a stale or forged page would): refused,
  // with the reason, and nothing is recorded.
  const form = await openWithPreview(ada, requestUrl);
  const summaryInput = form.locator('input[name="summary"]');
  const real = await summaryInput.inputValue();
  expect(JSON.parse(real)).toMatchObject({ model_id: modelId, samples: 100, sample_source: 'validation-set' });
  await summaryInput.evaluate(
    (el: HTMLInputElement, v) => {
      el.value = v;
    },
    JSON.stringify({ ...JSON.parse(real), artifact_sha256: '0'.repeat(64) }),
  );
  await form.getByLabel('Comment').fill('Looks right.');
  await form.getByRole('button', { name: 'Submit review' }).click();
  await expect(form.getByRole('alert')).toHaveText(/This preview ran on other bytes \(000000000000…\).*run it again/);
  await ada.reload();
  await expect(ada.getByLabel('0 of 2 approvals')).toBeVisible();
  await expect(ada.getByText('No reviews yet.')).toBeVisible();

  // Then both approve with the run the page just made.
  await openWithPreview(ada, requestUrl);
  await approveInline(ada, 'Inline preview: anomalies separate well from the normal drawings.');
  await openWithPreview(dana, requestUrl);
  await approveInline(dana, 'Second approval, from the inline preview.');

  await dana.reload();
  await expect(dana.getByLabel('2 of 2 approvals')).toBeVisible();
  const reviews = dana.getByRole('region', { name: 'Reviews' }).locator('ol > li');
  await expect(reviews).toHaveCount(2);
  // Each approval shows the preview the server verified, on the reviewer's backend (issue 12, item 4).
  for (const r of await reviews.all())
    await expect(r.getByText(/^preview verified · wasm, \d+ threads? · \d+ of 100 flagged$/)).toBeVisible();

  const detail = await (await dana.request.get(`/api/v1/deployment-requests/${requestUrl.split('/').pop()}`)).json();
  expect(detail.state).toBe('approved');
  expect(detail.reviews).toHaveLength(2);
  for (const r of detail.reviews as {
    decision: string;
    preview_summary: unknown;
    preview: { verified: boolean; backend: string };
  }[]) {
    expect(r.decision).toBe('approve');
    expect(r.preview_summary).toMatchObject({ summary: { model_id: modelId, samples: 100 } });
    // This Chromium has no WebGPU adapter, so automatic ran WASM.
    expect(r.preview).toMatchObject({ verified: true, backend: 'wasm', samples: 100 });
  }
});
