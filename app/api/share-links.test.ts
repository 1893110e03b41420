// Share links over REST: deployers make one (201, the token and absolute URL once), the list shows
// it without the token, the token opens the public page's resolver, revoking stops it (204) and a
// second revoke is 404 share_link_not_found; viewers and reviewers are refused, bad days are 422,
// an unknown model is 404. Then the CLI's remote mode against these routes on a loopback server.
import os from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ok, runCliInProcess, type CliRun } from '@/cli/test-support';
import { responseSchemaOf } from '@/lib/api/contract';
import { shareLinkCreatedResponse, shareLinkResponse } from '@/lib/api/contract/share-links';
import type { Role } from '@/lib/auth/permissions';
import { resolveShareToken } from '@/lib/registry/share-links';
import * as linksRoute from './v1/training/models/exports/[model_id]/share-links/route';
import * as linkRoute from './v1/share-links/[id]/route';
import { call, db, expectError, exportDemoJob, tokenFor, useSeededApi } from './test-harness';
import { serveRoutes } from './test-loopback';

useSeededApi();

const LIST = '/api/v1/training/models/exports/{model_id}/share-links';
const MISSING = 'autoencoder_2.0_3.0_20000101_000000';

// Exported by the first describe's beforeAll; the remote-mode tests share it.
let modelId: string;

describe('share links API', () => {
  const linksUrl = (m: string) => `/api/v1/training/models/exports/${m}/share-links`;
  const list = (role: Role = 'deployer', m = modelId) =>
    call('shareLinks', linksUrl(m), { role, params: { model_id: m } });
  const create = (json: unknown = {}, role: Role = 'deployer', m = modelId) =>
    call('shareLinks', linksUrl(m), { role, json, params: { model_id: m } });
  const revoke = (id: string, role: Role = 'deployer') =>
    call('shareLink', `/api/v1/share-links/${id}`, { role, method: 'DELETE', params: { id } });

  beforeAll(async () => {
    modelId = (await exportDemoJob(['onnx'])).onnx.model_id;
  });

  it('makes a link, lists it without its token, opens the page with it, and revokes it once', async () => {
    const res = await create();
    expect(res.status).toBe(201);
    const made = shareLinkCreatedResponse.parse(await res.json());
    expect(responseSchemaOf('post', LIST, 201)).toBe(shareLinkCreatedResponse);
    expect(made).toMatchObject({ created_by: 'Dana Deployer', expires_at: null, access_count: 0, active: true });
    // Under the origin the request was addressed to (DRAWBRIDGE_PUBLIC_URL unset: see the last test).
    expect(made.url).toBe(`http://test/share/${made.token}`);

    const opened = await resolveShareToken(db, made.token);
    expect(opened?.modelId).toBe(modelId);

    const listed = await list();
    expect(listed.status).toBe(200);
    const rows = responseSchemaOf('get', LIST, 200).parse(await listed.json()) as unknown[];
    const row = shareLinkResponse.strict().parse(rows[0]);
    expect(row).toMatchObject({ id: made.id, active: true, access_count: 1, revoked_at: null });
    expect(row.last_accessed_at).not.toBeNull();
    expect(JSON.stringify(rows)).not.toContain(made.token.split('.')[0]);

    const gone = await revoke(made.id);
    expect([gone.status, await gone.text()]).toEqual([204, '']);
    expect(await resolveShareToken(db, made.token)).toBeNull();
    await expectError(await revoke(made.id), 404, 'share_link_not_found');
    await expectError(await revoke('no-such-link'), 404, 'share_link_not_found');
    const after = shareLinkResponse.parse(((await (await list()).json()) as unknown[])[0]);
    expect(after).toMatchObject({ id: made.id, active: false, revoked_by: 'Dana Deployer' });
    expect(after.revoked_at).not.toBeNull();

    const audit = await db.auditEvent.findMany({
      where: { action: { startsWith: 'share_link.' }, subjectId: modelId },
      orderBy: { id: 'asc' },
    });
    expect(audit.map((e) => e.action)).toEqual(['share_link.create', 'share_link.revoke']);
  });

  it('lists newest first, and an expiring link says when it stops', async () => {
    const before = Date.now();
    const made = shareLinkCreatedResponse.parse(await (await create({ expires_in_days: 30 }, 'admin')).json());
    const expires = Date.parse(made.expires_at!);
    expect(expires - before).toBeGreaterThanOrEqual(30 * 86_400_000 - 1000);
    expect(expires - Date.now()).toBeLessThanOrEqual(30 * 86_400_000);
    const rows = (await (await list('admin')).json()) as { id: string; created_by: string }[];
    expect(rows[0]).toMatchObject({ id: made.id, created_by: 'Ada Admin' });
    expect(rows.length).toBeGreaterThanOrEqual(2);
  });

  it('refuses viewers and reviewers', async () => {
    const made = shareLinkCreatedResponse.parse(await (await create()).json());
    for (const role of ['viewer', 'reviewer'] as const) {
      await expectError(await list(role), 403, 'forbidden');
      await expectError(await create({}, role), 403, 'forbidden');
      await expectError(await revoke(made.id, role), 403, 'forbidden');
    }
    expect(((await (await list()).json()) as { id: string; active: boolean }[])[0]).toMatchObject({
      id: made.id,
      active: true,
    });
  });

  it('names a bad expires_in_days with 422, and answers 404 for an unknown model', async () => {
    const count = async () => ((await (await list()).json()) as unknown[]).length;
    const n = await count();
    for (const expires_in_days of [0, 366, 1.5, -1, 'soon', null, 1e308]) {
      const res = await create({ expires_in_days });
      expect(res.status, String(expires_in_days)).toBe(422);
      const body = await res.json();
      expect(body.code).toBe('invalid_request');
      expect(JSON.stringify(body.detail)).toContain('expires_in_days');
    }
    expect(await count()).toBe(n);
    await expectError(await list('deployer', MISSING), 404, 'model_not_found');
    await expectError(await create({}, 'deployer', MISSING), 404, 'model_not_found');
  });
  it('puts the URL under DRAWBRIDGE_PUBLIC_URL when the deployment names it, whatever the request said', async () => {
    process.env.DRAWBRIDGE_PUBLIC_URL = 'https://drawbridge.example.org/ignored-path';
    try {
      const made = shareLinkCreatedResponse.parse(await (await create()).json());
      expect(made.url).toBe(`https://drawbridge.example.org/share/${made.token}`);
      expect((await revoke(made.id)).status).toBe(204);
    } finally {
      delete process.env.DRAWBRIDGE_PUBLIC_URL;
    }
  });
});

