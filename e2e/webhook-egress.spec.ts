import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, test } from './fixtures';
import { authFile, openAs } from './helpers';

test.use({ storageState: authFile('admin') });

// Issue 10's webhook SSRF, through the built server and the console: internal targets are refused
// in the form with the address named; an allowed receiver (the e2e server allows 127.0.0.1/32 via
// DRAWBRIDGE_WEBHOOK_ALLOW_CIDRS, see playwright.config.ts) gets the test event, and the delivery
// log shows status, duration and a classified error, never what the receiver answered.

const BODY = 'RECEIVER-BODY-7f3a internal data the log must not show';

test('webhook targets inside the network are refused in the form; the delivery log never shows a response body', async ({
  page,
}) => {
  const heard: string[] = [];
  const server = http.createServer((req, res) => {
    heard.push(`${req.url} ${req.headers['x-drawbridge-event']}`);
    req.resume();
    req.on('end', () => res.writeHead(500, { 'content-type': 'text/plain' }).end(BODY));
  });
  // A port the OS picks: a fixed one collides with another run's (another E2E_PORT) receiver.
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const RX_PORT = (server.address() as AddressInfo).port;
  try {
    await openAs(page, 'admin', '/settings/webhooks');
    const form = page.locator('form', { has: page.getByLabel('Receiver URL') });
    const url = form.getByLabel('Receiver URL');
    const refusals: [string, RegExp][] = [
      ['http://169.254.169.254/latest/meta-data/', /169\.254\.169\.254 is a link-local address/],
      ['http://10.0.0.1/hook', /10\.0\.0\.1 is a private address/],
      [`http://0.0.0.0:${RX_PORT}/hook`, /0\.0\.0\.0 is an unspecified address/],
      // 127.0.0.1/32 is allowed here, the rest of 127/8 is not
      [`http://2130706434:${RX_PORT}/hook`, /127\.0\.0\.2 is a loopback address/],
    ];
    // The form resets after each submission, so each attempt fills it in again.
    const submit = async (target: string) => {
      await form.getByLabel('Environment').selectOption('staging');
      await form.locator('input[name="event:model.undeployed"]').check();
      await url.fill(target);
      await form.getByRole('button', { name: 'Create webhook' }).click();
    };
    for (const [target, message] of refusals) {
      await submit(target);
      await expect(page.locator('#webhook-url-error')).toHaveText(message);
      await expect(page.getByRole('heading', { name: target })).toHaveCount(0);
    }
    expect(heard).toEqual([]);

    const target = `http://127.0.0.1:${RX_PORT}/hook`;
    await submit(target);
    await expect(page.getByLabel(/Signing secret/)).toHaveValue(/^whsec_/);
    const item = page.locator('li', { has: page.getByRole('heading', { name: target }) });
    await item.getByRole('link', { name: /Delivery log/ }).click();
    await expect(page.getByRole('heading', { name: 'Delivery log' })).toBeVisible();

    await page.getByRole('button', { name: 'Send test event' }).click();
    await expect(page.getByText(/Not delivered \(HTTP 500\); retrying at/)).toBeVisible();
    // Only the test event counts: the webhook's staging model.undeployed subscription also hears
    // other specs' undeploys on this shared server (notifications.spec undeploys ages 2–3 in staging).
    expect(heard.filter((h) => h.endsWith(' webhook.test'))).toEqual(['/hook webhook.test']);
    await page.reload();
    const row = page.locator('tbody tr').first();
    await expect(row).toContainText('HTTP 500');
    await expect(row).toContainText('http_error');
    await expect(row).toContainText(/\d+ ms/);
    await expect(page.locator('body')).not.toContainText('RECEIVER-BODY');

    // Leave nothing behind for the other specs.
    await page.goto('/settings/webhooks');
    await item.getByRole('button', { name: 'Delete…' }).click();
    await item.getByRole('button', { name: 'Delete webhook' }).click();
    await expect(page.getByRole('heading', { name: target })).toHaveCount(0);
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
});
