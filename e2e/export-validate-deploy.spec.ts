import { expect, test } from '@playwright/test';
import { signIn } from './helpers';

// One journey through the deployment service in the browser: export → validate → deploy →
// coverage → replace → roll back. Uses the 7–8 demo job, which no other spec deploys.
test('export, validate, deploy, replace and roll back an age group', async ({ browser }, testInfo) => {
  const reviewer = await (await browser.newContext()).newPage();
  await signIn(reviewer, 'reviewer', '/training-jobs');
  await reviewer.getByRole('link', { name: 'autoencoder-age-7-8-2026-11' }).click();

  // field errors appear next to the field they concern
  await reviewer.getByLabel('Minimum age (years)').fill('9');
  await reviewer.getByRole('button', { name: 'Export model' }).click();
  await expect(reviewer.getByText('The maximum age must be greater than the minimum age.')).toBeVisible();
  await reviewer.getByLabel('Minimum age (years)').fill('7');
  await reviewer.getByLabel('Maximum age (years)').fill('8');
  await reviewer.getByLabel('Format').selectOption('onnx');
  await reviewer.getByRole('button', { name: 'Export model' }).click();
  await expect(reviewer).toHaveURL(/\/models\/autoencoder_7\.0_8\.0_\d{8}_\d{6}/);
  const firstId = decodeURIComponent(new URL(reviewer.url()).pathname.split('/').pop()!);
  await expect(reviewer.getByRole('heading', { name: firstId })).toBeVisible();
  await expect(reviewer.getByRole('cell', { name: 'encoder.0' })).toBeVisible();

  await reviewer.getByRole('button', { name: 'Validate' }).click();
  await expect(reviewer.getByText(/^Valid: \d+ warning/)).toBeVisible({ timeout: 30_000 });
  await expect(reviewer.getByText('onnxruntime vs source (max rel.)')).toBeVisible();
  // a reviewer may not deploy: no form
  await expect(reviewer.getByRole('button', { name: /Deploy to ages/ })).toHaveCount(0);
  await reviewer.screenshot({ path: testInfo.outputPath('model-page-validated.png'), fullPage: true });

  // a second export of the same job, as pytorch, to replace the first with
  await reviewer.goto('/training-jobs');
  await reviewer.getByRole('link', { name: 'autoencoder-age-7-8-2026-11' }).click();
  await reviewer.getByLabel('Format').selectOption('pytorch');
  await reviewer.getByRole('button', { name: 'Export model' }).click();
  await expect(reviewer).toHaveURL(/\/models\/autoencoder_7\.0_8\.0_/);
  const secondId = decodeURIComponent(new URL(reviewer.url()).pathname.split('/').pop()!);
  expect(secondId).not.toBe(firstId);

  const deployer = await (await browser.newContext()).newPage();
  await signIn(deployer, 'deployer', `/models/${firstId}`);
  await deployer.getByRole('button', { name: 'Deploy to ages 7–8' }).click();
  await expect(deployer.getByText(/Deployed to production as deployment \d+/)).toBeVisible({ timeout: 30_000 });

  await deployer.goto('/deployments');
  const production = deployer.getByRole('region', { name: 'production' });
  await expect(production.getByRole('img', { name: /production coverage of ages 2 to 18: 1 of 16 years covered/ })).toBeVisible();
  await expect(production.getByRole('link', { name: firstId })).toBeVisible();
  await deployer.screenshot({ path: testInfo.outputPath('coverage-one.png'), fullPage: true });

  // deploying the second without "replace" is refused with the reason; with it, the first becomes the backup
  await deployer.goto(`/models/${secondId}`);
  await deployer.getByRole('button', { name: 'Deploy to ages 7–8' }).click();
  await expect(deployer.getByText(/already served by/)).toBeVisible({ timeout: 30_000 });
  await deployer.getByLabel('Replace the active model of this age range').check();
  await deployer.getByRole('button', { name: 'Deploy to ages 7–8' }).click();
  await expect(deployer.getByText(/Deployed to production/)).toBeVisible({ timeout: 30_000 });

  await deployer.goto('/deployments');
  await expect(production.getByRole('row', { name: new RegExp(firstId) })).toContainText('backup');
  await production.getByRole('button', { name: 'Roll back…' }).click();
  await production.getByRole('button', { name: 'Confirm rollback' }).click();
  await expect(deployer.getByText(`Rolled back: ${firstId} serves ages 7–8 again.`)).toBeVisible();
  await deployer.reload();
  await expect(production.getByRole('row', { name: new RegExp(firstId) })).toContainText('active');
  await expect(production.getByRole('row', { name: new RegExp(secondId) })).toContainText('retired');
  await deployer.screenshot({ path: testInfo.outputPath('after-rollback.png'), fullPage: true });

  // and the audit log has every step
  await deployer.goto('/audit?action=model.');
  for (const action of ['model.export', 'model.validate', 'model.deploy', 'model.rollback']) {
    await expect(deployer.getByRole('cell', { name: action, exact: true }).first()).toBeVisible();
  }
});
