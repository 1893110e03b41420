import crypto from 'node:crypto';
import http from 'node:http';
import type { Page } from '@playwright/test';
import { expect, test } from './fixtures';
import { approve, consolePost, pageAs, previewAndAttach } from './helpers';

// Issue 6's journey, three people in three browser contexts, on the 8–9 demo job (production:
// two approvals and a preview summary on each). Remy (reviewer role) requests; Ada (admin)
// approves; Dana (deployer) is blocked until her own approval makes two, then deploys. A local
// receiver checks the webhooks' signatures.

type Delivery = { event: string; body: string; headers: http.IncomingHttpHeaders };

function startReceiver() {
  const deliveries: Delivery[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      deliveries.push({
        event: String(req.headers['x-drawbridge-event']),
        body: Buffer.concat(chunks).toString('utf8'),
        headers: req.headers,
      });
      res.writeHead(204).end();
    });
  });
  return new Promise<{ url: string; deliveries: Delivery[]; close: () => void }>((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      resolve({ url: `http://127.0.0.1:${port}/hook`, deliveries, close: () => server.close() });
    }),
  );
}

function verify(secret: string, d: Delivery): boolean {
  const ts = String(d.headers['x-drawbridge-timestamp']);
  const expected = `sha256=${crypto.createHmac('sha256', secret).update(`${ts}.${d.body}`).digest('hex')}`;
  return d.headers['x-drawbridge-signature'] === expected && Math.abs(Date.now() / 1000 - Number(ts)) < 300;
}

async function exportAndValidate(page: Page, jobId: number) {
  const res = await consolePost(page.request, '/api/v1/training/models/export', {
    training_job_id: jobId,
    age_group_min: 8,
    age_group_max: 9,
    export_format: 'onnx',
  });
  expect(res.status()).toBe(200);
  const { model_id } = await res.json();
  const v = await consolePost(page.request, '/api/v1/training/models/validate', { model_id });
  expect((await v.json()).is_valid).toBe(true);
  return model_id as string;
}

