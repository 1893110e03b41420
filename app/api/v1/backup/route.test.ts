/**
 * GET /api/v1/backup, the path `drawbridge backup` takes over --server or through the server that
 * holds the data directory: the route handler against a real embedded database and store; the
 * archive it streams must restore (with the real CLI) to the same rows.
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '@/cli/test-support';
import type { Db } from '@/lib/db';
import type { Role } from '@/lib/auth/permissions';
import { newPlace, openPlace, storeObjects, TABLE_COUNT, tableRows } from '@/lib/backup/test-fixture';
import { POSTGRES_URL } from '@/lib/db/test-databases';
import { openSeededApp } from '../../test-app';

const ROOT = path.resolve(import.meta.dirname, '..', '..', '..', '..');
let tmp: string;
let db: Db;
let close: () => Promise<void>;
let GET: (req: Request, ctx: { params: Promise<Record<string, string>> }) => Promise<Response>;
const tokens = {} as Record<Role, string>;

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'drawbridge-backup-route-'));
  const app = await openSeededApp(path.join(tmp, 'source'));
  ({ db, close } = app);
  Object.assign(tokens, app.tokens);
  ({ GET } = await import('./route'));
}, 120_000);

afterAll(async () => {
  await close?.();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const call = (token?: string) =>
  GET(new Request('http://test/api/v1/backup', { headers: token ? { authorization: `Bearer ${token}` } : {} }), {
    params: Promise.resolve({}),
  });

describe('GET /api/v1/backup', () => {
  it('is for admins only', async () => {
    const anonymous = await call();
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toMatchObject({ code: 'unauthenticated' });
    const deployer = await call(tokens.deployer);
    expect(deployer.status).toBe(403);
    expect(await deployer.json()).toMatchObject({
      code: 'forbidden',
      detail: expect.stringMatching(/backup\.create needs: admin/),
    });
  });

  it('streams an archive, audited, that restores to the same rows and bytes', async () => {
    const res = await call(tokens.admin);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/x-tar');
    expect(res.headers.get('content-disposition')).toMatch(
      /^attachment; filename="drawbridge-backup-\d{8}T\d{6}\.tar"$/,
    );
    const file = path.join(tmp, 'via-api.tar');
    const out = fs.createWriteStream(file);
    for await (const chunk of Readable.fromWeb(res.body as import('node:stream/web').ReadableStream<Uint8Array>))
      out.write(chunk);
    await new Promise((resolve) => out.end(resolve));
    expect(fs.statSync(file).size).toBe(Number(res.headers.get('content-length')));

    const audit = await db.auditEvent.findMany({ where: { action: 'backup.create' } });
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({
      subjectType: 'database',
      subjectId: 'pglite',
      actorLabel: expect.stringContaining('(API token)'),
    });
    const sourceRows = await tableRows(db);

    const dest = path.join(tmp, 'restored');
    const r = await runCli(['restore', file], { cwd: ROOT, dataDir: dest });
    expect(r.stderr + r.stdout).toMatch(new RegExp(`restored \\d+ rows in ${TABLE_COUNT} tables and 16 artifacts`));
    expect(r.code).toBe(0);
    const o = await openPlace({ target: 'pglite', dataDir: dest, drop: async () => {} });
    try {
      expect(await tableRows(o.db)).toEqual(sourceRows);
    } finally {
      await o.close();
    }
    expect(storeObjects(dest)).toEqual(storeObjects(path.join(tmp, 'source')));
    expect(storeObjects(dest).size).toBe(16);

    // One format for both modes: the embedded server's archive restores into PostgreSQL too.
    if (POSTGRES_URL) {
      const pgPlace = await newPlace('postgres', tmp, 'pg-restored');
      try {
        const toPg = await runCli(['restore', file], {
          cwd: ROOT,
          dataDir: pgPlace.dataDir,
          databaseUrl: pgPlace.databaseUrl,
        });
        expect(toPg.stderr + toPg.stdout).toMatch(
          new RegExp(`restored \\d+ rows in ${TABLE_COUNT} tables and 16 artifacts`),
        );
        const p = await openPlace(pgPlace);
        try {
          expect(await tableRows(p.db)).toEqual(sourceRows);
        } finally {
          await p.close();
        }
        expect(storeObjects(pgPlace.dataDir)).toEqual(storeObjects(dest));
      } finally {
        await pgPlace.drop();
      }
    }
  });

  it('is what `backup --server` downloads: verified in full before it is kept, refused when damaged in transit', async () => {
    // The route handler behind a plain HTTP server on an assigned port; under /damage it flips one byte mid-archive.
    const server = http.createServer(async (req, res) => {
      const damage = req.url!.startsWith('/damage/');
      const url = damage ? req.url!.slice('/damage'.length) : req.url;
      const r = await GET(new Request(`http://127.0.0.1${url}`, { headers: req.headers as Record<string, string> }), {
        params: Promise.resolve({}),
      });
      res.writeHead(r.status, Object.fromEntries(r.headers));
      const total = Number(r.headers.get('content-length'));
      let at = 0;
      for await (const chunk of Readable.fromWeb(r.body as import('node:stream/web').ReadableStream<Uint8Array>)) {
        const c = Buffer.from(chunk as Uint8Array);
        const mid = Math.floor(total / 2) - at;
        if (damage && mid >= 0 && mid < c.length) c[mid] ^= 0x40;
        at += c.length;
        res.write(c);
      }
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(3241, '127.0.0.1', resolve));
    try {
      const url = 'http://127.0.0.1:3241';
      const file = path.join(tmp, 'via-cli.tar');
      const ok = await runCli(['--server', url, '--token', tokens.admin, 'backup', '--out', file], {
        cwd: ROOT,
        dataDir: path.join(tmp, 'unused'),
      });
      expect(ok.stderr + ok.stdout).toMatch(
        new RegExp(`backup written to .*via-cli\\.tar: \\d+ rows in ${TABLE_COUNT} tables, 16 artifacts`),
      );
      expect(ok.code).toBe(0);
      const damaged = path.join(tmp, 'damaged.tar');
      const [refusedAsViewer, bad, again] = await Promise.all([
        runCli(['--server', url, '--token', tokens.viewer, 'backup', '--out', path.join(tmp, 'viewer.tar')], {
          cwd: ROOT,
          dataDir: path.join(tmp, 'unused'),
        }),
        runCli(['--server', `${url}/damage`, '--token', tokens.admin, 'backup', '--out', damaged], {
          cwd: ROOT,
          dataDir: path.join(tmp, 'unused'),
        }),
        runCli(['--server', url, '--token', tokens.admin, 'backup', '--out', file], {
          cwd: ROOT,
          dataDir: path.join(tmp, 'unused'),
        }),
      ]);
      expect(refusedAsViewer.code).toBe(1);
      expect(refusedAsViewer.stderr).toMatch(/backup\.create needs: admin.*\(forbidden\)/);
      expect(bad.code).toBe(1);
      expect(bad.stderr).toMatch(/does not match its manifest .*\(backup_corrupt\)/);
      expect(fs.readdirSync(tmp).filter((n) => n.includes('damaged') || n.endsWith('.part'))).toEqual([]);
      expect(again.code).toBe(2);
      expect(again.stderr).toMatch(/already exists; choose a new name or add --force/);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