describe('drawbridge models share / share-links / unshare over --server', () => {
  let loopback: Awaited<ReturnType<typeof serveRoutes>>;
  let base: string;
  let token: string;

  beforeAll(async () => {
    token = tokenFor('deployer');
    // The two route files behind a loopback HTTP server: the CLI's real fetch, the real handlers.
    loopback = await serveRoutes([
      {
        path: /^\/api\/v1\/training\/models\/exports\/([^/]+)\/share-links$/,
        params: ['model_id'],
        module: linksRoute,
      },
      { path: /^\/api\/v1\/share-links\/([^/]+)$/, params: ['id'], module: linkRoute },
    ]);
    base = loopback.base;
  });
  afterAll(() => loopback.close());

  const drawbridge = (...args: string[]): Promise<CliRun> =>
    runCliInProcess([...args, '--server', base, '--token', token], { dataDir: os.tmpdir() });

  it('makes, lists and revokes a link through the REST API, with the same codes as local mode', async () => {
    const made = ok(await drawbridge('models', 'share', modelId, '--days', '3'));
    expect(made.stdout).toMatch(new RegExp(`^${base}/share/[\\w-]+\\.[\\w-]+\\n$`));
    const listed = JSON.parse(ok(await drawbridge('models', 'share-links', modelId, '--json')).stdout);
    expect(listed[0]).toMatchObject({ active: true, created_by: 'Dana Deployer' });
    expect(listed[0]).not.toHaveProperty('token');
    expect(ok(await drawbridge('models', 'unshare', listed[0].id)).stdout).toBe(
      `Revoked share link ${listed[0].id}: it no longer opens the page.\n`,
    );
    const again = await drawbridge('models', 'unshare', listed[0].id);
    expect([again.code, again.stderr]).toEqual([1, expect.stringContaining('(share_link_not_found)')]);
    const missing = await drawbridge('models', 'share-links', MISSING);
    expect([missing.code, missing.stderr]).toEqual([1, expect.stringContaining('(model_not_found)')]);
    const bad = await drawbridge('models', 'share', modelId, '--days', '400');
    expect(bad.code).toBe(2);
  });
});
