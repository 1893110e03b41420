import type { Page, Response } from '@playwright/test';
import { ortVersion } from '../lib/preview/ort-assets';
import { expect, test } from './fixtures';
import { pageAs, signIn } from './helpers';

// Issue 10, part 5: every page type answers with a nonce-based Content-Security-Policy, Next.js's
// scripts carry that request's nonce and run (the page hydrates), and the browser reports no
// violation (the auto fixture in ./fixtures fails any test whose pages do). Named to run after
// share-link.spec.ts, whose audit assertions expect exactly one share link.

const nonceOf = (policy: string) => policy.match(/script-src 'nonce-([A-Za-z0-9+/=]+)' 'strict-dynamic'/)?.[1];

/** Opens a page and checks its policy, its scripts' nonces and that they ran; returns the nonce. */
async function expectStrictPage(page: Page, path: string, status = 200): Promise<string> {
  const res = (await page.goto(path)) as Response;
  expect(res.status(), path).toBe(status);
  const policy = res.headers()['content-security-policy'];
  expect(policy, path).toBeTruthy();
  for (const d of [
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "worker-src 'self' blob:",
    "connect-src 'self'",
  ])
    expect(policy, `${path}: ${d}`).toContain(d);
  expect(policy, path).not.toMatch(/script-src[^;]*'unsafe-(inline|eval)'/);
  const nonce = nonceOf(policy);
  expect(nonce, path).toBeTruthy();
  // Every script the server wrote carries this response's nonce (the DOM hides nonce attributes,
  // so read the HTML as sent). Chunks the runtime loads later need none: 'strict-dynamic'.
  const tags = (await res.text()).match(/<script\b[^>]*>/g) ?? [];
  expect(tags.length, path).toBeGreaterThan(2);
  for (const t of tags) expect(t, path).toContain(` nonce="${nonce}"`);
  // The client runtime ran: it registers itself on window once the nonced bootstrap executed.
  await page.waitForFunction(() => typeof (window as { next?: { version?: string } }).next?.version === 'string');
  return nonce!;
}

test('every page type carries a nonce CSP that its scripts satisfy', async ({ browser, page }) => {
  test.setTimeout(180_000);
  const admin = await pageAs(browser, 'admin', '/training-jobs');
  await admin.getByRole('link', { name: 'autoencoder-age-5-6-2026-11' }).click();
  await expect(admin).toHaveURL(/\/training-jobs\/\d+$/);
  const jobPath = new URL(admin.url()).pathname;
  await admin.getByLabel('Minimum age (years)').fill('5');
  await admin.getByLabel('Maximum age (years)').fill('6');
  await admin.getByLabel('Format').selectOption('onnx');
  await admin.getByRole('button', { name: 'Export model' }).click();
  await expect(admin).toHaveURL(/\/models\/autoencoder_5\.0_6\.0_/);
  const modelPath = new URL(admin.url()).pathname;

  const nonces = new Set<string>();
  const consolePages = [
    '/',
    '/models',
    modelPath,
    '/training-jobs',
    jobPath,
    '/deployments',
    '/reviews',
    '/audit',
    '/inbox',
    '/settings/policy',
    '/settings/webhooks',
    '/settings/tokens',
    '/settings/users',
  ];
  for (const p of consolePages) nonces.add(await expectStrictPage(admin, p));
  nonces.add(await expectStrictPage(admin, '/no-such-page', 404));
  await expect(admin.getByRole('heading', { name: 'Page not found' })).toBeVisible();

  // A client-side navigation after hydration: the runtime's later chunks load under 'strict-dynamic'.
  await admin.goto('/models');
  await admin.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Deployments' }).click();
  await expect(admin).toHaveURL(/\/deployments$/);
  await expect(admin.getByRole('heading', { level: 1 })).toBeVisible();

  // The model page runs the preview (a Web Worker, onnxruntime-web, wasm): it must finish.
  await admin.goto(modelPath);
  await expect(admin.getByTestId('preview-results')).toBeVisible({ timeout: 60_000 });
  const modelCard = await admin.locator('meta[property="og:image"]').getAttribute('content');

  await admin.goto(modelPath);
  await admin.getByRole('button', { name: 'Create public link' }).click();
  const shareUrl = await admin.getByLabel('Public link').inputValue();

  // Signed out: sign-in, a share page, a share page whose token is bad, the share card image.
  nonces.add(await expectStrictPage(page, '/sign-in'));
  nonces.add(await expectStrictPage(page, new URL(shareUrl).pathname));
  const image = await page.locator('meta[property="og:image"]').getAttribute('content');
  nonces.add(await expectStrictPage(page, '/share/not.a-token', 404));
  await expect(page.getByRole('heading', { name: 'This link is not available' })).toBeVisible();
  // the sign-in form still posts (a server action) under form-action 'self'
  await signIn(page, 'viewer');

  // one fresh nonce per page view
  expect(nonces.size).toBe(consolePages.length + 4);

  // Not documents: the no-content policy (API, images); the worker policy (onnxruntime-web files).
  const noContent = "default-src 'none'; frame-ancestors 'none'";
  for (const url of [
    new URL(image!).pathname,
    new URL(modelCard!).pathname,
    '/api/health',
    '/api/v1/me',
    '/api/v1/openapi.json',
  ]) {
    const res = await admin.request.get(url);
    expect(res.status(), url).toBeLessThan(400);
    expect(res.headers()['content-security-policy'], url).toBe(noContent);
  }
  for (const file of ['ort.wasm.min.mjs', 'ort-wasm-simd-threaded.mjs']) {
    const res = await admin.request.get(`/ort/${ortVersion()}/${file}`);
    expect(res.status(), file).toBe(200);
    expect(res.headers()['content-security-policy'], file).toMatch(
      /^default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; /,
    );
  }
});

