import { expect, test } from './fixtures';
import { approve, pageAs, previewAndAttach, requestDeployment } from './helpers';

// One journey through the deployment service in the browser: export → validate → request →
// approvals → deploy → coverage → replace → roll back. Production's default policy holds: two
// approvals, each with the approver's reconstruction preview summary, and the deployer is not the
// only approver. Uses the 7–8 demo job, which no other spec deploys.

test('export, validate, deploy, replace and roll back an age group', async ({ browser }, testInfo) => {
  test.setTimeout(300_000);
  const reviewer = await pageAs(browser, 'reviewer', '/training-jobs');
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
  // The page is titled by the readable name; the model id stays visible beneath it.
  await expect(
    reviewer.getByRole('heading', { level: 1, name: 'autoencoder-age-7-8-2026-11 · 7–8 years · ONNX' }),
  ).toBeVisible();
  await expect(reviewer.getByText(firstId, { exact: true }).first()).toBeVisible();
  await expect(reviewer.getByRole('cell', { name: 'encoder.0' })).toBeVisible();

  await reviewer.getByRole('button', { name: 'Validate' }).click();
  await expect(reviewer.getByText(/^Valid: \d+ warning/)).toBeVisible({ timeout: 30_000 });
  await expect(reviewer.getByText('Runtime vs source, max relative difference')).toBeVisible();
  // a reviewer may not deploy: no deploy or break-glass controls
  await expect(reviewer.getByRole('button', { name: /Deploy approved request|Break glass/ })).toHaveCount(0);
  await reviewer.screenshot({ path: testInfo.outputPath('model-page-validated.png'), fullPage: true });

  // a second export of the same job, as pytorch, to replace the first with
  await reviewer.goto('/training-jobs');
  await reviewer.getByRole('link', { name: 'autoencoder-age-7-8-2026-11' }).click();
  await reviewer.getByLabel('Format').selectOption('pytorch');
  await reviewer.getByRole('button', { name: 'Export model' }).click();
  await expect(reviewer).toHaveURL(/\/models\/autoencoder_7\.0_8\.0_/);
  const secondId = decodeURIComponent(new URL(reviewer.url()).pathname.split('/').pop()!);
  expect(secondId).not.toBe(firstId);
  await reviewer.getByRole('button', { name: 'Validate' }).click();
  await expect(reviewer.getByText(/^Valid: \d+ warning/)).toBeVisible({ timeout: 30_000 });

  // The reviewer asks to deploy the first export.
  const firstRequest = await requestDeployment(
    reviewer,
    firstId,
    'First 7–8 model: validated, separates the anomalies.',
  );

  // Until the request is approved the deployer has nothing to deploy, and is told why.
  const deployer = await pageAs(browser, 'deployer', `/models/${firstId}`);
  await expect(deployer.getByText(/No request to deploy this export is approved yet/)).toBeVisible();
  await expect(deployer.getByText(/1 request is awaiting review/)).toBeVisible();
  await expect(deployer.getByRole('button', { name: 'Deploy approved request' })).toHaveCount(0);

  // The admin and the deployer each preview the bytes, attach the summary and approve: 2 of 2.
  const admin = await pageAs(browser, 'admin', '/');
  await previewAndAttach(admin, firstId);
  await approve(admin, firstRequest, 'Preview matches the validation report.');
  await previewAndAttach(deployer, firstId);
  await approve(deployer, firstRequest, 'Second approval from operations.');
  await expect(deployer.getByText(/The policy is satisfied \(2 of 2 approvals\)/)).toBeVisible();

  // The deployer deploys the approved request from the model page.
  await deployer.goto(`/models/${firstId}`);
  await expect(deployer.getByRole('link', { name: 'Approved request to deploy to production' })).toBeVisible();
  await deployer.getByRole('button', { name: 'Deploy approved request' }).click();
  await expect(deployer.getByText(/Deployed to production as deployment \d+/)).toBeVisible({ timeout: 30_000 });

  await deployer.goto('/deployments');
  const production = deployer.getByRole('region', { name: 'production' });
  await expect(
    production.getByRole('img', { name: /production coverage of ages 2 to 18: 1 of 16 years covered/ }),
  ).toBeVisible();
  await expect(production.getByRole('link', { name: firstId })).toBeVisible();
  await deployer.screenshot({ path: testInfo.outputPath('coverage-one.png'), fullPage: true });

  // A second request for the range, without "replace": the request page says at once, before any
  // review, what the deploy would refuse and the fix; two approvals do not approve it (issue 12).
  const keepRequest = await requestDeployment(reviewer, secondId, 'Pytorch export of the same 7–8 model.');
  await expect(reviewer.getByRole('list', { name: 'Still missing' })).toContainText(
    `Tick Replace: ages 7–8 in production are served by ${firstId}`,
  );
  await previewAndAttach(admin, secondId);
  await approve(admin, keepRequest, 'Same weights, other format.');
  await previewAndAttach(deployer, secondId);
  await approve(deployer, keepRequest, 'Agreed.');
  await deployer.goto(`/models/${secondId}`);
  await expect(deployer.getByRole('button', { name: 'Deploy approved request' })).toHaveCount(0);

  // The reviewer ticks Replace in Amend: the approvals stand and the request is approved.
  await reviewer.goto(keepRequest);
  await reviewer.getByLabel('Replace the active model of this age range').check();
  await reviewer.getByRole('button', { name: 'Amend request' }).click();
  await expect(reviewer.getByText(/its approvals stand/)).toBeVisible();
  await reviewer.reload();
  await expect(reviewer.getByText(/The policy is satisfied \(2 of 2 approvals\)/)).toBeVisible();
  await deployer.goto(`/models/${secondId}`);
  await expect(deployer.getByText(/replaces the active model, keeps a backup/)).toBeVisible();
  await deployer.getByRole('button', { name: 'Deploy approved request' }).click();
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