test('request, two approvals bound to the bytes, no self-approval, lapse on new bytes, deploy, signed webhooks', async ({
  browser,
}, testInfo) => {
  test.setTimeout(240_000);
  const receiver = await startReceiver();
  const [remy, ada, dana] = await Promise.all([
    pageAs(browser, 'reviewer', '/'),
    pageAs(browser, 'admin', '/settings/webhooks'),
    pageAs(browser, 'deployer', '/'),
  ]);

  // Ada subscribes a local receiver to production's review and deployment events.
  await ada.getByLabel('Receiver URL').fill(receiver.url);
  for (const e of ['request.opened', 'request.approved', 'model.deployed'])
    await ada.locator(`input[name="event:${e}"]`).check();
  await ada.getByRole('button', { name: 'Create webhook' }).click();
  const secret = await ada.getByLabel(/Signing secret/).inputValue();
  expect(secret).toMatch(/^whsec_/);

  // Remy exports the 8–9 model twice (two artifacts, two hashes), validates both and requests the first.
  const jobs = await (await remy.request.get('/api/v1/training/jobs?page_size=100')).json();
  const job = jobs.jobs.find((j: { job_name: string }) => j.job_name === 'autoencoder-age-8-9-2026-11');
  const first = await exportAndValidate(remy, job.id);
  const second = await exportAndValidate(remy, job.id);
  await remy.goto(`/models/${first}`);
  await remy.getByLabel('Rationale').fill('Retrained 8–9 model: better separation on the validation set.');
  await remy.getByRole('button', { name: 'Request deployment' }).click();
  await expect(remy).toHaveURL(/\/reviews\/[\w-]+$/);
  const requestUrl = new URL(remy.url()).pathname;
  const requestId = requestUrl.split('/').pop()!;
  await expect(remy.getByLabel('0 of 2 approvals')).toBeVisible();
  // the requester is not offered a review form…
  await expect(remy.getByRole('form', { name: 'Your review' })).toHaveCount(0);

  // Ada previews the first export, attaches the summary and approves: 1 of 2.
  await previewAndAttach(ada, first);
  const adasPost = ada.waitForRequest((r) => r.method() === 'POST' && !!r.headers()['next-action']);
  await approve(ada, requestUrl, 'Preview looks right: all 15 anomalies flagged.');
  await expect(ada.getByLabel('1 of 2 approvals')).toBeVisible();
  // Her approval carries the summary the server verified, with the backend her browser ran on.
  await expect(
    ada.getByText(/^preview verified · (wasm, \d+ threads?|webgpu, \d+ threads?) · \d+ of 100 flagged$/),
  ).toBeVisible();

  // …and replaying that same server-action POST (an approval of this request) with Remy's
  // session is refused by the server: the check lives in the action, not only in the UI.
  const captured = await adasPost;
  const direct = await remy.request.post(requestUrl, {
    headers: {
      'next-action': captured.headers()['next-action'],
      'content-type': captured.headers()['content-type'],
      accept: 'text/x-component',
    },
    data: captured.postDataBuffer()!,
  });
  expect(direct.status()).toBe(200);
  expect(await direct.text()).toMatch(/cannot review/);
  await remy.reload();
  await expect(remy.getByLabel('1 of 2 approvals')).toBeVisible();

  // Remy points the request at the second export: other bytes, so Ada's approval lapses.
  await remy.reload();
  await remy.getByLabel('Another export of the same age range').selectOption(second);
  await remy.getByRole('button', { name: 'Amend request' }).click();
  await expect(remy.getByText(/Earlier approvals of other bytes have lapsed/)).toBeVisible();
  await remy.reload();
  await expect(remy.getByLabel('0 of 2 approvals, 1 lapsed')).toBeVisible();
  await expect(remy.getByText('lapsed: other bytes')).toBeVisible();

  // Ada reviews the new bytes again.
  await previewAndAttach(ada, second);
  await approve(ada, requestUrl, 'Re-checked the amended export.');

  // Dana may not deploy on one approval.
  await dana.goto(requestUrl);
  const policy = dana.getByRole('region', { name: 'Policy for production' });
  await expect(policy.getByRole('listitem')).toContainText('1 more approval needed (1 of 2).');
  await expect(dana.getByRole('button', { name: 'Deploy this request' })).toHaveCount(0);
  await dana.screenshot({ path: testInfo.outputPath('deployer-blocked.png'), fullPage: true });

  // Her own approval makes two (and Ada's means she is not the only approver); then she deploys.
  await previewAndAttach(dana, second);
  await approve(dana, requestUrl, 'Second approval from operations.');
  await expect(dana.getByText(/The policy is satisfied \(2 of 2 approvals\)/)).toBeVisible();
  await dana.getByRole('button', { name: 'Deploy this request' }).click();
  // The request's state and history say it shipped (the deploy form itself is gone: nothing is left to deploy).
  await expect(dana.getByText('deployed', { exact: true }).first()).toBeVisible({ timeout: 30_000 });
  await expect(dana.getByText('(approved → deployed)')).toBeVisible();
  await dana.screenshot({ path: testInfo.outputPath('request-deployed.png'), fullPage: true });

  // Remy's inbox tells him; the coverage map shows the range served by the second export.
  await remy.goto('/inbox');
  await expect(remy.getByText(new RegExp(`${second} was deployed to production`))).toBeVisible();
  await dana.goto('/deployments');
  await expect(dana.getByRole('region', { name: 'production' }).getByRole('link', { name: second })).toBeVisible();

  // The receiver got signed deliveries of each subscribed event.
  await expect
    .poll(() => receiver.deliveries.map((d) => d.event).sort(), { timeout: 30_000 })
    .toEqual(expect.arrayContaining(['model.deployed', 'request.approved', 'request.opened']));
  for (const d of receiver.deliveries) {
    expect(verify(secret, d), d.event).toBe(true);
    expect(verify(`${secret}x`, d)).toBe(false);
  }
  const deployed = JSON.parse(receiver.deliveries.find((d) => d.event === 'model.deployed')!.body);
  expect(deployed.data).toMatchObject({ model_id: second, age_group_min: 8, age_group_max: 9, request_id: requestId });
  receiver.close();
});
