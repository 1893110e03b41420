import { expect, test } from './fixtures';
import { signIn, USERS, type RoleName } from './helpers';

const NAV = ['Models', 'Training jobs', 'Deployments', 'Reviews', 'Audit'];
const SEES_AUDIT: Record<RoleName, boolean> = { viewer: false, reviewer: false, deployer: true, admin: true };

test('an anonymous visitor is sent to sign-in and brought back afterwards', async ({ page }) => {
  await page.goto('/training-jobs');
  await expect(page).toHaveURL(/\/sign-in\?next=%2Ftraining-jobs/);
  await expect(page.getByRole('heading', { name: 'Demo accounts' })).toBeVisible();
  await page.getByLabel('Email').fill(USERS.viewer.email);
  await page.getByLabel('Password').fill('wrong password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert').filter({ hasText: 'do not match' })).toBeVisible();
  await page.getByLabel('Password').fill(USERS.viewer.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/training-jobs$/);
  await expect(page.getByRole('heading', { name: 'Training jobs' })).toBeVisible();
});

test('the sign-in form reports every field error', async ({ page }) => {
  await page.goto('/sign-in');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByText('Enter the email address of your account.')).toBeVisible();
  await expect(page.getByText('Enter your password.')).toBeVisible();
});

for (const role of Object.keys(USERS) as RoleName[]) {
  test(`${role}: sees what the role may see and is refused the rest`, async ({ page }, testInfo) => {
    await signIn(page, role);
    const nav = page.getByRole('navigation', { name: 'Main' });
    for (const item of NAV) {
      const expected = item === 'Audit' ? SEES_AUDIT[role] : true;
      await expect(nav.getByRole('link', { name: item })).toHaveCount(expected ? 1 : 0);
    }
    await page.goto('/audit');
    if (SEES_AUDIT[role]) {
      await expect(page.getByRole('heading', { name: 'Audit' })).toBeVisible();
      await expect(page.getByRole('cell', { name: 'user.sign_in' }).first()).toBeVisible();
    } else {
      await expect(page.getByRole('heading', { name: 'Not allowed' })).toBeVisible();
      await expect(
        page.getByRole('alert').filter({ hasText: `Your role (${role}) may not see this page` }),
      ).toBeVisible();
    }
    // the same boundary holds for the API with the browser's session cookie
    const audit = await page.request.get('/api/v1/audit');
    expect(audit.status()).toBe(SEES_AUDIT[role] ? 200 : 403);
    const me = await page.request.get('/api/v1/me');
    expect(me.status()).toBe(200);
    expect((await me.json()).role).toBe(role);
    await page.screenshot({ path: testInfo.outputPath(`${role}-audit.png`), fullPage: true });
    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect(page).toHaveURL(/\/sign-in/);
    expect((await page.request.get('/api/v1/me')).status()).toBe(401);
  });
}

test('APIs answer 401 without credentials, never a redirect', async ({ request }) => {
  for (const url of ['/api/v1/training/jobs', '/api/v1/audit', '/api/v1/me']) {
    const r = await request.get(url, { maxRedirects: 0 });
    expect(r.status(), url).toBe(401);
    expect(await r.json()).toMatchObject({ code: 'unauthenticated' });
  }
  const bogus = await request.get('/api/v1/me', { headers: { Authorization: 'Bearer dbt_not-a-real-token' } });
  expect(bogus.status()).toBe(401);
});
