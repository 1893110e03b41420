import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Actor } from '@/lib/auth/permissions';
import type { Db } from '@/lib/db';
import { openTestRegistry } from '@/lib/registry/test-registry';

// The actions run as whoever getCurrentActor says, against the test database.
const ctx = vi.hoisted(() => ({ actor: null as Actor | null, db: null as Db | null }));
vi.mock('@/lib/auth/current', () => ({ getCurrentActor: async () => ctx.actor }));
vi.mock('@/lib/db', async (importOriginal) => ({
  ...(await importOriginal<typeof import('@/lib/db')>()),
  getDb: async () => ctx.db,
}));
vi.mock('next/cache', () => ({ revalidatePath: () => {} }));

const actions = await import('./actions');
const inbox = await import('../../inbox/actions');

function form(fields: Record<string, string>) {
  const f = new FormData();
  for (const [k, v] of Object.entries(fields)) f.set(k, v);
  return f;
}

describe('webhook settings actions', () => {
  let r: Awaited<ReturnType<typeof openTestRegistry>>;
  beforeAll(async () => {
    r = await openTestRegistry('pglite');
    ctx.db = r.db;
  }, 120_000);
  afterAll(async () => r?.cleanup());

  it('refuse everyone but admins, including a direct POST', async () => {
    const { id } = await r.db.webhook.create({
      data: { environment: 'production', url: 'https://example.org/h', secret: 'whsec_x', events: ['model.deployed'] },
    });
    const d = await r.db.webhookDelivery.create({
      data: { webhookId: id, event: 'model.deployed', payload: {}, status: 'failed', attempts: 6 },
    });
    const calls: [
      string,
      (s: undefined, f: FormData) => Promise<{ ok: boolean; message: string }>,
      Record<string, string>,
    ][] = [
      [
        'create',
        actions.createWebhookAction,
        { environment: 'production', url: 'https://example.org/new', 'event:model.deployed': 'on' },
      ],
      ['events', actions.updateWebhookEventsAction, { id, 'event:model.undeployed': 'on' }],
      ['toggle', actions.setWebhookActiveAction, { id, active: 'false' }],
      ['rotate', actions.rotateWebhookSecretAction, { id }],
      ['test', actions.sendTestEventAction, { id }],
      ['delete', actions.deleteWebhookAction, { id }],
      ['redeliver', actions.redeliverAction, { deliveryId: d.id, webhookId: id }],
    ];
    for (const actor of [null, r.actor('viewer'), r.actor('reviewer'), r.actor('deployer')]) {
      ctx.actor = actor;
      for (const [name, action, fields] of calls) {
        const res = await action(undefined, form(fields));
        expect(res.ok, `${name} as ${actor?.role ?? 'anonymous'}`).toBe(false);
        expect(res.message).toMatch(actor ? /webhooks\.manage needs: admin/ : /Sign in/);
      }
    }
    expect(await r.db.webhook.findMany()).toMatchObject([
      { id, secret: 'whsec_x', active: true, events: ['model.deployed'] },
    ]);
    expect(await r.db.webhookDelivery.findMany()).toMatchObject([{ id: d.id, status: 'failed' }]);
    expect(await r.db.auditEvent.count({ where: { subjectType: 'webhook' } })).toBe(0);
  });

  it('let an admin create (secret shown once), change events, disable and delete', async () => {
    ctx.actor = r.actor('admin');
    const bad = await actions.createWebhookAction(
      undefined,
      form({ environment: 'production', url: 'ftp://example.org/x', 'event:model.deployed': 'on' }),
    );
    expect(bad).toMatchObject({ ok: false, fieldErrors: { url: [expect.stringMatching(/http or https/)] } });
    // The egress policy's refusal is a field error on the URL, naming the address.
    const metadata = await actions.createWebhookAction(
      undefined,
      form({
        environment: 'production',
        url: 'http://169.254.169.254/latest/meta-data/',
        'event:model.deployed': 'on',
      }),
    );
    expect(metadata).toMatchObject({
      ok: false,
      fieldErrors: {
        url: [expect.stringMatching(/^Webhooks may not be sent there: 169\.254\.169\.254 is a link-local address/)],
      },
    });
    const loopback = await actions.createWebhookAction(
      undefined,
      form({ environment: 'production', url: 'http://0x7f000001:3000/api/v1/me', 'event:model.deployed': 'on' }),
    );
    expect(loopback).toMatchObject({
      ok: false,
      fieldErrors: {
        url: [expect.stringMatching(/127\.0\.0\.1 is a loopback address.*DRAWBRIDGE_WEBHOOK_ALLOW_PRIVATE=1/)],
      },
    });
    expect(await r.db.webhook.count({ where: { url: { contains: '169.254' } } })).toBe(0);
    const none = await actions.createWebhookAction(
      undefined,
      form({ environment: 'staging', url: 'https://example.org/x' }),
    );
    expect(none).toMatchObject({ ok: false, fieldErrors: { events: [expect.any(String)] } });

    const ok = await actions.createWebhookAction(
      undefined,
      form({
        environment: 'staging',
        url: 'https://example.org/x',
        'event:model.deployed': 'on',
        'event:request.opened': 'on',
        'event:bogus': 'on',
      }),
    );
    expect(ok.ok).toBe(true);
    const { secret, webhookId } = ok.data as { secret: string; webhookId: string };
    const row = await r.db.webhook.findUniqueOrThrow({ where: { id: webhookId } });
    expect(row).toMatchObject({ secret, environment: 'staging', events: ['request.opened', 'model.deployed'] });

    expect(
      (await actions.updateWebhookEventsAction(undefined, form({ id: webhookId, 'event:model.rolled_back': 'on' }))).ok,
    ).toBe(true);
    expect((await actions.setWebhookActiveAction(undefined, form({ id: webhookId, active: 'false' }))).ok).toBe(true);
    expect(await r.db.webhook.findUniqueOrThrow({ where: { id: webhookId } })).toMatchObject({
      events: ['model.rolled_back'],
      active: false,
    });
    const rotated = await actions.rotateWebhookSecretAction(undefined, form({ id: webhookId }));
    expect((rotated.data as { secret: string }).secret).not.toBe(secret);
    expect((await actions.deleteWebhookAction(undefined, form({ id: webhookId }))).ok).toBe(true);
    expect(await actions.deleteWebhookAction(undefined, form({ id: webhookId }))).toMatchObject({
      ok: false,
      message: expect.stringMatching(/not found/),
    });
  });
});

