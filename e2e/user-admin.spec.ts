import { expect, test } from './fixtures';
import { pageAs } from './helpers';

test('an admin adds a teammate, who signs in with the generated password; others may not manage users', async ({
  browser,
}, testInfo) => {
  const admin = await pageAs(browser, 'admin', '/settings/users');
  const email = `grace-${Date.now()}@drawbridge.test`;
  await admin.getByLabel('Email', { exact: true }).fill(email);
  await admin.getByLabel('Name', { exact: true }).fill('Grace Hopper');
  await admin.getByLabel('Role', { exact: true }).selectOption('reviewer');
  await admin.getByRole('button', { name: 'Create user' }).click();
  const password = await admin.getByLabel(new RegExp(`Password for ${email}`)).inputValue();
  expect(password.length).toBeGreaterThanOrEqual(12);
  await expect(admin.getByRole('cell', { name: email })).toBeVisible();
  await admin.screenshot({ path: testInfo.outputPath('users.png'), fullPage: true });

  const grace = await (await browser.newContext()).newPage();
  await grace.goto('/sign-in');
  await grace.getByLabel('Email').fill(email);
  await grace.getByLabel('Password').fill(password);
  await grace.getByRole('button', { name: 'Sign in' }).click();
  await expect(grace.getByTestId('current-role')).toHaveText('reviewer');
  await grace.goto('/settings/users');
  await expect(grace.getByRole('heading', { name: 'Not allowed' })).toBeVisible();

  await admin.goto('/audit?action=user.create');
  // Other specs create users on this server too: find this teammate's row.
  const row = admin.getByRole('row').filter({ hasText: email });
  await expect(row.getByRole('cell', { name: 'user.create' })).toBeVisible();
});
