import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testTargets, type TestTarget } from '../db/test-databases';
import { AuthError } from '../auth/permissions';
import { rollbackDeployment, undeployModel } from './deploy';
import { emitEvent } from './events';
import { deployThroughReview, exportDemoJob, openTestRegistry } from './test-registry';
import {
  dispatchDueDeliveries,
  MAX_ATTEMPTS,
  retryDelayMs,
  signWebhookPayload,
  startDispatcher,
  verifyWebhookSignature,
} from './webhook-dispatch';
import {
  createWebhook,
  deleteWebhook,
  listWebhookDeliveries,
  listWebhooks,
  redeliverDelivery,
  rotateWebhookSecret,
  sendTestEvent,
  updateWebhook,
} from './webhooks';
import { startReceiver, status } from './test-webhook-receiver';

describe.each(testTargets())('webhooks on %s', (target: TestTarget) => {
  let r: Awaited<ReturnType<typeof openTestRegistry>>;
  let rx: Awaited<ReturnType<typeof startReceiver>>;
  const savedCidrs = process.env.DRAWBRIDGE_WEBHOOK_ALLOW_CIDRS;
  beforeAll(async () => {
    // The receivers here listen on loopback, which the egress policy refuses unless allowed.
    process.env.DRAWBRIDGE_WEBHOOK_ALLOW_CIDRS = '127.0.0.1/32';
    [r, rx] = await Promise.all([openTestRegistry(target), startReceiver()]);
  }, 120_000);
  afterAll(async () => {
    if (savedCidrs === undefined) delete process.env.DRAWBRIDGE_WEBHOOK_ALLOW_CIDRS;
    else process.env.DRAWBRIDGE_WEBHOOK_ALLOW_CIDRS = savedCidrs;
    await rx?.close();
    await r?.cleanup();
  });

  const admin = () => r.actor('admin');
  /** Creates a webhook at `path` of the receiver and tells the receiver its secret. */
  async function hook(path: string, environment: 'production' | 'staging', events: string[]) {
    const { webhook, secret } = await createWebhook(r.db, admin(), {
      environment,
      url: `${rx.base}${path}`,
      events: events as never,
    });
    rx.secrets.set(path, secret);
    return webhook;
  }
  const deliveriesOf = (webhookId: string) =>
    r.db.webhookDelivery.findMany({ where: { webhookId }, orderBy: { createdAt: 'asc' } });

  it('lets only admins manage webhooks, refuses non-http(s) URLs, and shows the secret only once', async () => {
    for (const role of ['viewer', 'reviewer', 'deployer'] as const) {
      await expect(
        createWebhook(r.db, r.actor(role), {
          environment: 'production',
          url: 'https://example.org/h',
          events: ['model.deployed'],
        }),
      ).rejects.toBeInstanceOf(AuthError);
      await expect(listWebhooks(r.db, r.actor(role))).rejects.toBeInstanceOf(AuthError);
    }
    for (const url of [
      'ftp://example.org/h',
      'file:///etc/passwd',
      'javascript:alert(1)',
      'data:text/plain,x',
      'gopher://x',
      'example.org/h',
      '',
    ]) {
      await expect(
        createWebhook(r.db, admin(), { environment: 'production', url, events: ['model.deployed'] }),
      ).rejects.toMatchObject({ code: 'invalid_request', details: { field: 'url' } });
    }
    await expect(
      createWebhook(r.db, admin(), {
        environment: 'production',
        url: 'https://user:pw@example.org/h',
        events: ['model.deployed'],
      }),
    ).rejects.toMatchObject({ details: { field: 'url' } });
    await expect(
      createWebhook(r.db, admin(), { environment: 'production', url: 'https://example.org/h', events: [] }),
    ).rejects.toMatchObject({ details: { field: 'events' } });
    await expect(
      createWebhook(r.db, admin(), {
        environment: 'production',
        url: 'https://example.org/h',
        events: ['model.exploded' as never],
      }),
    ).rejects.toMatchObject({ details: { field: 'events' } });
    await expect(
      createWebhook(r.db, admin(), {
        environment: 'moon' as never,
        url: 'https://example.org/h',
        events: ['model.deployed'],
      }),
    ).rejects.toMatchObject({ details: { field: 'environment' } });

    const { webhook, secret } = await createWebhook(r.db, admin(), {
      environment: 'staging',
      url: 'https://hooks.example.org/x#frag',
      events: ['model.deployed', 'model.deployed'],
    });
    expect(secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(webhook).not.toHaveProperty('secret');
    expect(webhook).toMatchObject({ url: 'https://hooks.example.org/x', events: ['model.deployed'], active: true });
    const listed = await listWebhooks(r.db, admin());
    expect(JSON.stringify(listed)).not.toContain(secret);
    const rotated = await rotateWebhookSecret(r.db, admin(), webhook.id);
    expect(rotated.secret).not.toBe(secret);
    await expect(rotateWebhookSecret(r.db, r.actor('deployer'), webhook.id)).rejects.toBeInstanceOf(AuthError);
    await expect(updateWebhook(r.db, r.actor('deployer'), webhook.id, { active: false })).rejects.toBeInstanceOf(
      AuthError,
    );
    await expect(sendTestEvent(r.db, r.actor('deployer'), webhook.id)).rejects.toBeInstanceOf(AuthError);
    await expect(listWebhookDeliveries(r.db, r.actor('deployer'), webhook.id)).rejects.toBeInstanceOf(AuthError);
    await expect(deleteWebhook(r.db, r.actor('deployer'), webhook.id)).rejects.toBeInstanceOf(AuthError);
    await deleteWebhook(r.db, admin(), webhook.id);
    await expect(deleteWebhook(r.db, admin(), webhook.id)).rejects.toMatchObject({ code: 'not_found' });

    const audit = await r.db.auditEvent.findMany({
      where: { subjectType: 'webhook', subjectId: webhook.id },
      orderBy: { id: 'asc' },
    });
    expect(audit.map((a) => a.action)).toEqual(['webhook.create', 'webhook.rotate_secret', 'webhook.delete']);
    expect(JSON.stringify(audit)).not.toContain(secret);
    expect(JSON.stringify(audit)).not.toContain(rotated.secret);
  });

  it('deploy, replace, rollback and undeploy reach subscribed webhooks of their environment, signed', async () => {
    const prod = await hook('/prod', 'production', ['model.deployed', 'model.undeployed', 'model.rolled_back']);
    const staging = await hook('/staging', 'staging', ['model.deployed', 'model.undeployed', 'model.rolled_back']);
    const requestsOnly = await hook('/requests', 'production', ['request.opened', 'request.approved']);
    const off = await hook('/off', 'production', ['model.deployed']);
    await updateWebhook(r.db, admin(), off.id, { active: false });

    const deployer = r.actor('deployer');
    const a = await exportDemoJob(r, 5, 6, 'onnx');
    const b = await exportDemoJob(r, 5, 6, 'safetensors');
    // Each deploy carries out a request approved through review (request.opened, request.approved).
    const d1 = await deployThroughReview(r, {
      model_id: a.modelId,
      age_group_min: 5,
      age_group_max: 6,
      validate_before_deployment: false,
    });
    const d2 = await deployThroughReview(r, {
      model_id: b.modelId,
      age_group_min: 5,
      age_group_max: 6,
      replace_existing: true,
      validate_before_deployment: false,
    });
    const rb = await rollbackDeployment(r.db, r.store, deployer, { age_group_min: 5, age_group_max: 6 });
    expect(await undeployModel(r.db, deployer, rb.restored.id)).toBe(true);
    // a no-op undeploy (returns false) emits nothing
    expect(await undeployModel(r.db, deployer, rb.restored.id)).toBe(false);
    // A request the deploy would refuse (a served range, no replace_existing) is not approved, and nothing is delivered for it but its opening.
    await expect(
      deployThroughReview(r, {
        model_id: a.modelId,
        age_group_min: 5,
        age_group_max: 6,
        validate_before_deployment: false,
      }),
    ).resolves.toBeTruthy();
    await expect(
      deployThroughReview(r, {
        model_id: b.modelId,
        age_group_min: 5,
        age_group_max: 6,
        validate_before_deployment: false,
      }),
    ).rejects.toThrow(/is open, not approved/);

    expect((await deliveriesOf(prod.id)).map((d) => d.event)).toEqual([
      'model.deployed',
      'model.deployed',
      'model.rolled_back',
      'model.undeployed',
      'model.deployed',
    ]);
    expect(await deliveriesOf(staging.id)).toEqual([]);
    // the three requests behind those deploys (and the fourth, waiting) reach the webhook subscribed to request events only
    const requestEvents = (await deliveriesOf(requestsOnly.id)).map((d) => d.event).sort();
    expect(requestEvents).toEqual([...Array(3).fill('request.approved'), ...Array(4).fill('request.opened')]);
    expect(await deliveriesOf(off.id)).toEqual([]);

    const res = await dispatchDueDeliveries(r.db, { now: new Date() });
    expect(res).toMatchObject({ claimed: 12, delivered: 12, retrying: 0, failed: 0 });
    expect(rx.at('/requests')).toHaveLength(7);
    expect(rx.at('/requests').every((g) => g.valid && g.body.environment === 'production')).toBe(true);
    const got = rx.at('/prod');
    expect(got).toHaveLength(5);
    expect(got.every((g) => g.valid)).toBe(true);
    for (const g of got) {
      expect(g.headers['content-type']).toBe('application/json');
      expect(g.headers['user-agent']).toBe('Drawbridge-Webhooks/1');
      expect(g.headers['x-drawbridge-event']).toBe(g.body.event);
      expect(Math.abs(Number(g.headers['x-drawbridge-timestamp']) - Date.now() / 1000)).toBeLessThan(30);
      expect(g.headers['x-drawbridge-signature']).toBe(
        signWebhookPayload(rx.secrets.get('/prod')!, g.headers['x-drawbridge-timestamp'] as string, g.raw),
      );
      expect(g.body).toMatchObject({ environment: 'production' });
      expect(new Date(g.body.occurred_at as string).getTime()).toBeGreaterThan(Date.now() - 600_000);
    }
    const byDelivery = new Map(got.map((g) => [g.headers['x-drawbridge-delivery'], g.body]));
    const rows = await deliveriesOf(prod.id);
    expect(new Set(byDelivery.keys())).toEqual(new Set(rows.map((d) => d.id)));
    const actor = { id: deployer.id, name: deployer.name, email: deployer.email };
    const [first, second, rolled, undeployed] = rows.map((d) => byDelivery.get(d.id)!);
    expect(first).toMatchObject({
      event: 'model.deployed',
      data: {
        deployment_id: d1.deployment_id,
        model_id: a.modelId,
        age_group_min: 5,
        age_group_max: 6,
        replaced_deployment_id: null,
        sample_count: d1.sample_count,
        artifact_sha256: a.checksum,
        request_id: d1.request_id,
        break_glass_reason: null,
        actor,
      },
    });
    // jsonb keeps numbers as decimals; the threshold survives to within a rounding of the last digit
    expect((first.data as { threshold: number }).threshold).toBeCloseTo(d1.threshold, 15);
    expect(second).toMatchObject({
      event: 'model.deployed',
      data: {
        deployment_id: d2.deployment_id,
        model_id: b.modelId,
        replaced_deployment_id: d1.deployment_id,
        replaced_model_id: a.modelId,
        backup_kept: true,
      },
    });
    expect(rolled).toMatchObject({
      event: 'model.rolled_back',
      data: {
        deployment_id: d1.deployment_id,
        model_id: a.modelId,
        retired_deployment_id: d2.deployment_id,
        retired_model_id: b.modelId,
        actor,
      },
    });
    expect(undeployed).toMatchObject({
      event: 'model.undeployed',
      data: { deployment_id: rb.restored.id, model_id: a.modelId, age_group_min: 5, age_group_max: 6, actor },
    });

    for (const d of await deliveriesOf(prod.id)) {
      expect(d).toMatchObject({ status: 'delivered', attempts: 1, lastStatusCode: 204, lastError: null });
      expect(d.deliveredAt).toBeInstanceOf(Date);
    }
    // nothing is sent twice
    expect(await dispatchDueDeliveries(r.db, { now: new Date(Date.now() + 86_400_000) })).toMatchObject({ claimed: 0 });

    // Tampering and replay: the receiver's own check refuses both.
    const g = got[0];
    const secret = rx.secrets.get('/prod')!;
    const ts = g.headers['x-drawbridge-timestamp'] as string;
    const sig = g.headers['x-drawbridge-signature'] as string;
    expect(verifyWebhookSignature(secret, ts, g.raw, sig)).toBe(true);
    const tampered = g.raw.toString('utf8').replace(/"age_group_min":5/, '"age_group_min":2');
    expect(tampered).not.toBe(g.raw.toString('utf8'));
    expect(verifyWebhookSignature(secret, ts, tampered, sig)).toBe(false);
    expect(verifyWebhookSignature(secret, String(Number(ts) + 1), g.raw, sig)).toBe(false);
    expect(verifyWebhookSignature('whsec_wrong', ts, g.raw, sig)).toBe(false);
    expect(verifyWebhookSignature(secret, ts, g.raw, sig.replace('sha256=', 'sha1='))).toBe(false);
    expect(verifyWebhookSignature(secret, ts, g.raw, undefined)).toBe(false);
    expect(verifyWebhookSignature(secret, 'soon', g.raw, sig)).toBe(false);
    // the same request replayed ten minutes later is outside a 5-minute tolerance
    expect(verifyWebhookSignature(secret, ts, g.raw, sig, 300, Number(ts) * 1000 + 600_000)).toBe(false);
    expect(verifyWebhookSignature(secret, ts, g.raw, sig, 900, Number(ts) * 1000 + 600_000)).toBe(true);
    // a fresh signature over an old timestamp can only be made with the secret
    const old = Math.floor(Date.now() / 1000) - 3600;
    expect(verifyWebhookSignature(secret, old, g.raw, signWebhookPayload(secret, old, g.raw))).toBe(false);

    // The log shows them, newest first.
    const log = await listWebhookDeliveries(r.db, admin(), prod.id, { pageSize: 2 });
    expect(log).toMatchObject({ total: 5, totalExact: true, hasMore: true });
    expect(log.deliveries.map((d) => d.event)).toEqual(['model.deployed', 'model.undeployed']);
    expect((await listWebhooks(r.db, admin())).find((h) => h.id === prod.id)!.deliveries).toEqual({
      pending: 0,
      delivered: 5,
      failed: 0,
    });

    await deleteWebhook(r.db, admin(), prod.id);
    expect(await r.db.webhookDelivery.count({ where: { webhookId: prod.id } })).toBe(0);
    for (const h of [staging, requestsOnly, off]) await deleteWebhook(r.db, admin(), h.id);
  });

  it('retries with backoff: fails twice, then delivered, each attempt recorded', async () => {
    const h = await hook('/flaky', 'staging', ['request.opened']);
    rx.respond('/flaky', status(500, 'database is down'), status(503), status(200, 'ok'));
    await r.db.$transaction((tx) =>
      emitEvent(tx, { type: 'request.opened', environment: 'staging', payload: { request_id: 'req_1' } }),
    );
    const [d] = await deliveriesOf(h.id);
    const t0 = Date.now();

    let res = await dispatchDueDeliveries(r.db, { now: new Date(t0) });
    expect(res).toMatchObject({ claimed: 1, retrying: 1 });
    let row = await r.db.webhookDelivery.findUniqueOrThrow({ where: { id: d.id } });
    expect(row).toMatchObject({
      status: 'pending',
      attempts: 1,
      lastStatusCode: 500,
      lastError: 'HTTP 500',
      lastErrorCode: 'http_error',
      deliveredAt: null,
    });
    // The receiver's body is never stored (issue 10: it made the log a read primitive).
    expect(JSON.stringify(row)).not.toContain('database is down');
    expect(row.lastDurationMs).toBeGreaterThanOrEqual(0);
    expect(row.lastDurationMs).toBeLessThan(5_000);
    const wait1 = row.nextAttemptAt.getTime() - t0;
    expect(wait1).toBeGreaterThanOrEqual(30_000);
    expect(wait1).toBeLessThanOrEqual(36_000);

    // not due yet
    expect(await dispatchDueDeliveries(r.db, { now: new Date(t0 + 29_000) })).toMatchObject({ claimed: 0 });
    const t1 = row.nextAttemptAt.getTime();
    res = await dispatchDueDeliveries(r.db, { now: new Date(t1) });
    expect(res).toMatchObject({ claimed: 1, retrying: 1 });
    row = await r.db.webhookDelivery.findUniqueOrThrow({ where: { id: d.id } });
    expect(row).toMatchObject({ status: 'pending', attempts: 2, lastStatusCode: 503, lastError: 'HTTP 503' });
    const wait2 = row.nextAttemptAt.getTime() - t1;
    expect(wait2).toBeGreaterThanOrEqual(120_000);
    expect(wait2).toBeLessThanOrEqual(144_000);

    expect(await dispatchDueDeliveries(r.db, { now: new Date(t1 + 60_000) })).toMatchObject({ claimed: 0 });
    res = await dispatchDueDeliveries(r.db, { now: row.nextAttemptAt });
    expect(res).toMatchObject({ claimed: 1, delivered: 1 });
    row = await r.db.webhookDelivery.findUniqueOrThrow({ where: { id: d.id } });
    expect(row).toMatchObject({
      status: 'delivered',
      attempts: 3,
      lastStatusCode: 200,
      lastError: null,
      lastErrorCode: null,
    });
    expect(row.lastDurationMs).toBeGreaterThanOrEqual(0);

    const got = rx.at('/flaky');
    expect(got).toHaveLength(3);
    expect(got.every((g) => g.valid && g.headers['x-drawbridge-delivery'] === d.id)).toBe(true);
    // the same bytes every time
    expect(new Set(got.map((g) => g.raw.toString('base64'))).size).toBe(1);
    await deleteWebhook(r.db, admin(), h.id);
  });

  it('gives up after the last attempt, records errors, and an admin can redeliver', async () => {
    const h = await hook('/down', 'production', ['request.rejected']);
    rx.respond('/down', status(500));
    await r.db.$transaction((tx) =>
      emitEvent(tx, { type: 'request.rejected', environment: 'production', payload: { request_id: 'req_2' } }),
    );
    const [d] = await deliveriesOf(h.id);
    let now = Date.now();
    const waits: number[] = [];
    for (let i = 1; i <= MAX_ATTEMPTS; i++) {
      const res = await dispatchDueDeliveries(r.db, { now: new Date(now), random: () => 0 });
      expect(res.claimed).toBe(1);
      const row = await r.db.webhookDelivery.findUniqueOrThrow({ where: { id: d.id } });
      expect(row.attempts).toBe(i);
      if (i < MAX_ATTEMPTS) {
        expect(row.status).toBe('pending');
        waits.push((row.nextAttemptAt.getTime() - now) / 1000);
        now = row.nextAttemptAt.getTime();
      } else {
        expect(row).toMatchObject({ status: 'failed', lastStatusCode: 500, lastError: 'HTTP 500' });
      }
    }
    expect(waits).toEqual([30, 120, 600, 3600, 21600]);
    expect(rx.at('/down')).toHaveLength(MAX_ATTEMPTS);
    expect(await dispatchDueDeliveries(r.db, { now: new Date(now + 30 * 86_400_000) })).toMatchObject({ claimed: 0 });
    expect((await listWebhooks(r.db, admin())).find((x) => x.id === h.id)!.deliveries).toEqual({
      pending: 0,
      delivered: 0,
      failed: 1,
    });

    // Only failed deliveries can be sent again, only by admins; the same delivery id goes out.
    await expect(redeliverDelivery(r.db, r.actor('deployer'), d.id)).rejects.toBeInstanceOf(AuthError);
    rx.respond('/down', status(200));
    const out = await redeliverDelivery(r.db, admin(), d.id);
    expect(out).toMatchObject({ status: 'delivered', attempts: 1, statusCode: 200 });
    expect(rx.at('/down').at(-1)!.headers['x-drawbridge-delivery']).toBe(d.id);
    await expect(redeliverDelivery(r.db, admin(), d.id)).rejects.toMatchObject({ code: 'conflict' });
    const audit = await r.db.auditEvent.findFirstOrThrow({ where: { action: 'webhook.redeliver', subjectId: h.id } });
    expect(audit.before).toMatchObject({
      deliveryId: d.id,
      status: 'failed',
      attempts: MAX_ATTEMPTS,
      lastError: 'HTTP 500',
    });
    await deleteWebhook(r.db, admin(), h.id);
  });

  it('records refused connections, timeouts and redirects as failed attempts', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const refused = await createWebhook(r.db, admin(), {
      environment: 'production',
      url: `http://127.0.0.1:${port}/gone`,
      events: ['request.approved'],
    });
    const slow = await hook('/slow', 'production', ['request.approved']);
    rx.respond('/slow', (_req, res) => setTimeout(() => res.writeHead(200).end(), 1500));
    const moved = await hook('/moved', 'production', ['request.approved']);
    rx.respond('/moved', (_req, res) => res.writeHead(302, { location: `${rx.base}/elsewhere` }).end());

    await r.db.$transaction((tx) =>
      emitEvent(tx, { type: 'request.approved', environment: 'production', payload: { request_id: 'req_3' } }),
    );
    const res = await dispatchDueDeliveries(r.db, { now: new Date(), timeoutMs: 300 });
    expect(res).toMatchObject({ claimed: 3, retrying: 3 });
    const [a] = await deliveriesOf(refused.webhook.id);
    expect(a).toMatchObject({
      status: 'pending',
      attempts: 1,
      lastStatusCode: null,
      lastErrorCode: 'connection_refused',
      lastError: `connection refused (127.0.0.1:${port})`,
    });
    const [b] = await deliveriesOf(slow.id);
    expect(b).toMatchObject({
      status: 'pending',
      lastStatusCode: null,
      lastErrorCode: 'timeout',
      lastError: 'no response within 0.3 s',
    });
    expect(b.lastDurationMs).toBeGreaterThanOrEqual(290);
    expect(b.lastDurationMs).toBeLessThan(1_500);
    const [c] = await deliveriesOf(moved.id);
    expect(c).toMatchObject({
      status: 'pending',
      lastStatusCode: 302,
      lastErrorCode: 'redirect_not_followed',
      lastError: 'HTTP 302 (redirects are not followed)',
    });
    expect(rx.at('/elsewhere')).toHaveLength(0); // the redirect was not followed
    for (const h of [refused.webhook, slow, moved]) await deleteWebhook(r.db, admin(), h.id);
  });

  it('holds a disabled webhook’s deliveries, follows event changes, signs with a rotated secret', async () => {
    const h = await hook('/toggle', 'staging', ['model.undeployed']);
    const emit = (type: 'model.undeployed' | 'model.rolled_back') =>
      r.db.$transaction((tx) => emitEvent(tx, { type, environment: 'staging', payload: {} }));
    await emit('model.undeployed');
    await emit('model.rolled_back'); // not subscribed
    await updateWebhook(r.db, admin(), h.id, { active: false });
    await emit('model.undeployed'); // disabled: not queued
    expect(await dispatchDueDeliveries(r.db, { now: new Date() })).toMatchObject({ claimed: 0 });
    expect(await deliveriesOf(h.id)).toHaveLength(1);
    await updateWebhook(r.db, admin(), h.id, { active: true, events: ['model.rolled_back'] });
    await emit('model.undeployed');
    await emit('model.rolled_back');
    const { secret } = await rotateWebhookSecret(r.db, admin(), h.id);
    const oldSecret = rx.secrets.get('/toggle')!;
    rx.secrets.set('/toggle', secret);
    expect(await dispatchDueDeliveries(r.db, { now: new Date() })).toMatchObject({ claimed: 2, delivered: 2 });
    const got = rx.at('/toggle');
    expect(got.map((g) => g.body.event)).toEqual(expect.arrayContaining(['model.undeployed', 'model.rolled_back']));
    expect(got.every((g) => g.valid)).toBe(true);
    expect(
      got.some((g) =>
        verifyWebhookSignature(
          oldSecret,
          g.headers['x-drawbridge-timestamp'] as string,
          g.raw,
          g.headers['x-drawbridge-signature'] as string,
        ),
      ),
    ).toBe(false);
    const actions = (
      await r.db.auditEvent.findMany({ where: { subjectType: 'webhook', subjectId: h.id }, orderBy: { id: 'asc' } })
    ).map((a) => a.action);
    expect(actions).toEqual(['webhook.create', 'webhook.disable', 'webhook.enable', 'webhook.rotate_secret']);
    await deleteWebhook(r.db, admin(), h.id);
  });

  it('sends a test event at once and reports its outcome', async () => {
    const h = await hook('/test', 'production', ['model.deployed']);
    rx.respond('/test', status(200, 'pong'));
    const out = await sendTestEvent(r.db, admin(), h.id);
    expect(out).toMatchObject({ status: 'delivered', statusCode: 200, attempts: 1, error: null, errorCode: null });
    expect(out.durationMs).toBeGreaterThanOrEqual(0);
    expect(JSON.stringify(await deliveriesOf(h.id))).not.toContain('pong');
    const g = rx.at('/test')[0];
    expect(g.valid).toBe(true);
    expect(g.body).toMatchObject({
      event: 'webhook.test',
      environment: 'production',
      data: { webhook_id: h.id, sent_by: admin().email },
    });
    expect(g.headers['x-drawbridge-event']).toBe('webhook.test');
    await deleteWebhook(r.db, admin(), h.id);
  });

  it('the background dispatcher never takes a test event or a redelivery from the person who sent it', async () => {
    // CI saw it: the server's 5 s tick claimed a test event between its commit and the sender's
    // claim, so the console said "already being sent" instead of the outcome. Here a dispatcher
    // runs right after every transaction commits, which is that window.
    const h = await hook('/owned', 'production', ['model.deployed']);
    rx.respond('/owned', status(500), status(200));
    const claimedMeanwhile: number[] = [];
    const racing = new Proxy(r.db, {
      get(db, key, receiver) {
        if (key !== '$transaction') return Reflect.get(db, key, receiver);
        return async (...args: unknown[]) => {
          const out = await (db.$transaction as (...a: unknown[]) => Promise<unknown>)(...args);
          claimedMeanwhile.push((await dispatchDueDeliveries(db, { now: new Date(Date.now() + 1000) })).claimed);
          return out;
        };
      },
    });
    const first = await sendTestEvent(racing, admin(), h.id);
    expect(first).toMatchObject({ status: 'pending', statusCode: 500, attempts: 1 });
    await r.db.webhookDelivery.update({ where: { id: first.id }, data: { status: 'failed' } });
    const again = await redeliverDelivery(racing, admin(), first.id);
    expect(again).toMatchObject({ status: 'delivered', statusCode: 200, attempts: 1 });
    expect(claimedMeanwhile).toEqual([0, 0]);
    expect(rx.at('/owned')).toHaveLength(2);
    await deleteWebhook(r.db, admin(), h.id);
  });

  it('sends each delivery once when several dispatchers run at the same time', async () => {
    const h = await hook('/race', 'production', ['request.opened']);
    rx.respond('/race', (_req, res) => setTimeout(() => res.writeHead(200).end(), 20));
    for (let i = 0; i < 12; i++) {
      await r.db.$transaction((tx) =>
        emitEvent(tx, { type: 'request.opened', environment: 'production', payload: { request_id: `race_${i}` } }),
      );
    }
    const now = new Date();
    const results = await Promise.all([1, 2, 3, 4].map(() => dispatchDueDeliveries(r.db, { now, limit: 12 })));
    expect(results.reduce((n, x) => n + x.claimed, 0)).toBe(12);
    const got = rx.at('/race');
    expect(got).toHaveLength(12);
    expect(new Set(got.map((g) => g.headers['x-drawbridge-delivery'])).size).toBe(12);
    expect((await deliveriesOf(h.id)).every((d) => d.status === 'delivered' && d.attempts === 1)).toBe(true);
    await deleteWebhook(r.db, admin(), h.id);
  });

  it('the server loop sends soon after a commit when kicked', async () => {
    const h = await hook('/kick', 'production', ['model.deployed', 'model.undeployed']);
    const loop = startDispatcher(async () => r.db, { intervalMs: 60_000, kickDelayMs: 10 });
    try {
      expect(startDispatcher(async () => r.db)).toBe(loop); // once per process
      const e = await exportDemoJob(r, 7, 8, 'onnx');
      const dep = await deployThroughReview(r, {
        model_id: e.modelId,
        age_group_min: 7,
        age_group_max: 8,
        validate_before_deployment: false,
      });
      const deadline = Date.now() + 10_000;
      while (rx.at('/kick').length === 0 && Date.now() < deadline) await new Promise((res) => setTimeout(res, 25));
      expect(rx.at('/kick').map((g) => g.body)).toMatchObject([
        { event: 'model.deployed', data: { deployment_id: dep.deployment_id } },
      ]);
      expect(rx.at('/kick')[0].valid).toBe(true);
    } finally {
      await loop.stop();
    }
    await deleteWebhook(r.db, admin(), h.id);
  });
});

describe('retry schedule', () => {
  it('backs off 30 s, 2 min, 10 min, 1 h, 6 h with up to 20 % jitter', () => {
    expect([1, 2, 3, 4, 5].map((n) => retryDelayMs(n, () => 0))).toEqual([
      30_000, 120_000, 600_000, 3_600_000, 21_600_000,
    ]);
    expect(retryDelayMs(1, () => 0.999)).toBeLessThan(36_000);
    expect(retryDelayMs(9, () => 0)).toBe(21_600_000);
  });
});
