/**
 * GET /api/v1/audit (JSON page, JSON lines, CSV) and GET /api/v1/audit/verify: the route handlers
 * against the app's embedded database; `drawbridge audit verify --server` (the real CLI) against
 * the verify route behind a plain HTTP server, as it runs over --server or through the server that
 * holds the data directory.
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '@/cli/test-support';
import type { Role } from '@/lib/auth/permissions';
import type { Db } from '@/lib/db';

type Handler = (req: Request, ctx: { params: Promise<Record<string, string>> }) => Promise<Response>;

const ROOT = path.resolve(import.meta.dirname, '..', '..', '..', '..');
const PORT = 3171;
let tmp: string;
let db: Db;
let close: () => Promise<void>;
let list: Handler;
let verify: Handler;
const tokens = {} as Record<Role, string>;

// Cells a spreadsheet would run, and cells that need quoting.
const HOSTILE = [
  '=HYPERLINK("http://evil.example","x")',
  '+1+1',
  '-2+3',
  '@SUM(A1)',
  '\tTAB',
  'a,b "quoted"\nsecond line',
];

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'drawbridge-audit-route-'));
  // The app's own database, as the routes open it; no demo seed (users and tokens are all it needs).
  process.env.DRAWBRIDGE_DATA_DIR = path.join(tmp, 'data');
  delete process.env.DATABASE_URL;
  const { getDatabase } = await import('@/lib/db');
  const { createApiToken } = await import('@/lib/auth/sessions');
  const { recordAudit, SYSTEM_ACTOR } = await import('@/lib/registry/audit');
  const opened = await getDatabase();
  ({ db, close } = opened);
  for (const role of ['viewer', 'deployer', 'admin'] as const) {
    const u = await db.user.create({
      data: { email: `${role}@audit.test`, name: `Audit ${role}`, role, passwordHash: 'not-a-login' },
    });
    await recordAudit(db, SYSTEM_ACTOR, {
      action: 'user.create',
      subjectType: 'user',
      subjectId: u.id,
      after: { email: u.email, role },
    });
    tokens[role] = (
      await createApiToken(db, { id: u.id, email: u.email, name: u.name, role, via: 'session' }, 'test')
    ).token;
  }
  const admin = await db.user.findFirstOrThrow({ where: { role: 'admin' } });
  for (const [i, s] of HOSTILE.entries()) {
    await recordAudit(
      db,
      { id: admin.id, email: admin.email, name: s, role: 'admin', via: 'session' },
      { action: 'test.hostile', subjectType: 'thing', subjectId: s, after: { i, s } },
    );
  }
  ({ GET: list } = await import('./route'));
  ({ GET: verify } = await import('./verify/route'));
}, 120_000);

afterAll(async () => {
  await close?.();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const call = (h: Handler, url: string, role?: Role, headers: Record<string, string> = {}) =>
  h(
    new Request(`http://test${url}`, {
      headers: { ...headers, ...(role ? { authorization: `Bearer ${tokens[role]}` } : {}) },
    }),
    { params: Promise.resolve({}) },
  );

/** RFC 4180, enough for the test: quoted fields with doubled quotes and line breaks. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += c;
  }
  return rows;
}

describe('GET /api/v1/audit', () => {
  it('is for deployers and admins', async () => {
    expect((await call(list, '/api/v1/audit')).status).toBe(401);
    for (const h of [list, verify]) {
      const viewer = await call(h, '/api/v1/audit?format=csv', 'viewer');
      expect(viewer.status).toBe(403);
      expect(await viewer.json()).toMatchObject({ code: 'forbidden' });
    }
    expect((await call(list, '/api/v1/audit', 'deployer')).status).toBe(200);
  });

  it("keeps the JSON page form, now with each event's hashes", async () => {
    const res = await call(list, '/api/v1/audit?page=1', 'admin');
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const body = await res.json();
    expect(body).toMatchObject({ total: await db.auditEvent.count(), page: 1, page_size: 50 });
    expect(body.events[0]).toMatchObject({
      action: 'test.hostile',
      hash: expect.stringMatching(/^[0-9a-f]{64}$/),
      prevHash: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
  });

  it('exports every event as JSON lines, oldest first, each linking to the one before', async () => {
    const total = await db.auditEvent.count();
    for (const [url, headers] of [
      ['/api/v1/audit?format=jsonl', {}],
      ['/api/v1/audit', { accept: 'application/x-ndjson' }],
    ] as const) {
      const res = await call(list, url, 'deployer', headers);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/x-ndjson; charset=utf-8');
      expect(res.headers.get('content-disposition')).toMatch(
        /^attachment; filename="drawbridge-audit-\d{4}-\d{2}-\d{2}\.jsonl"$/,
      );
      const text = await res.text();
      expect(text.endsWith('\n')).toBe(true);
      const events = text
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l));
      expect(events).toHaveLength(total);
      expect(events[0].prevHash).toBe('0'.repeat(64));
      for (let i = 1; i < events.length; i++) {
        expect(events[i].id).toBeGreaterThan(events[i - 1].id);
        expect(events[i].prevHash).toBe(events[i - 1].hash);
      }
      expect(Object.keys(events[0])).toEqual([
        'id',
        'createdAt',
        'actorId',
        'actorLabel',
        'action',
        'subjectType',
        'subjectId',
        'before',
        'after',
        'prevHash',
        'hash',
      ]);
    }
    const filtered = (await (await call(list, '/api/v1/audit?format=jsonl&action=test.', 'admin')).text())
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(filtered.map((e) => e.subjectId)).toEqual(HOSTILE);
  });

  it('exports CSV with every cell escaped and formula cells defused', async () => {
    const res = await call(list, '/api/v1/audit?action=test.hostile', 'admin', { accept: 'text/csv' });
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    const rows = parseCsv(await res.text());
    expect(rows[0]).toEqual([
      'id',
      'createdAt',
      'actorId',
      'actorLabel',
      'action',
      'subjectType',
      'subjectId',
      'before',
      'after',
      'prevHash',
      'hash',
    ]);
    expect(rows).toHaveLength(HOSTILE.length + 1);
    const subject = rows.slice(1).map((r) => r[6]);
    expect(subject).toEqual([
      '\'=HYPERLINK("http://evil.example","x")',
      "'+1+1",
      "'-2+3",
      "'@SUM(A1)",
      "'\tTAB",
      'a,b "quoted"\nsecond line',
    ]);
    expect(rows[1][3]).toMatch(/^'=HYPERLINK\("http:\/\/evil\.example","x"\) </);
    expect(JSON.parse(rows[6][8])).toEqual({ i: 5, s: HOSTILE[5] });
    for (const r of rows.slice(1)) expect(r).toHaveLength(11);
    const all = parseCsv(await (await call(list, '/api/v1/audit?format=csv', 'admin')).text());
    expect(all).toHaveLength((await db.auditEvent.count()) + 1);
  });

  it('streams in batches: the same bytes whatever the batch size', async () => {
    const { streamAuditEvents } = await import('@/lib/registry/audit-export');
    const { SYSTEM_ACTOR } = await import('@/lib/registry/audit');
    for (const format of ['jsonl', 'csv'] as const) {
      const small = await new Response(streamAuditEvents(db, SYSTEM_ACTOR, {}, format, 3)).text();
      const whole = await new Response(streamAuditEvents(db, SYSTEM_ACTOR, {}, format)).text();
      expect(small).toBe(whole);
    }
  });

  it('refuses an unknown format with a code', async () => {
    const res = await call(list, '/api/v1/audit?format=xlsx', 'admin');
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(await res.json()).toMatchObject({ code: 'invalid_request' });
  });
});

describe('GET /api/v1/audit/verify and drawbridge audit verify --server', () => {
  it('reports an intact chain, then the first edited event, through the route and the real CLI', async () => {
    const total = await db.auditEvent.count();
    const intact = await (await call(verify, '/api/v1/audit/verify', 'deployer')).json();
    expect(intact).toMatchObject({
      intact: true,
      events: total,
      head_hash: expect.stringMatching(/^[0-9a-f]{64}$/),
      broken: null,
    });

    const server = http.createServer(async (req, res) => {
      const r = await verify(
        new Request(`http://127.0.0.1${req.url}`, { headers: req.headers as Record<string, string> }),
        { params: Promise.resolve({}) },
      );
      res.writeHead(r.status, Object.fromEntries(r.headers));
      res.end(Buffer.from(await r.arrayBuffer()));
    });
    await new Promise<void>((resolve) => server.listen(PORT, '127.0.0.1', resolve));
    const cli = () =>
      runCli(['audit', 'verify', '--server', `http://127.0.0.1:${PORT}`, '--token', tokens.deployer], {
        cwd: ROOT,
        dataDir: path.join(tmp, 'unused'),
      });
    try {
      const ok = await cli();
      expect(ok.stdout).toContain(`audit chain intact: ${total} events, newest event ${intact.last_event_id}`);
      expect(ok.code).toBe(0);

      const victim = await db.auditEvent.findFirstOrThrow({
        where: { action: 'test.hostile' },
        orderBy: { id: 'asc' },
      });
      await db.$executeRawUnsafe(`UPDATE "AuditEvent" SET "subjectId" = 'nothing to see' WHERE id = ${victim.id}`);
      try {
        const bad = await (await call(verify, '/api/v1/audit/verify', 'admin')).json();
        expect(bad).toMatchObject({ intact: false, broken: { event_id: victim.id, reason: 'hash_mismatch' } });
        const broken = await cli();
        expect(broken.code).toBe(4);
        expect(broken.stdout).toContain(`audit chain BROKEN at event ${victim.id} (hash_mismatch)`);
        expect(broken.stderr).toContain(`drawbridge: audit chain broken at event ${victim.id} (hash_mismatch)`);
      } finally {
        await db.auditEvent.update({ where: { id: victim.id }, data: { subjectId: victim.subjectId } });
      }
      expect((await (await call(verify, '/api/v1/audit/verify', 'admin')).json()).intact).toBe(true);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  }, 60_000);
});
