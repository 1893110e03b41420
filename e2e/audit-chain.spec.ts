// The audit page's chain verdict and exports in the real built server, and `drawbridge audit verify`
// in local mode while that server holds the data directory (the CLI goes through its API).
import { expect, test } from './fixtures';
import { authFile, openAs } from './helpers';
import { runCli } from '../cli/test-support';

test.use({ storageState: authFile('deployer') });

const drawbridge = (...args: string[]) => runCli(args, { cwd: process.cwd(), dataDir: process.env.E2E_DATA_DIR! });

test('the audit page says the chain is intact, exports it, and the CLI through the server agrees', async ({
  page,
}, testInfo) => {
  await openAs(page, 'deployer', '/audit');
  await expect(page.getByRole('heading', { name: 'Audit' })).toBeVisible();
  const total: number = (await (await page.request.get('/api/v1/audit')).json()).total;
  expect(total).toBeGreaterThan(0);
  const verdict = page.getByRole('status', { name: 'Audit chain' });
  await expect(verdict).toContainText(`Chain intact (${total} events)`);
  await page.screenshot({ path: testInfo.outputPath('audit-chain.png'), fullPage: true });

  // The export links download the log: every event, oldest first, each linking to the one before.
  const jsonlHref = await page.getByRole('link', { name: 'Export JSON lines' }).getAttribute('href');
  const jsonl = await page.request.get(jsonlHref!);
  expect(jsonl.headers()['content-type']).toBe('application/x-ndjson; charset=utf-8');
  const events = (await jsonl.text())
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l));
  expect(events).toHaveLength(total);
  for (let i = 1; i < events.length; i++) expect(events[i].prevHash).toBe(events[i - 1].hash);
  const csv = await page.request.get((await page.getByRole('link', { name: 'Export CSV' }).getAttribute('href'))!);
  expect(csv.headers()['content-disposition']).toMatch(/^attachment; filename="drawbridge-audit-[\d-]+\.csv"$/);
  expect((await csv.text()).split('\r\n')[0]).toBe(
    'id,createdAt,actorId,actorLabel,action,subjectType,subjectId,before,after,prevHash,hash',
  );

  const cli = await drawbridge('audit', 'verify', '--as', 'deployer@drawbridge.test');
  expect(cli.stderr).toContain('going through it at');
  expect(cli.stdout).toContain(`audit chain intact: ${total} events, newest event ${events.at(-1).id}`);
  expect(cli.stdout).toContain(`head hash: ${events.at(-1).hash}`);
  expect(cli.code).toBe(0);
});