describe('inbox actions', () => {
  let r: Awaited<ReturnType<typeof openTestRegistry>>;
  beforeAll(async () => {
    r = await openTestRegistry('pglite');
    ctx.db = r.db;
  }, 120_000);
  afterAll(async () => r?.cleanup());

  it('mark only the signed-in user’s notifications read', async () => {
    const [reviewer, deployer] = [r.actor('reviewer'), r.actor('deployer')];
    const theirs = await r.db.notification.create({
      data: { userId: reviewer.id, kind: 'request.opened', message: 'review this' },
    });
    await r.db.notification.create({ data: { userId: deployer.id, kind: 'request.approved', message: 'approved' } });
    ctx.actor = deployer;
    expect(await inbox.markReadAction(undefined, form({ id: theirs.id }))).toMatchObject({ ok: false });
    expect(await inbox.markAllReadAction(undefined, form({}))).toMatchObject({ ok: true, message: 'Marked 1 read.' });
    expect((await r.db.notification.findUniqueOrThrow({ where: { id: theirs.id } })).readAt).toBeNull();
    ctx.actor = null;
    expect(await inbox.markAllReadAction(undefined, form({}))).toMatchObject({
      ok: false,
      message: expect.stringMatching(/Sign in/),
    });
    ctx.actor = reviewer;
    expect(await inbox.markReadAction(undefined, form({ id: theirs.id }))).toMatchObject({ ok: true });
  });
});
