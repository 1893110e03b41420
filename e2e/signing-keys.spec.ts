import { expect, test } from './fixtures';
import { pageAs } from './helpers';

// Retiring a key stops every link it signed, on the whole server: this spec belongs with the quiet
// ones (playwright.config.ts QUIET), never beside a spec that makes a link and opens it later.
test('an admin rotates the share-link signing key and retires the old one; a viewer may not see the page', async ({
  browser,
}, testInfo) => {
  const admin = await pageAs(browser, 'admin', '/settings/keys');
  await expect(admin.getByRole('heading', { level: 1, name: 'Signing keys' })).toBeVisible();
  await expect(admin.getByText(/links signed with older keys keep opening until their key is retired/)).toBeVisible();
  const table = admin.getByRole('table', { name: 'Signing keys' });
  const rowOf = (generation: number) =>
    table.getByRole('row').filter({ has: admin.getByRole('cell', { name: String(generation), exact: true }) });

  // The key that signs now cannot be retired: its button is disabled and says why.
  const signing = table.getByRole('row').filter({ has: admin.getByText('signing', { exact: true }) });
  const oldGeneration = Number(await signing.getByRole('cell').first().textContent());
  await expect(signing.getByRole('button', { name: /^Retire key/ })).toBeDisabled();
  await expect(signing.getByText('It signs new links: rotate first.')).toBeVisible();

  await admin.getByRole('button', { name: 'Rotate…' }).click();
  await admin.getByRole('button', { name: 'Rotate signing key' }).click();
  await expect(
    admin.getByText(`(generation ${oldGeneration + 1}) signs new links now`, { exact: false }),
  ).toBeVisible();
  const fresh = rowOf(oldGeneration + 1);
  const old = rowOf(oldGeneration);
  await expect(fresh.getByText('signing', { exact: true })).toBeVisible();
  await expect(old.getByText('verifies only', { exact: true })).toBeVisible();

  await old.getByRole('button', { name: 'Retire…' }).click();
  await old.getByRole('button', { name: 'Retire key' }).click();
  await expect(old.getByText('retired', { exact: true })).toBeVisible();
  await expect(old.getByText('Its links no longer open.')).toBeVisible();
  await expect(fresh.getByText('signing', { exact: true })).toBeVisible();
  await admin.screenshot({ path: testInfo.outputPath('signing-keys.png'), fullPage: true });

  await admin.goto('/audit?action=signing_key.');
  await expect(admin.getByRole('cell', { name: 'signing_key.rotate' }).first()).toBeVisible();
  await expect(admin.getByRole('cell', { name: 'signing_key.retire' }).first()).toBeVisible();

  await expect(admin.getByRole('link', { name: 'Signing keys' })).toBeVisible();
  const viewer = await pageAs(browser, 'viewer', '/');
  await expect(viewer.getByRole('link', { name: 'Signing keys' })).toHaveCount(0);
  await viewer.goto('/settings/keys');
  await expect(viewer.getByRole('heading', { name: 'Not allowed' })).toBeVisible();
});
