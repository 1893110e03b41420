// A newcomer's first tour of a fresh `npm start` (its own server and data directory,
// e2e/demo-server.ts). It is a lived-in demo: home shows production served for most ages with its
// gaps; the reviewer's home lists the request awaiting them, the deployer's the approved one; each
// opens its request page. And every console page, as each role, is accessible (axe-core finds no
// WCAG 2.1 A/AA violation) and fits a 390 px phone; refusals are 403 and unknown addresses 404,
// both inside the shell (e2e/console-sweep.ts).
//
// One server for all of it, seeded once by the demo-setup project (e2e/demo.setup.ts, which also
// makes the sweep's scene there): the tests only read, so they run in parallel, the sweep one test
// per role, and both workers share what was one test of minutes.
import fs from 'node:fs';
import { demoStateFile, type DemoServer } from './demo-server';
import { expect, test as base } from './fixtures';
import { signIn, USERS, type RoleName } from './helpers';
import { can } from '../lib/auth/permissions';
import { CONSOLE, DESKTOP, MOBILE, consoleRoutes, visit, type Finding, type SweepScene } from './console-sweep';

const test = base.extend<object, { demo: DemoServer; scene: SweepScene }>({
  demo: [async ({}, use) => use(readDemo().server), { scope: 'worker' }],
  scene: [async ({}, use) => use(readDemo().scene), { scope: 'worker' }],
});

function readDemo(): { server: DemoServer; scene: SweepScene } {
  const file = demoStateFile();
  if (!fs.existsSync(file)) throw new Error(`no demo server: ${file} is missing (the demo-setup project writes it)`);
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

test.describe.configure({ mode: 'parallel' });

test('a visitor sees production served for most ages, with the gaps marked', async ({ browser, demo }) => {
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

test('the reviewer’s home lists the open request awaiting them; it opens', async ({ browser, demo }) => {
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

test('the deployer’s home lists the approved request awaiting a deploy; it opens', async ({ browser, demo }) => {
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

/** Asserts what the sweep noted, all at once (each was printed as it was found). */
function expectNoFindings(findings: Finding[]) {
  const report = findings.map((f) => `  ${f.where}: ${f.what}`).join('\n');
  expect(findings, `accessibility and 390 px findings:\n${report}`).toEqual([]);
}

test('signed out: the sign-in page, a share page and a missing share link; axe and 390 px find nothing', async ({
  browser,
  demo,
  scene,
}) => {
  const { shareUrl } = scene;
  const findings: Finding[] = [];
  const anonymous = await (await browser.newContext({ baseURL: demo.url, viewport: DESKTOP })).newPage();
  const outside: [string, number][] = [
    ['/sign-in', 200],
    [new URL(shareUrl).pathname, 200],
    ['/share/no-such-link', 404],
  ];
  for (const [url, status] of outside) await visit(anonymous, url, status, `anonymous ${url}`, findings, false);
  expect((await anonymous.request.get('/icon.svg')).status(), 'the favicon').toBe(200);
  expectNoFindings(findings);
});

for (const role of Object.keys(USERS) as RoleName[]) {
  test(`every page as ${role}: axe finds nothing, nothing scrolls sideways at 390 px, refusals are 403 in the shell`, async ({
    browser,
    demo,
    scene,
  }) => {
    test.setTimeout(300_000);
    const routes = consoleRoutes()
      .map((r) => [r, CONSOLE[r]] as const)
      .filter(([, r]) => r);
    const t0 = Date.now();
    const findings: Finding[] = [];
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
    console.log(`${role} swept in ${Date.now() - t0} ms`);
    expectNoFindings(findings);
  });
}
