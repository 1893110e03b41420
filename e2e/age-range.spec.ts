import { expect, test } from './fixtures';
import { pageAs } from './helpers';

// The export form of a training job defaults to the range the job was trained for; another range
// reveals a required reason, the server refuses it without one, and the export made with one shows
// its red flag on the model page. Exports the 2–3 demo job as 2.5–3.5, a range no spec deploys.

test('exporting a job for other ages takes a written reason and flags the model page', async ({ browser }) => {
  const reviewer = await pageAs(browser, 'reviewer', '/training-jobs');
  await reviewer.getByRole('link', { name: 'autoencoder-age-2-3-2026-11' }).click();

  const min = reviewer.getByLabel('Minimum age (years)');
  const max = reviewer.getByLabel('Maximum age (years)');
  await expect(reviewer.getByText(/^Trained for ages 2–3: export for that range/)).toBeVisible();
  await expect(min).toHaveValue('2');
  await expect(max).toHaveValue('3');
  const reason = reviewer.getByLabel(/^Reason for exporting a model trained on 2–3/);
  await expect(reason).toHaveCount(0);

  await min.fill('2.5');
  await max.fill('3.5');
  await expect(reason).toBeVisible();
  await reviewer.getByRole('button', { name: 'Export model' }).click();
  await expect(reviewer.getByText(/trained for ages 2–3; this export asks for 2\.5–3\.5/).first()).toBeVisible();
  await expect(reviewer).toHaveURL(/\/training-jobs\/\d+$/);

  const why = 'Half-year bands pilot: the 2–3 model until the banded run is trained.';
  await reason.fill(why);
  await reviewer.getByRole('button', { name: 'Export model' }).click();
  await expect(reviewer).toHaveURL(/\/models\/autoencoder_2\.5_3\.5_\d{8}_\d{6}/);
  const flag = reviewer.getByRole('region', { name: 'Exported for other ages than it was trained for' });
  await expect(flag).toContainText('Trained on 2–3 years; exported for 2.5–3.5 years.');
  await expect(flag).toContainText(why);

  await reviewer.getByRole('button', { name: 'Validate' }).click();
  await expect(reviewer.getByText(/^Valid: \d+ warnings?\.$/)).toBeVisible({ timeout: 30_000 });
  await expect(reviewer.getByText(`exported for 2.5–3.5 but trained on 2–3: ${why}`)).toBeVisible();
});
