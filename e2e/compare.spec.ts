import { expect, test } from './fixtures';
import { authFile, exportDemoJob } from './helpers';

// Compare any two models (issue 13, item 5). Exports of the 6-7 and 7-8 demo jobs, which no other
// spec uses; nothing is deployed, so each model flags with the 95th percentile of its normals.
test.use({ storageState: authFile('reviewer') });

const JOB_A = 'autoencoder-age-6-7-2026-11';
const JOB_B = 'autoencoder-age-7-8-2026-11';

test('two exports of one job: picked on the list, the browser finds identical errors and no flips', async ({
  page,
}) => {
  const onnx = await exportDemoJob(page.request, JOB_A, { min: 6, max: 7 }, 'onnx');
  const pth = await exportDemoJob(page.request, JOB_A, { min: 6, max: 7 }, 'pytorch');

  // The list names them by job · ages · format and sends two ticked rows to the compare page.
  await page.goto(`/models?q=${JOB_A}&sort=oldest`);
  await expect(page.getByRole('link', { name: `${JOB_A} · 6–7 years · ONNX` }).first()).toBeVisible();
  await page
    .getByRole('checkbox', { name: `Compare ${JOB_A} · 6–7 years · PyTorch state dict` })
    .last()
    .check();
  await page
    .getByRole('checkbox', { name: `Compare ${JOB_A} · 6–7 years · ONNX` })
    .last()
    .check();
  await page.screenshot({ path: test.info().outputPath('models-list.png'), fullPage: true });
  await page.getByRole('button', { name: 'Compare selected' }).click();
  await expect(page).toHaveURL(new RegExp(`/models/compare\\?a=${onnx}&b=${pth}$`));

  const preview = page.getByRole('region', { name: 'Reconstruction preview' });
  await expect(preview.getByTestId('preview-results')).toBeVisible({ timeout: 60_000 });
  await expect(preview.getByTestId('compare-difference')).toHaveAttribute('data-max-difference', '0');
  await expect(preview.getByTestId('compare-difference')).toContainText('Identical errors');
  await expect(preview.getByTestId('flip-count')).toHaveAttribute('data-flips', '');
  await expect(page.getByTestId('validation-set-note')).toContainText(`A's validation set (training job ${JOB_A})`);
  await page.screenshot({ path: test.info().outputPath('compare.png'), fullPage: true });
  await expect(page.getByTestId('compare-facts').getByRole('row', { name: /^Format/ })).toHaveAttribute(
    'data-differs',
    'true',
  );
  await expect(page.getByTestId('compare-facts').getByRole('row', { name: /^Parameters/ })).toHaveAttribute(
    'data-differs',
    'false',
  );
});

test("two different models: the flips the browser shows are the server's reference", async ({ page }) => {
  const a = await exportDemoJob(page.request, JOB_A, { min: 6, max: 7 }, 'onnx');
  const b = await exportDemoJob(page.request, JOB_B, { min: 7, max: 8 }, 'pytorch');
  const ref = await page.request.get(`/api/v1/training/models/compare?a=${a}&b=${b}`);
  expect(ref.status(), await ref.text()).toBe(200);
  const server = (await ref.json()) as { flips: { index: number }[]; samples: number; max_abs_difference: number };
  expect(server.max_abs_difference).toBeGreaterThan(0);

  await page.goto(`/models/compare?a=${a}&b=${b}`);
  const preview = page.getByRole('region', { name: 'Reconstruction preview' });
  await expect(preview.getByTestId('preview-results')).toHaveAttribute('data-samples', String(server.samples), {
    timeout: 60_000,
  });
  const flips = await preview.getByTestId('flip-count').getAttribute('data-flips');
  console.log(`browser flips ${flips}; server ${server.flips.map((f) => f.index).join(',')}`);
  expect(server.flips.length).toBeGreaterThan(0);
  expect(flips).toBe(server.flips.map((f) => f.index).join(','));
  await expect(preview.getByTestId('compare-difference')).toContainText('Largest per-sample error difference');

  // Unknown ids answer 404 from the API; a page past the end of the list says so.
  expect(
    (await page.request.get(`/api/v1/training/models/compare?a=${a}&b=autoencoder_2.0_3.0_20000101_000000`)).status(),
  ).toBe(404);
  await page.goto('/models?page=999');
  await expect(
    page.getByRole('heading', { name: /^Page 999 is past the end: there (is|are) \d+ pages?$/ }),
  ).toBeVisible();
});
