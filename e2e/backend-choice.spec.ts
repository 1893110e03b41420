import { expect, test } from './fixtures';
import { authFile, exportDemoJob } from './helpers';

// The preview's backend choice (issue 12, item 6), in the 'webgpu' project: Chromium launched with
// --enable-unsafe-webgpu (playwright.config.ts).
//
// What this Chromium (Debian's 156, headless, no GPU) offers, probed with navigator.gpu.requestAdapter()
// on an http://127.0.0.1 page (navigator.gpu exists only in secure contexts; a data: URL has none):
// - without the flag: navigator.gpu is there, every requestAdapter() answers null;
// - with --enable-unsafe-webgpu: one adapter, SwiftShader, whatever the options (default,
//   powerPreference high-performance / low-power, forceFallbackAdapter): info = { vendor: 'google',
//   architecture: 'swiftshader', device: '', description: '', isFallbackAdapter: true }; the old
//   adapter.isFallbackAdapter is undefined.
// - --use-webgpu-adapter=swiftshader and --enable-features=Vulkan change nothing: not needed.
// So automatic must run WASM here and say that the only adapter is SwiftShader; forcing WebGPU runs
// on it (correct, not fast).
test.use({ storageState: authFile('reviewer') });

test('automatic refuses SwiftShader and says why; a chosen backend is remembered across reloads', async ({ page }) => {
  test.setTimeout(180_000);
  const model_id = await exportDemoJob(page.request, 'autoencoder-age-9-12-2026-11', { min: 9, max: 12 });

  await page.goto(`/models/${model_id}`);
  // The flag took: the page itself gets the SwiftShader adapter.
  expect(
    await page.evaluate(async () => {
      const gpu = (navigator as unknown as { gpu?: { requestAdapter(): Promise<{ info: { architecture: string } }> } })
        .gpu;
      return (await gpu?.requestAdapter())?.info.architecture ?? null;
    }),
  ).toBe('swiftshader');
  const preview = page.getByRole('region', { name: 'Reconstruction preview' });
  const backend = preview.getByLabel(/^Backend/);
  await expect(backend).toHaveValue('auto');
  await expect(preview.getByTestId('preview-results')).toHaveAttribute('data-backend', 'wasm', { timeout: 60_000 });
  await expect(preview.getByTestId('preview-backend')).toHaveText(/^WASM, \d+ threads?$/);
  await expect(preview.getByTestId('preview-backend-reason')).toHaveText(
    'automatic: the only WebGPU adapter is SwiftShader (software)',
  );

  // WASM, chosen: remembered after a reload, and the run says it was chosen.
  await backend.selectOption('wasm');
  await page.reload();
  await expect(backend).toHaveValue('wasm');
  await expect(preview.getByTestId('preview-backend-reason')).toHaveText('you chose WASM', { timeout: 60_000 });

  // WebGPU, chosen: it runs on SwiftShader, and the page says that is software.
  await backend.selectOption('webgpu');
  await page.reload();
  await expect(backend).toHaveValue('webgpu');
  await expect(preview.getByTestId('preview-results')).toHaveAttribute('data-backend', 'webgpu', { timeout: 60_000 });
  await expect(preview.getByTestId('preview-backend')).toHaveText('WebGPU (google swiftshader)');
  await expect(preview.getByTestId('preview-backend-reason')).toHaveText(
    'you chose WebGPU; the only WebGPU adapter is SwiftShader (software): correct, not fast',
  );

  // Back to automatic, stored as such: the next page runs WASM again.
  await backend.selectOption('auto');
  await page.reload();
  await expect(backend).toHaveValue('auto');
  await expect(preview.getByTestId('preview-backend-reason')).toHaveText(/^automatic: /, { timeout: 60_000 });
});
