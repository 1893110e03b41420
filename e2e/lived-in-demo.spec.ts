// A newcomer's first tour of a fresh `npm start` (its own server and data directory,
// e2e/demo-server.ts). It is a lived-in demo: home shows production served for most ages with its
// gaps; the reviewer's home lists the request awaiting them, the deployer's the approved one; each
// opens its request page. And every console page, as each role, is accessible (axe-core finds no
// WCAG 2.1 A/AA violation) and fits a 390 px phone; refusals are 403 and unknown addresses 404,
// both inside the shell (e2e/console-sweep.ts). One server for both: its seed is the slow part.
import { startDemoServer, type DemoServer } from './demo-server';
import { expect, test } from './fixtures';
import { signIn, USERS, type RoleName } from './helpers';
import { can } from '../lib/auth/permissions';
import { CONSOLE, DESKTOP, MOBILE, buildScene, consoleRoutes, visit, type Finding } from './console-sweep';

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

test('every console page is swept: the list matches app/(console)', () => {
  const missing = consoleRoutes().filter((r) => !(r in CONSOLE));
  expect(missing, 'console pages missing from CONSOLE in e2e/console-sweep.ts').toEqual([]);
});

test('every page as every role: axe finds nothing, nothing scrolls sideways at 390 px, refusals are 403 in the shell', async ({
  browser,
}) => {
  test.setTimeout(600_000);
  const routes = consoleRoutes()
    .map((r) => [r, CONSOLE[r]] as const)
    .filter(([, r]) => r);
  const t0 = Date.now();
  const scene = await buildScene(browser, demo);
  console.log(`scene built in ${Date.now() - t0} ms`);
  const findings: Finding[] = [];

  // Signed out: the sign-in page, the share page and a share link that does not exist.
  const anonymous = await (await browser.newContext({ baseURL: demo.url, viewport: DESKTOP })).newPage();
  const outside: [string, number][] = [
    ['/sign-in', 200],
    [new URL(scene.shareUrl).pathname, 200],
    ['/share/no-such-link', 404],
  ];
  for (const [url, status] of outside) await visit(anonymous, url, status, `anonymous ${url}`, findings, false);
  expect((await anonymous.request.get('/icon.svg')).status(), 'the favicon').toBe(200);

  for (const role of Object.keys(USERS) as RoleName[]) {
    const context = await browser.newContext({ baseURL: demo.url, viewport: DESKTOP });
    // The in-browser preview (model, request, compare pages) runs the model for seconds of CPU:
    // it runs for the reviewer only, whose pages then hold its results; the others' runtime is refused.
    if (role !== 'reviewer') await context.route('**/ort/**', (r) => r.abort());
    const page = await context.newPage();
    await signIn(page, role, '/settings/tokens');
    const pages = routes.map(([route, r]) => ({
      where: `${role} ${route}`,
      url: r.path(scene),
      status: r.status ?? (r.permission && !can({ role }, r.permission) ? 403 : 200),
    }));
    // An unknown model is the model page's own notFound(): the same in-shell 404.
    pages.push({ where: `${role} unknown model`, url: '/models/no-such-model', status: 404 });
    for (const p of pages) await visit(page, p.url, p.status, p.where, findings);
    await page.setViewportSize(MOBILE);
    // The header folds behind its menu button at phone width and opens from it.
    await page.goto('/');
    const header = (await page.locator('header').boundingBox())!;
    expect(header.height, `${role}: header height at 390 px`).toBeLessThanOrEqual(64);
    const menu = page.getByRole('button', { name: 'Menu' });
    await expect(menu).toHaveAttribute('aria-expanded', 'false');
    await expect(page.getByRole('navigation', { name: 'Main' })).toBeHidden();
    await menu.click();
    await expect(page.getByRole('button', { name: 'Close menu' })).toHaveAttribute('aria-expanded', 'true');
    await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Models' })).toBeVisible();
    await context.close();
    console.log(`${role} swept at ${Date.now() - t0} ms`);
  }
  const report = findings.map((f) => `  ${f.where}: ${f.what}`).join('\n');
  expect(findings, `accessibility and 390 px findings:\n${report}`).toEqual([]);
});