test('the fixture sees violations in pages, workers and contexts a test opens itself', async ({
  browser,
  page,
  cspViolations,
}) => {
  await page.goto('/sign-in');
  // Injected markup with an inline handler (what an XSS would be) is refused and reported.
  const ran = await page.evaluate(() => {
    const d = document.createElement('div');
    d.innerHTML = '<img src="/favicon.ico?x" onerror="window.__injected = true">';
    document.body.append(d);
    return new Promise((r) => setTimeout(() => r((window as { __injected?: boolean }).__injected ?? false), 500));
  });
  expect(ran).toBe(false);
  await expect
    .poll(() => cspViolations.map((v) => v.source.split(' ')[0]).sort())
    .toEqual(['console', 'securitypolicyviolation']);
  expect(cspViolations.find((v) => v.source.startsWith('securitypolicyviolation'))?.text).toMatch(
    /^script-src-attr blocked inline/,
  );
  cspViolations.length = 0;

  // eval() in a worker (a blob: worker inherits the page's policy): refused, reported from the worker.
  const outcome = await page.evaluate(
    () =>
      new Promise((r) => {
        const src =
          "setTimeout(() => { try { eval('1'); postMessage('ran') } catch (e) { postMessage(e.name) } }, 500)";
        new Worker(URL.createObjectURL(new Blob([src], { type: 'text/javascript' }))).onmessage = (e) => r(e.data);
      }),
  );
  expect(outcome).toBe('EvalError');
  await expect
    .poll(() => cspViolations.map((v) => v.text))
    .toEqual([expect.stringMatching(/^Content Security Policy violation in a worker: script-src blocked eval/)]);
  cspViolations.length = 0;

  // A context the test creates itself is watched too.
  const other = await (await browser.newContext()).newPage();
  await other.goto('/sign-in');
  await other.evaluate(() => {
    const s = document.createElement('style');
    s.textContent = 'body { color: red }';
    document.head.append(s);
  });
  await expect.poll(() => cspViolations.some((v) => /style-src-elem/.test(v.text))).toBe(true);
  cspViolations.length = 0;
});
