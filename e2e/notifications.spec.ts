import type { APIRequestContext, Browser, Page } from '@playwright/test';
import { expect, test } from './fixtures';
import { consolePost, pageAs } from './helpers';

// Ages 2–3 in staging: no other spec deploys or requests them.
const JOB = 'autoencoder-age-2-3-2026-11';

async function exportValidated(request: APIRequestContext) {
  const jobs = await (await request.get('/api/v1/training/jobs')).json();
  const job = jobs.jobs.find((j: { job_name: string }) => j.job_name === JOB);
  const res = await consolePost(request, '/api/v1/training/models/export', {
    training_job_id: job.id,
    age_group_min: 2,
    age_group_max: 3,
    export_format: 'onnx',
  });
  expect(res.status()).toBe(200);
  const { model_id } = await res.json();
  const v = await consolePost(request, '/api/v1/training/models/validate', { model_id });
  expect((await v.json()).is_valid).toBe(true);
  return model_id as string;
}

async function openRequest(request: APIRequestContext, modelId: string, rationale: string) {
  const res = await consolePost(request, '/api/v1/deployment-requests', {
    model_id: modelId,
    deployment_environment: 'staging',
    replace_existing: true,
    backup_existing: true,
    rationale,
  });
  expect(res.status()).toBe(201);
  return (await res.json()).request_id as string;
}

/** Nina has no saved sign-in (she is created here): the form, then wait until it took. */
async function signInAsNina(browser: Browser) {
  const page = await (await browser.newContext()).newPage();
  await page.goto('/sign-in?next=/inbox');
  await page.getByLabel('Email').fill(nina.email);
  await page.getByLabel('Password').fill(nina.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByTestId('current-role')).toHaveText('reviewer');
  return page;
}

test.describe.configure({ mode: 'serial' });

let requestId: string;
let modelId: string;
let nina: { email: string; name: string; password: string };

test('a reviewer added after a request opened finds it to do in the inbox; reviewing it marks it handled', async ({
  browser,
}) => {
  const remy = await pageAs(browser, 'reviewer', '/');
  modelId = await exportValidated(remy.request);
  requestId = await openRequest(remy.request, modelId, 'Notifications e2e: a reviewer who joins later.');

  // Nina joins after the request opened.
  const admin = await pageAs(browser, 'admin', '/settings/users');
  nina = { email: `nina-${Date.now()}@drawbridge.test`, name: 'Nina Latecomer', password: '' };
  await admin.getByLabel('Email', { exact: true }).fill(nina.email);
  await admin.getByLabel('Name', { exact: true }).fill(nina.name);
  await admin.getByLabel('Role', { exact: true }).selectOption('reviewer');
  await admin.getByRole('button', { name: 'Create user' }).click();
  nina.password = await admin.getByLabel(new RegExp(`Password for ${nina.email}`)).inputValue();

  const page = await signInAsNina(browser);
  await expect(page.getByTestId('inbox-unread')).toBeVisible();

  await page.goto('/inbox?show=todo');
  const item = page.getByRole('listitem').filter({ hasText: modelId });
  await expect(item).toContainText('your review is needed');
  await expect(item).toHaveAttribute('data-unread', 'true');
  await expect(item.getByText('Handled')).toHaveCount(0);

  // Nina acts on it: her review handles the item, which stays unread (handled is not read).
  const review = await consolePost(page.request, `/api/v1/deployment-requests/${requestId}/reviews`, {
    decision: 'request_changes',
    comment: 'Please attach the threshold rationale.',
  });
  expect(review.status()).toBe(201);
  await page.goto('/inbox?show=todo');
  await expect(page.getByRole('listitem').filter({ hasText: modelId })).toHaveCount(0);
  await page.goto('/inbox');
  const handled = page.getByRole('listitem').filter({ hasText: modelId }).filter({ hasText: 'review is needed' });
  await expect(handled.getByText('Handled')).toBeVisible();
  await expect(handled).toHaveAttribute('data-unread', 'true');
});

test('@mentions autocomplete by name from the keyboard; an unknown mention is reported to the author', async ({
  browser,
}) => {
  const remy = await pageAs(browser, 'reviewer', `/reviews/${requestId}`);
  const box = remy.getByLabel('Add a comment');
  await box.click();
  await box.pressSequentially('Thoughts, @Nin');
  const list = remy.getByRole('listbox', { name: 'Teammates to mention' });
  await expect(list.getByRole('option')).toHaveText([`${nina.name} ${nina.email}`]);
  await expect(box).toHaveAttribute(
    'aria-activedescendant',
    (await list.getByRole('option').first().getAttribute('id')) ?? '',
  );
  await box.press('Escape');
  await expect(list).toHaveCount(0);
  await box.pressSequentially('a');
  await expect(list.getByRole('option')).toHaveCount(1);
  await box.press('ArrowDown');
  await box.press('Enter');
  await expect(list).toHaveCount(0);
  await expect(box).toHaveValue(`Thoughts, @"${nina.name}" `);
  await box.pressSequentially('and @Zed?');
  await remy.getByRole('button', { name: 'Comment', exact: true }).click();
  await expect(remy.getByRole('status').filter({ hasText: '@zed mentioned nobody' })).toBeVisible();

  // Nina hears of it in her inbox, with a link to the comment.
  const page = await signInAsNina(browser);
  await page.goto('/inbox?show=todo');
  await expect(page.getByRole('listitem').filter({ hasText: 'Remy Reviewer mentioned you' })).toBeVisible();
});

async function breakGlass(admin: Page, rationale: string) {
  const m = await exportValidated(admin.request);
  const id = await openRequest(admin.request, m, rationale);
  const res = await consolePost(admin.request, `/api/v1/deployment-requests/${id}/break-glass`, {
    reason: 'Notifications e2e: two deployments of ages 2–3 in staging, to undeploy and roll back.',
  });
  expect(res.ok(), await res.text()).toBe(true);
  return m;
}

test('after rollback then undeploy the deployments page shows one message: the newest', async ({ browser }) => {
  const admin = await pageAs(browser, 'admin', '/');
  const first = await breakGlass(admin, 'Notifications e2e: the first staging 2–3 deployment.');
  await breakGlass(admin, 'Notifications e2e: the second, replacing the first.');

  const page = await pageAs(browser, 'deployer', '/deployments');
  const staging = page.getByRole('region', { name: 'staging' });
  const row = staging.locator('div', { has: page.getByRole('heading', { name: '2–3 years' }) }).last();
  await row.getByRole('button', { name: 'Roll back…' }).click();
  await row.getByRole('button', { name: 'Confirm rollback' }).click();
  const messages = page.getByRole('status').or(page.getByRole('alert'));
  await expect(messages.filter({ hasText: `Rolled back: ${first}` })).toBeVisible();
  await row.getByRole('button', { name: 'Undeploy…' }).click();
  await row.getByRole('button', { name: 'Confirm undeploy' }).click();
  await expect(messages.filter({ hasText: /undeployed\.$/ })).toBeVisible();
  // The rollback's message was replaced, not joined.
  await expect(messages.filter({ hasText: /Rolled back|undeployed/ })).toHaveCount(1);
});
