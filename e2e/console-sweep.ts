// The console sweep's parts (e2e/lived-in-demo.spec.ts runs it, one test per role): every console page as each role
// on a fresh demo server, axe-core (WCAG 2.1 A/AA) and the 390 × 844 width check per page, the
// status and in-shell page of refusals and 404s. The list of pages is checked against
// app/(console)'s page.tsx files, so a new page fails until it is swept.
import fs from 'node:fs';
import path from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import type { Browser, Page } from '@playwright/test';
import type { DemoServer } from './demo-server';
import { expect } from './fixtures';
import { signIn } from './helpers';
import type { Permission } from '../lib/auth/permissions';

export const WCAG = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
export const MOBILE = { width: 390, height: 844 };
export const DESKTOP = { width: 1280, height: 720 };

/** What a page address needs filled in: one of each thing the demo holds. */
export type Scene = { modelId: string; otherModelId: string; requestId: string; jobId: string; webhookId: string };
export type Route = { path: (s: Scene) => string; permission?: Permission; status?: number };
/** The scene and the public link the admin made (the signed-out sweep opens it). */
export type SweepScene = Scene & { shareUrl: string };

/** Keyed by the route as app/(console) spells it; a route whose page does not exist yet is skipped. */
export const CONSOLE: Record<string, Route> = {
  '/': { path: () => '/' },
  '/models': { path: () => '/models' },
  '/models/[modelId]': { path: (s) => `/models/${s.modelId}` },
  '/models/compare': { path: (s) => `/models/compare?a=${s.modelId}&b=${s.otherModelId}` },
  '/training-jobs': { path: () => '/training-jobs' },
  '/training-jobs/[id]': { path: (s) => `/training-jobs/${s.jobId}` },
  '/deployments': { path: () => '/deployments' },
  '/reviews': { path: () => '/reviews' },
  '/reviews/[requestId]': { path: (s) => `/reviews/${s.requestId}` },
  '/inbox': { path: () => '/inbox' },
  '/audit': { path: () => '/audit', permission: 'audit.read' },
  '/settings/keys': { path: () => '/settings/keys', permission: 'keys.manage' },
  '/settings/policy': { path: () => '/settings/policy', permission: 'policy.manage' },
  '/settings/tokens': { path: () => '/settings/tokens' },
  '/settings/users': { path: () => '/settings/users', permission: 'users.manage' },
  '/settings/webhooks': { path: () => '/settings/webhooks', permission: 'webhooks.manage' },
  '/settings/webhooks/[webhookId]': { path: (s) => `/settings/webhooks/${s.webhookId}`, permission: 'webhooks.manage' },
  '/[...missing]': { path: () => '/no-such-page', status: 404 },
};

/** The console's routes, from its page.tsx files (route groups and private folders dropped). */
export function consoleRoutes(): string[] {
  const base = path.join(process.cwd(), 'app', '(console)');
  return (fs.readdirSync(base, { recursive: true }) as string[])
    .filter((f) => path.basename(f) === 'page.tsx')
    .map((f) => path.dirname(f).split(path.sep))
    .filter((parts) => !parts.some((p) => p.startsWith('_')))
    .map((parts) => `/${parts.filter((p) => p !== '.' && !/^\(.*\)$/.test(p)).join('/')}`)
    .sort();
}

export type Finding = { where: string; what: string };
/** Kept for the final assertion and printed at once, so a run cut short still shows what it found. */
function note(findings: Finding[], f: Finding) {
  findings.push(f);
  console.log(`FINDING ${f.where}: ${f.what}`);
}

/** axe at desktop size; each violation with the selectors of the nodes that fail it. */
async function checkAxe(page: Page, where: string, findings: Finding[]) {
  // Every rule still runs and every violating node is reported; resultTypes only spares axe the
  // selectors of each passing (and incomplete, inapplicable) node, which the sweep never reads.
  // options() replaces the builder's options, so it comes before withTags.
  const { violations } = await new AxeBuilder({ page })
    .options({ resultTypes: ['violations'] })
    .withTags(WCAG)
    .analyze();
  for (const v of violations) {
    const nodes = v.nodes.map(
      (n) => `${n.target.join(' ')}${n.failureSummary ? ` (${n.failureSummary.split('\n')[1]?.trim()})` : ''}`,
    );
    note(findings, {
      where,
      what: `axe ${v.id} [${v.impact}]: ${v.help}\n      ${nodes.slice(0, 6).join('\n      ')}`,
    });
  }
}

