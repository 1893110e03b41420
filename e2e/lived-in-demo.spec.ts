// Issue 13's first proof: a fresh `npm start` (its own server and data directory, e2e/demo-server.ts)
// is a lived-in demo. Home shows production served for most ages with its gaps; the reviewer's home
// lists the request awaiting them, the deployer's the approved one; each opens its request page.
import { startDemoServer, type DemoServer } from './demo-server';
import { expect, test } from './fixtures';
import { signIn } from './helpers';

test.describe.configure({ mode: 'serial' });

let demo: DemoServer;
test.beforeAll(async () => {
  // A fresh seed (jobs and the scene) on a busy 2-core box running two spec files at once.
  test.setTimeout(240_000);
  demo = await startDemoServer();
});
test.afterAll(async () => demo?.stop());

test('a visitor sees production served for most ages, with the gaps marked', async ({ browser }) => {
  const page = await (await browser.newContext({ baseURL: demo.url })).newPage();
  await signIn(page, 'viewer');
  const coverage = page.getByRole('region', { name: 'What serves each age group' });
  await expect(
    coverage.getByRole('img', {
      name: /^production coverage of ages 2 to 18: 6 of 16 years covered, 2 gap\(s\), 0 overlap\(s\)$/,
    }),
  ).toBeVisible();
  const active = coverage.getByRole('list', { name: 'Active in production' }).getByRole('listitem');
  await expect(active).toHaveCount(6);
  await expect(active.first()).toContainText('autoencoder-age-2-3-2026-11 · 2–3 years · ONNX');
  await expect(coverage.getByRole('list', { name: 'Active in staging' }).getByRole('listitem')).toHaveCount(1);
  // The viewer acts on nothing: no review or deploy lists, and it says so.
  const todo = page.getByRole('region', { name: 'What awaits you' });
  await expect(todo.getByRole('heading', { name: /Awaiting your review/ })).toHaveCount(0);
  await expect(todo).toContainText('Your role can read everything here.');
  await expect(page.getByRole('list', { name: 'Recent activity' }).getByRole('listitem').first()).toBeVisible();
});

test('the reviewer’s home lists the open request awaiting them; it opens', async ({ browser }) => {
  const page = await (await browser.newContext({ baseURL: demo.url })).newPage();
  await signIn(page, 'reviewer');
  const todo = page.getByRole('region', { name: 'What awaits you' });
  const reviews = todo.getByRole('region', { name: /Awaiting your review \(1\)/ });
  await expect(reviews.getByText('Asked by Ada Admin', { exact: false })).toBeVisible();
  await expect(todo.getByRole('region', { name: /Mentions and news/ })).toContainText('Ada Admin mentioned you');
  await reviews
    .getByRole('link', { name: 'Review: autoencoder-age-5-6-2026-11 · 5–6 years · ONNX to production' })
    .click();
  await expect(
    page.getByRole('heading', { level: 1, name: /^Deploy autoencoder_5\.0_6\.0_\d{8}_\d{6} to production$/ }),
  ).toBeVisible();
  await expect(page.getByRole('region', { name: 'Discussion' })).toContainText('could you run the preview');
});

test('the deployer’s home lists the approved request awaiting a deploy; it opens', async ({ browser }) => {
  const page = await (await browser.newContext({ baseURL: demo.url })).newPage();
  await signIn(page, 'deployer');
  const todo = page.getByRole('region', { name: 'What awaits you' });
  await expect(todo.getByRole('region', { name: /Awaiting your review \(0\)/ })).toContainText(
    'Nothing awaits your review',
  );
  const deploys = todo.getByRole('region', { name: /Approved, ready to deploy \(1\)/ });
  await deploys
    .getByRole('link', { name: 'Deploy: autoencoder-age-9-12-2026-11 · 9–12 years · ONNX to production' })
    .click();
  await expect(
    page.getByRole('heading', { level: 1, name: /^Deploy autoencoder_9\.0_12\.0_\d{8}_\d{6} to production$/ }),
  ).toBeVisible();
  await expect(page.getByRole('button', { name: 'Deploy this request' })).toBeVisible();
  // The deployer sees the audit trail's sentences on home too.
  await page.goto('/');
  await expect(page.getByRole('list', { name: 'Recent activity' })).toContainText('Remy Reviewer commented on');
});
