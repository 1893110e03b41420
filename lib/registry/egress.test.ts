import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../auth/permissions';
import { openTestDatabase, testTargets } from '../db/test-databases';
import { classifyAddress, egressPolicy, parseAddress, parseCidr, refusal, vetTarget, type Category } from './egress';
import { startDnsServer } from './test-dns';
import { dispatchDueDeliveries, verifyWebhookSignature } from './webhook-dispatch';
import { createWebhook, redeliverDelivery, sendTestEvent } from './webhooks';

// Ports of this helper's tests (3120-3129): the receiver and the DNS server.
const RX_PORT = 3120;
const DNS_PORT = 3121;
const TLS_PORT = 3122;

/** A self-signed certificate for 127.0.0.1, made with the openssl CLI (null without one). */
function selfSignedCert(): { key: string; cert: string } | null {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'drawbridge-tls-'));
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-subj',
        '/CN=127.0.0.1',
        '-days',
        '1',
        '-keyout',
        `${dir}/key.pem`,
        '-out',
        `${dir}/cert.pem`,
      ],
      { stdio: 'ignore' },
    );
    return { key: fs.readFileSync(`${dir}/key.pem`, 'utf8'), cert: fs.readFileSync(`${dir}/cert.pem`, 'utf8') };
  } catch {
    return null;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
const tls = selfSignedCert();

/** Every spelling from issue 10 and more, each aimed at the port a real receiver listens on. */
const LITERALS: [url: string, address: string, category: Category][] = [
  [`http://127.0.0.1:${RX_PORT}/api/v1/me`, '127.0.0.1', 'loopback'],
  [`http://localhost:${RX_PORT}/hook`, '127.0.0.1', 'loopback'],
  [`http://LOCALHOST.:${RX_PORT}/hook`, '127.0.0.1', 'loopback'],
  [`http://api.localhost:${RX_PORT}/hook`, '127.0.0.1', 'loopback'],
  [`http://0.0.0.0:${RX_PORT}/hook`, '0.0.0.0', 'unspecified'],
  [`http://0:${RX_PORT}/hook`, '0.0.0.0', 'unspecified'],
  [`http://127.1:${RX_PORT}/hook`, '127.0.0.1', 'loopback'],
  [`http://2130706433:${RX_PORT}/hook`, '127.0.0.1', 'loopback'],
  [`http://0x7f000001:${RX_PORT}/hook`, '127.0.0.1', 'loopback'],
  [`http://0177.0.0.1:${RX_PORT}/hook`, '127.0.0.1', 'loopback'],
  [`http://0x7f.1:${RX_PORT}/hook`, '127.0.0.1', 'loopback'],
  [`http://127.255.255.254:${RX_PORT}/hook`, '127.255.255.254', 'loopback'],
  [`http://[::ffff:127.0.0.1]:${RX_PORT}/hook`, '::ffff:7f00:1', 'loopback'],
  [`http://[::ffff:7f00:1]:${RX_PORT}/hook`, '::ffff:7f00:1', 'loopback'],
  [`http://[0:0:0:0:0:ffff:7f00:0001]:${RX_PORT}/hook`, '::ffff:7f00:1', 'loopback'],
  [`http://[::ffff:0:7f00:1]:${RX_PORT}/hook`, '::ffff:0:7f00:1', 'loopback'],
  [`http://[::127.0.0.1]:${RX_PORT}/hook`, '::7f00:1', 'loopback'],
  [`http://[64:ff9b::127.0.0.1]:${RX_PORT}/hook`, '64:ff9b::7f00:1', 'loopback'],
  [`http://[64:ff9b::a00:1]:${RX_PORT}/hook`, '64:ff9b::a00:1', 'private'],
  [`http://[2002:7f00:1::1]:${RX_PORT}/hook`, '2002:7f00:1::1', 'loopback'],
  [`http://[::1]:${RX_PORT}/hook`, '::1', 'loopback'],
  [`http://[0:0:0:0:0:0:0:1]:${RX_PORT}/hook`, '::1', 'loopback'],
  [`http://[::]:${RX_PORT}/hook`, '::', 'unspecified'],
  ['http://169.254.169.254/latest/meta-data/', '169.254.169.254', 'link_local'],
  ['http://[::ffff:169.254.169.254]/latest/meta-data/', '::ffff:a9fe:a9fe', 'link_local'],
  ['http://[::ffff:a9fe:a9fe]/latest/meta-data/', '::ffff:a9fe:a9fe', 'link_local'],
  ['http://[fe80::1]/', 'fe80::1', 'link_local'],
  ['http://10.0.0.1/', '10.0.0.1', 'private'],
  ['http://172.16.0.1/', '172.16.0.1', 'private'],
  ['http://172.31.255.255/', '172.31.255.255', 'private'],
  ['http://192.168.1.1/', '192.168.1.1', 'private'],
  ['http://100.64.0.1/', '100.64.0.1', 'private'],
  ['http://[fc00::1]/', 'fc00::1', 'private'],
  ['http://[fd12:3456::1]/', 'fd12:3456::1', 'private'],
  ['http://[64:ff9b:1::1]/', '64:ff9b:1::1', 'private'],
  ['http://224.0.0.1/', '224.0.0.1', 'multicast'],
  ['http://[ff02::1]/', 'ff02::1', 'multicast'],
  ['http://255.255.255.255/', '255.255.255.255', 'broadcast'],
  ['http://192.0.2.1/', '192.0.2.1', 'documentation'],
  ['http://[2001:db8::1]/', '2001:db8::1', 'documentation'],
  ['http://240.0.0.1/', '240.0.0.1', 'reserved'],
  ['http://198.18.0.1/', '198.18.0.1', 'reserved'],
  ['http://[2001::1]/', '2001::1', 'reserved'],
];

/** Names a DNS server answers with forbidden addresses. */
const NAMES: [name: string, answer: string[], address: string][] = [
  ['loop.example.test', ['127.0.0.1'], '127.0.0.1'],
  ['loop6.example.test', ['::1'], '::1'],
  ['zero.example.test', ['0.0.0.0'], '0.0.0.0'],
  ['metadata.example.test', ['169.254.169.254'], '169.254.169.254'],
  ['ten.example.test', ['10.0.0.1'], '10.0.0.1'],
  ['home.example.test', ['192.168.1.1'], '192.168.1.1'],
  ['cgnat.example.test', ['100.64.0.1'], '100.64.0.1'],
  ['mapped.example.test', ['::ffff:127.0.0.1'], '::ffff:127.0.0.1'],
  ['ula.example.test', ['fd00::1'], 'fd00::1'],
  ['nat64.example.test', ['64:ff9b::7f00:1'], '64:ff9b::7f00:1'],
  // one forbidden answer among public ones refuses the name
  ['mixed.example.test', ['93.184.216.34', '127.0.0.1'], '127.0.0.1'],
  ['mixed6.example.test', ['93.184.216.34', 'fe80::1'], 'fe80::1'],
];

const closed = { allowPrivate: false, allowCidrs: [] };

const SWITCHES = ['DRAWBRIDGE_WEBHOOK_ALLOW_PRIVATE', 'DRAWBRIDGE_WEBHOOK_ALLOW_CIDRS'] as const;
const savedSwitches = () => SWITCHES.map((k) => [k, process.env[k]] as const);
function restoreSwitches(saved: ReturnType<typeof savedSwitches>) {
  for (const [k, v] of saved) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
}

describe('address classification', () => {
  it(`refuses all ${LITERALS.length} spellings of internal targets, naming the address WHATWG URL normalised them to`, async () => {
    for (const [url, address, category] of LITERALS) {
      const e = await vetTarget(url, egressPolicy(closed)).then(
        () => null,
        (x: unknown) => x,
      );
      expect(e, url).toMatchObject({ code: 'webhook_target_forbidden', category, details: { field: 'url' } });
      expect(parseAddress((e as { address: string }).address), url).toEqual(parseAddress(address));
      expect((e as Error).message, url).toMatch(/^Webhooks may not be sent there: /);
    }
  });

  it('lets public addresses through, including IPv6 forms embedding a public IPv4 address', async () => {
    for (const a of [
      '8.8.8.8',
      '1.1.1.1',
      '93.184.216.34',
      '172.32.0.1',
      '100.128.0.1',
      '2606:4700:4700::1111',
      '::ffff:8.8.8.8',
      '64:ff9b::808:808',
      '2002:808:808::1',
    ]) {
      expect(classifyAddress(parseAddress(a)!).category, a).toBe('public');
      expect(refusal(a, closed), a).toBeNull();
    }
    const ok = await vetTarget('https://[2606:4700:4700::1111]/hook', egressPolicy(closed));
    expect(ok).toMatchObject({ address: '2606:4700:4700::1111', family: 6 });
  });

  it('the switch allows loopback and private ranges only; an allow-CIDR allows just its range', () => {
    const open = { allowPrivate: true, allowCidrs: [] };
    const allowed = LITERALS.filter(([, a]) => refusal(a, open) === null).map(([, , c]) => c);
    const still = LITERALS.filter(([, a]) => refusal(a, open) !== null).map(([, , c]) => c);
    expect(new Set(allowed)).toEqual(new Set(['loopback', 'private']));
    expect(new Set(still)).toEqual(
      new Set(['unspecified', 'link_local', 'multicast', 'broadcast', 'documentation', 'reserved']),
    );
    const cidrs = {
      allowPrivate: false,
      allowCidrs: ['10.20.0.0/16', 'fd00:1::/32', '169.254.10.1'].map((c) => parseCidr(c)!),
    };
    expect(refusal('10.20.3.4', cidrs)).toBeNull();
    expect(refusal('::ffff:10.20.3.4', cidrs)).toBeNull(); // the mapped form of an allowed address
    expect(refusal('10.21.0.1', cidrs)).toMatchObject({ category: 'private' });
    expect(refusal('fd00:1:ffff::1', cidrs)).toBeNull();
    expect(refusal('fd00:2::1', cidrs)).toMatchObject({ category: 'private' });
    expect(refusal('169.254.10.1', cidrs)).toBeNull();
    expect(refusal('169.254.169.254', cidrs)).toMatchObject({ category: 'link_local' });
    // never a receiver, whatever is allowed
    const all = { allowPrivate: true, allowCidrs: ['0.0.0.0/0', '::/0'].map((c) => parseCidr(c)!) };
    for (const a of ['0.0.0.0', '::', '224.0.0.1', 'ff02::1', '255.255.255.255'])
      expect(refusal(a, all), a).not.toBeNull();
    for (const bad of ['10.0.0.0/33', '10.0.0.0/8/1', 'ten/8', '::/129', '10.0.0.0/x', ''])
      expect(parseCidr(bad), bad).toBeNull();
  });

  it('reads the switch and the CIDR list from the environment at each check', () => {
    const saved = savedSwitches();
    try {
      process.env.DRAWBRIDGE_WEBHOOK_ALLOW_PRIVATE = '1';
      process.env.DRAWBRIDGE_WEBHOOK_ALLOW_CIDRS = ' 169.254.0.0/16 , nonsense, fd00::/8';
      const p = egressPolicy();
      expect(p.allowPrivate).toBe(true);
      expect(p.allowCidrs.map((c) => c.text)).toEqual(['169.254.0.0/16', 'fd00::/8']);
      delete process.env.DRAWBRIDGE_WEBHOOK_ALLOW_PRIVATE;
      delete process.env.DRAWBRIDGE_WEBHOOK_ALLOW_CIDRS;
      expect(egressPolicy()).toMatchObject({ allowPrivate: false, allowCidrs: [] });
    } finally {
      restoreSwitches(saved);
    }
  });
});

/** Every way WHATWG URL (or an IPv6 form) lets one write the IPv4 address `n`. */
function spellings(n: number): string[] {
  const p = [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
  const hex = (x: number) => x.toString(16);
  const [hi, lo] = [hex((p[0] << 8) | p[1]), hex((p[2] << 8) | p[3])];
  return [
    p.join('.'),
    String(n),
    `0x${hex(n)}`,
    `0X${hex(n).toUpperCase()}`,
    p.map((x) => `0${x.toString(8)}`).join('.'),
    p.map((x) => `0x${hex(x)}`).join('.'),
    `${p[0]}.${p[1]}.${(p[2] << 8) | p[3]}`,
    `${p[0]}.${(p[1] << 16) | (p[2] << 8) | p[3]}`,
    `${p.join('.')}.`,
    `[::ffff:${p.join('.')}]`,
    `[::ffff:${hi}:${lo}]`,
    `[0:0:0:0:0:ffff:${hi}:${lo}]`,
    `[::ffff:0:${hi}:${lo}]`,
    `[64:ff9b::${hi}:${lo}]`,
    `[2002:${hi}:${lo}::1]`,
    `[::${p.join('.')}]`,
  ];
}

const RANGES: [base: number, bits: number, category: Category][] = [
  [0x7f000000, 8, 'loopback'],
  [0x0a000000, 8, 'private'],
  [0xac100000, 12, 'private'],
  [0xc0a80000, 16, 'private'],
  [0x64400000, 10, 'private'],
  [0xa9fe0000, 16, 'link_local'],
];

describe('every spelling of an address (fast-check)', () => {
  it('refuses all 16 spellings of random addresses in internal ranges, and lets the same spellings of public ones through', async () => {
    const internal = fc
      .tuple(fc.constantFrom(...RANGES), fc.nat())
      .map(([[base, bits, category], r]) => ({ n: (base | (r % 2 ** (32 - bits))) >>> 0, category }));
    await fc.assert(
      fc.asyncProperty(internal, async ({ n, category }) => {
        for (const host of spellings(n)) {
          const e = await vetTarget(`http://${host}:8080/hook`, egressPolicy(closed)).then(
            () => null,
            (x: unknown) => x,
          );
          expect(e, host).toMatchObject({ code: 'webhook_target_forbidden', category });
        }
      }),
      { numRuns: 300 },
    );
    // 8.0.0.0/7: public, so every spelling is allowed
    const pub = fc.integer({ min: 0x08000000, max: 0x09ffffff });
    await fc.assert(
      fc.asyncProperty(pub, async (n) => {
        for (const host of spellings(n))
          await expect(vetTarget(`http://${host}:8080/hook`, egressPolicy(closed)), host).resolves.toMatchObject({
            hostname: expect.any(String),
          });
      }),
      { numRuns: 200 },
    );
  });
});

type Got = { url: string; host: string | undefined; raw: Buffer; headers: http.IncomingHttpHeaders };

describe.each(testTargets())('webhook egress against a real receiver and a real DNS server (%s)', (target) => {
  // No demo data: these tests need an admin and the webhook tables only.
  let r: Awaited<ReturnType<typeof openTestDatabase>>;
  let adminActor: Actor;
  let dnsServer: Awaited<ReturnType<typeof startDnsServer>>;
  let server: http.Server;
  const got: Got[] = [];
  const saved = savedSwitches();

  beforeAll(async () => {
    delete process.env.DRAWBRIDGE_WEBHOOK_ALLOW_PRIVATE;
    delete process.env.DRAWBRIDGE_WEBHOOK_ALLOW_CIDRS;
    server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        got.push({ url: req.url ?? '', host: req.headers.host, raw: Buffer.concat(chunks), headers: req.headers });
        // A body the log must never show.
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end('{"secret_internal_data":"sk_live_do_not_leak"}');
      });
    });
    await new Promise<void>((resolve) => server.listen(RX_PORT, '127.0.0.1', resolve));
    dnsServer = await startDnsServer(DNS_PORT, {
      ...Object.fromEntries(NAMES.map(([n, a]) => [n, a])),
      'hooks.example.test': ['127.0.0.1'],
      // public at creation, then this host: refused at delivery
      'rebind.example.test': { sequence: [['93.184.216.34'], ['127.0.0.1']] },
      // public at creation and at the delivery's check, this host for anyone asking after
      'rebind-late.example.test': { sequence: [['93.184.216.34'], ['93.184.216.34'], ['127.0.0.1']] },
    });
    r = await openTestDatabase(target);
    const u = await r.db.user.create({
      data: { email: 'ada@example.test', name: 'Ada', role: 'admin', passwordHash: 'unused' },
    });
    adminActor = { id: u.id, email: u.email, name: u.name, role: 'admin', via: 'session' };
  }, 120_000);
  afterAll(async () => {
    restoreSwitches(saved);
    await Promise.all([dnsServer?.close(), new Promise((resolve) => server?.close(resolve)), r?.cleanup()]);
  });
  afterEach(() => {
    delete process.env.DRAWBRIDGE_WEBHOOK_ALLOW_PRIVATE;
  });

  const admin = () => adminActor;
  const egress = () => ({ lookup: dnsServer.lookup });
  const create = (url: string) =>
    createWebhook(r.db, admin(), { environment: 'production', url, events: ['request.opened'] }, { egress: egress() });
  /** A webhook stored as if created before the policy existed (or while the switch was on). */
  const stored = async (url: string) => {
    const hook = await r.db.webhook.create({
      data: { environment: 'production', url, secret: 'whsec_test', events: ['request.opened'] },
    });
    await r.db.webhookDelivery.create({
      data: { webhookId: hook.id, event: 'request.opened', payload: { event: 'request.opened' } },
    });
    return hook;
  };
  const deliveriesOf = (webhookId: string) => r.db.webhookDelivery.findMany({ where: { webhookId } });

  it(`refuses the ${LITERALS.length} literal targets and ${NAMES.length} names at creation and at delivery; the receiver hears nothing`, async () => {
    // The receiver really is there: without the policy these would be delivered.
    const probe = await fetch(`http://127.0.0.1:${RX_PORT}/probe`, { method: 'POST', body: '{}' });
    expect(probe.status).toBe(200);
    got.length = 0;

    const targets = [
      ...LITERALS.map(([url, address]) => ({ url, address })),
      ...NAMES.map(([name, , address]) => ({ url: `http://${name}:${RX_PORT}/hook`, address })),
    ];
    for (const { url, address } of targets) {
      const e = await create(url).then(
        () => null,
        (x: unknown) => x,
      );
      expect(e, url).toMatchObject({ code: 'webhook_target_forbidden', details: { field: 'url' } });
      expect(parseAddress((e as { address: string }).address), url).toEqual(parseAddress(address));
    }
    expect(await r.db.webhook.count()).toBe(0);
    for (const { name } of NAMES.map(([name]) => ({ name }))) {
      const e = await create(`http://${name}:${RX_PORT}/hook`).catch((x: Error) => x);
      expect((e as Error).message, name).toContain(`${name} resolves to `);
    }

    const hooks = await Promise.all(targets.map(({ url }) => stored(url)));
    // In batches, as the server's loop sends them.
    const totals = { claimed: 0, delivered: 0, retrying: 0 };
    for (
      let res;
      (res = await dispatchDueDeliveries(r.db, { now: new Date(), limit: 15, egress: egress() })).claimed > 0;
    ) {
      for (const k of ['claimed', 'delivered', 'retrying'] as const) totals[k] += res[k];
    }
    expect(totals).toEqual({ claimed: targets.length, delivered: 0, retrying: targets.length });
    for (const [i, h] of hooks.entries()) {
      const [d] = await deliveriesOf(h.id);
      expect(d, `${targets[i].url}: ${d.lastError}`).toMatchObject({
        status: 'pending',
        lastStatusCode: null,
        lastErrorCode: 'forbidden_target',
      });
      expect(d.lastError, targets[i].url).toMatch(/^Webhooks may not be sent there: /);
    }
    expect(got).toEqual([]);
    await r.db.webhook.deleteMany();
  });

  it('a public-looking name resolving to this host is delivered only with DRAWBRIDGE_WEBHOOK_ALLOW_PRIVATE=1', async () => {
    got.length = 0;
    const url = `http://hooks.example.test:${RX_PORT}/drawbridge`;
    await expect(create(url)).rejects.toMatchObject({
      code: 'webhook_target_forbidden',
      address: '127.0.0.1',
      message: expect.stringContaining('hooks.example.test resolves to 127.0.0.1: 127.0.0.1 is a loopback address'),
    });

    process.env.DRAWBRIDGE_WEBHOOK_ALLOW_PRIVATE = '1';
    const { webhook, secret } = await create(url);
    const out = await sendTestEvent(r.db, admin(), webhook.id, { egress: egress() });
    expect(out).toMatchObject({ status: 'delivered', statusCode: 200, error: null, errorCode: null });
    expect(got).toHaveLength(1);
    // Connected to the vetted address, but addressed to the name.
    expect(got[0]).toMatchObject({ url: '/drawbridge', host: `hooks.example.test:${RX_PORT}` });
    expect(
      verifyWebhookSignature(
        secret,
        got[0].headers['x-drawbridge-timestamp'] as string,
        got[0].raw,
        got[0].headers['x-drawbridge-signature'] as string,
      ),
    ).toBe(true);
    const [row] = await deliveriesOf(webhook.id);
    expect(row).toMatchObject({ status: 'delivered', lastStatusCode: 200, lastError: null, lastErrorCode: null });
    expect(row.lastDurationMs).toBeGreaterThanOrEqual(0);
    expect(row.lastDurationMs).toBeLessThan(5_000);
    expect(JSON.stringify(row)).not.toMatch(/secret_internal_data|sk_live/);

    // The switch goes off: the same webhook is refused at its next delivery.
    delete process.env.DRAWBRIDGE_WEBHOOK_ALLOW_PRIVATE;
    const again = await sendTestEvent(r.db, admin(), webhook.id, { egress: egress() });
    expect(again).toMatchObject({ status: 'pending', statusCode: null, errorCode: 'forbidden_target' });
    expect(got).toHaveLength(1);
    // …and so is a redelivery of a failed one.
    await r.db.webhookDelivery.updateMany({
      where: { webhookId: webhook.id, status: 'pending' },
      data: { status: 'failed' },
    });
    const failed = await r.db.webhookDelivery.findFirstOrThrow({ where: { webhookId: webhook.id, status: 'failed' } });
    expect(await redeliverDelivery(r.db, admin(), failed.id, { egress: egress() })).toMatchObject({
      errorCode: 'forbidden_target',
    });
    expect(got).toHaveLength(1);
    await r.db.webhook.deleteMany();
  });

  it('a rebinding name never reaches the receiver: re-checked at delivery, and the connection is pinned to the checked address', async () => {
    got.length = 0;
    // Public when created, this host when delivered: refused after the delivery's own lookup.
    const early = await create(`http://rebind.example.test:${RX_PORT}/hook`);
    expect(dnsServer.queries('rebind.example.test')).toBe(1);
    const out1 = await sendTestEvent(r.db, admin(), early.webhook.id, { egress: egress() });
    expect(out1).toMatchObject({
      status: 'pending',
      errorCode: 'forbidden_target',
      error: expect.stringContaining('rebind.example.test resolves to 127.0.0.1'),
    });
    expect(dnsServer.queries('rebind.example.test')).toBe(2);

    // Public at creation and at the delivery's check, this host for whoever asks next. The socket
    // goes to the checked (public, unreachable here) address; nobody asks DNS a third time.
    const late = await create(`http://rebind-late.example.test:${RX_PORT}/hook`);
    const out2 = await sendTestEvent(r.db, admin(), late.webhook.id, { egress: egress(), timeoutMs: 600 });
    // Whatever answers there (nothing, or this sandbox's egress filter), it is not our receiver.
    expect(out2).toMatchObject({ status: 'pending', errorCode: expect.any(String) });
    expect(dnsServer.queries('rebind-late.example.test')).toBe(2);
    expect(got).toEqual([]);
    await r.db.webhook.deleteMany();
  });
  it.skipIf(!tls)('a receiver whose certificate does not verify is a tls_error, and hears no event', async () => {
    const heard: string[] = [];
    const secure = https.createServer(tls!, (req, res) => {
      heard.push(req.url ?? '');
      res.writeHead(200).end();
    });
    await new Promise<void>((resolve) => secure.listen(TLS_PORT, '127.0.0.1', resolve));
    process.env.DRAWBRIDGE_WEBHOOK_ALLOW_PRIVATE = '1';
    try {
      const { webhook } = await create(`https://127.0.0.1:${TLS_PORT}/hook`);
      const out = await sendTestEvent(r.db, admin(), webhook.id, { egress: egress() });
      expect(out).toMatchObject({
        status: 'pending',
        statusCode: null,
        errorCode: 'tls_error',
        error: expect.stringMatching(
          /^TLS handshake failed \((DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN)\)$/,
        ),
      });
      expect(heard).toEqual([]);
    } finally {
      await new Promise((resolve) => secure.close(resolve));
      await r.db.webhook.deleteMany();
    }
  });
});