/** At phone width the document must not be wider than the screen: the widest elements are named. */
async function checkWidth(page: Page, where: string, findings: Finding[]) {
  const m = await page.evaluate(() => {
    const vw = window.innerWidth;
    const wide = [...document.querySelectorAll('body *')]
      .filter((e) => e.getBoundingClientRect().right > vw + 1 && !e.closest('[role=region][tabindex]'))
      .slice(-4)
      .map((e) => `${e.tagName.toLowerCase()}${e.id ? `#${e.id}` : ''}.${[...e.classList].slice(0, 4).join('.')}`);
    return { scrollWidth: document.documentElement.scrollWidth, innerWidth: vw, wide };
  });
  if (m.scrollWidth > m.innerWidth)
    note(findings, { where, what: `${m.scrollWidth} px wide at ${m.innerWidth} px; widest: ${m.wide.join(', ')}` });
}

/** Opens one page: its status, the refusal's page (in the console's shell, with its navigation, when signed in), then axe. */
export async function visit(page: Page, url: string, status: number, where: string, findings: Finding[], shell = true) {
  const t = Date.now();
  const res = await page.goto(url);
  const loaded = Date.now() - t;
  expect(res?.status(), `${where} status`).toBe(status);
  if (status === 403) await expect(page.getByRole('heading', { name: 'Not allowed' })).toBeVisible();
  if (status === 404) await expect(page.getByRole('heading', { name: /not found|not available/i })).toBeVisible();
  if (shell && status !== 200) await expect(page.getByRole('navigation', { name: 'Main' })).toHaveCount(1);
  await checkAxe(page, where, findings);
  // The same document at phone size: the layout is CSS (media queries), so a resize reflows it
  // as a reload would, for a page load less.
  await page.setViewportSize(MOBILE);
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  await checkWidth(page, where, findings);
  await page.setViewportSize(DESKTOP);
  console.log(`${where}: loaded in ${loaded} ms, checked in ${Date.now() - t - loaded} ms`);
}

/**
 * The demo (npm start's seed) holds exports, deployments and requests; a share link and a webhook
 * it does not, so the admin makes one of each here.
 */
export async function buildScene(browser: Browser, server: DemoServer): Promise<SweepScene> {
  const admin = await (await browser.newContext({ baseURL: server.url })).newPage();
  await signIn(admin, 'admin', '/settings/tokens');
  const get = async (url: string) => (await admin.request.get(url)).json();
  const [jobs, exports, open] = await Promise.all([
    get('/api/v1/training/jobs?page_size=1'),
    get('/api/v1/training/models/exports?page_size=2'),
    get('/api/v1/deployment-requests?state=open&page_size=1'),
  ]);
  expect(exports.exports, 'the demo has two exports').toHaveLength(2);
  expect(open.requests, 'the demo has an open request').toHaveLength(1);
  const [modelId, otherModelId] = exports.exports.map((e: { model_id: string }) => e.model_id);
  const requestId = open.requests[0].request_id as string;

  await admin.goto(`/models/${modelId}`);
  await admin.getByRole('button', { name: 'Create public link' }).click();
  const shareUrl = await admin.getByLabel('Public link').inputValue();

  await admin.goto('/settings/webhooks');
  const form = admin.locator('form', { has: admin.getByLabel('Receiver URL') });
  await form.locator('input[name="event:model.deployed"]').check();
  await form.getByLabel('Receiver URL').fill('https://93.184.215.14/drawbridge-hook');
  await form.getByRole('button', { name: 'Create webhook' }).click();
  const hook = admin.getByRole('link', { name: /^Delivery log/ }).first();
  const webhookId = (await hook.getAttribute('href'))!.split('/').pop()!;
  await admin.context().close();
  return { modelId, otherModelId, requestId, jobId: jobs.jobs[0].id, webhookId, shareUrl };
}
