import path from 'node:path';
import { expect, test, type APIRequestContext, type Browser, type Page } from '@playwright/test';

export const USERS = {
  viewer: { email: 'viewer@drawbridge.test', password: 'drawbridge-viewer', name: 'Vera Viewer' },
  reviewer: { email: 'reviewer@drawbridge.test', password: 'drawbridge-reviewer', name: 'Remy Reviewer' },
  deployer: { email: 'deployer@drawbridge.test', password: 'drawbridge-deployer', name: 'Dana Deployer' },
  admin: { email: 'admin@drawbridge.test', password: 'drawbridge-admin', name: 'Ada Admin' },
} as const;
export type RoleName = keyof typeof USERS;

/**
 * A cookie-authenticated API mutation sent as the console sends one: Origin, X-Drawbridge-Request
 * and the parameters in a JSON body. The API refuses a session cookie's mutation without them, and
 * its parameters in the query string (lib/api/csrf.ts); pipelines with a token keep the query form.
 */
export function consolePost(request: APIRequestContext, path: string, data: Record<string, unknown> = {}) {
  const origin = new URL(test.info().project.use.baseURL!).origin;
  return request.post(path, { data, headers: { origin, 'x-drawbridge-request': '1' } });
}

export async function signIn(page: Page, role: RoleName, next = '/') {
  const u = USERS[role];
  await page.goto(`/sign-in?next=${encodeURIComponent(next)}`);
  await page.getByLabel('Email').fill(u.email);
  await page.getByLabel('Password').fill(u.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByTestId('current-role')).toHaveText(role);
}

/** Each role's signed-in browser state, saved once per run by e2e/auth.setup.ts (gitignored). */
export function authFile(role: RoleName): string {
  // One folder per server port: two runs side by side (another port) must not overwrite each other's sessions.
  return path.join(import.meta.dirname, '.auth', process.env.E2E_PORT || 'default', `${role}.json`);
}

/** Opens `next` in a page whose context holds the role's saved sign-in, and checks who it is. */
export async function openAs(page: Page, role: RoleName, next = '/') {
  await page.goto(next);
  await expect(page.getByTestId('current-role')).toHaveText(role);
}

/** A page in a new browser context signed in as `role` (its saved state, no sign-in form), on `next`. */
export async function pageAs(browser: Browser, role: RoleName, next = '/') {
  const page = await (await browser.newContext({ storageState: authFile(role) })).newPage();
  await openAs(page, role, next);
  return page;
}

/** Opens a deployment request from the model page; returns its review page's path. */
export async function requestDeployment(
  page: Page,
  modelId: string,
  rationale: string,
  opts: { replace?: boolean } = {},
) {
  await page.goto(`/models/${modelId}`);
  if (opts.replace) await page.getByLabel('Replace the active model of this age range').check();
  await page.getByLabel('Rationale').fill(rationale);
  await page.getByRole('button', { name: 'Request deployment' }).click();
  await expect(page).toHaveURL(/\/reviews\/[\w-]+$/);
  return new URL(page.url()).pathname;
}

/** The preview runs on the model page; its summary is attached to the user's reviews of these bytes. */
export async function previewAndAttach(page: Page, modelId: string) {
  await page.goto(`/models/${modelId}`);
  await expect(page.getByTestId('preview-results')).toBeVisible({ timeout: 60_000 });
  await page.getByRole('button', { name: 'Attach to review' }).click();
  // The server recomputes the run's numbers with onnxruntime-node before it attaches the summary.
  await expect(page.getByText(/^Verified and attached:/)).toBeVisible({ timeout: 30_000 });
}

export async function approve(page: Page, requestUrl: string, comment: string) {
  await page.goto(requestUrl);
  const form = page.getByRole('form', { name: 'Your review' });
  await form.getByLabel('Approve').check();
  await form.getByLabel('Comment').fill(comment);
  await form.getByRole('button', { name: 'Submit review' }).click();
  await expect(form.getByText('Approved.')).toBeVisible();
}

/** Exports a demo training job (by name) for its ages as the signed-in user; returns the model id. */
export async function exportDemoJob(
  request: APIRequestContext,
  jobName: string,
  ages: { min: number; max: number },
  format: 'onnx' | 'pytorch' = 'onnx',
): Promise<string> {
  const jobs = await (await request.get('/api/v1/training/jobs?page_size=100')).json();
  const job = jobs.jobs.find((j: { job_name: string }) => j.job_name === jobName);
  expect(job, `demo job ${jobName}`).toBeTruthy();
  const res = await consolePost(request, '/api/v1/training/models/export', {
    training_job_id: job.id,
    age_group_min: ages.min,
    age_group_max: ages.max,
    export_format: format,
  });
  expect(res.status(), await res.text()).toBe(200);
  return (await res.json()).model_id as string;
}
