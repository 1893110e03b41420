// The share-link signing keys over REST: admins list them ({keys: [...]}, the shape of
// `drawbridge admin list-keys --json`), rotate (201 the new key) and retire (200; 409 key_in_use for
// the key that signs, 404 key_not_found), each change audited; every other role is refused and
// changes nothing. Then the CLI's remote mode against these routes on a loopback server.
import os from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ok, runCliInProcess, type CliRun } from '@/cli/test-support';
import { responseSchemaOf } from '@/lib/api/contract';
import { signingKeyListResponse, signingKeyResponse } from '@/lib/api/contract/signing-keys';
import type { Role } from '@/lib/auth/permissions';
import { sign, verifySignature } from '@/lib/auth/server-secret';
import * as keysRoute from './v1/admin/signing-keys/route';
import * as retireRoute from './v1/admin/signing-keys/[id]/retire/route';
import { call, db, expectError, tokenFor, useSeededApi } from './test-harness';
import { serveRoutes } from './test-loopback';

useSeededApi();

const KEYS = '/api/v1/admin/signing-keys';
const RETIRE = '/api/v1/admin/signing-keys/{id}/retire';

const envSecret = process.env.DRAWBRIDGE_SECRET;
beforeAll(() => void delete process.env.DRAWBRIDGE_SECRET);
afterAll(() => {
  if (envSecret !== undefined) process.env.DRAWBRIDGE_SECRET = envSecret;
});

describe('signing keys API', () => {
  const list = (role: Role = 'admin') => call('signingKeys', KEYS, { role });
  const rotate = (role: Role = 'admin') => call('signingKeys', KEYS, { role, method: 'POST' });
  const retire = (id: string, role: Role = 'admin') =>
    call('signingKeyRetire', `${KEYS}/${encodeURIComponent(id)}/retire`, { role, method: 'POST', params: { id } });
  const keys = async () => signingKeyListResponse.parse(await (await list()).json()).keys;

  it('lists, rotates (201) and retires (200) a key that no longer signs; its links stop opening', async () => {
    const old = await sign(db, 'share:old');
    const listed = await list();
    expect(listed.status).toBe(200);
    const body = responseSchemaOf('get', KEYS, 200).parse(await listed.json());
    const [first] = signingKeyListResponse.strict().parse(body).keys;
    expect(first).toMatchObject({ signing: true, retired_at: null });
    expect(signingKeyResponse.strict().parse(first)).toEqual(first);

    const res = await rotate();
    expect(res.status).toBe(201);
    const made = responseSchemaOf('post', KEYS, 201).parse(await res.json()) as { id: string; generation: number };
    expect(made).toMatchObject({ generation: first.generation + 1, signing: true, retired_at: null });
    expect((await keys()).map((k) => [k.id, k.signing])).toEqual([
      [made.id, true],
      [first.id, false],
    ]);
    expect(await verifySignature(db, 'share:old', old)).toBe(true);

    await expectError(await retire(made.id), 409, 'key_in_use');
    await expectError(await retire('deadbeef'), 404, 'key_not_found');
    const gone = await retire(first.id);
    expect(gone.status).toBe(200);
    const retired = signingKeyResponse.parse(responseSchemaOf('post', RETIRE, 200).parse(await gone.json()));
    expect(retired).toMatchObject({ id: first.id, signing: false, retired_at: expect.any(String) });
    expect(await verifySignature(db, 'share:old', old)).toBe(false);

    const admin = await db.user.findFirstOrThrow({ where: { role: 'admin' } });
    const ADMIN_LABEL = `${admin.name} <${admin.email}> (API token)`;
    const audit = await db.auditEvent.findMany({ where: { subjectType: 'signing_key' }, orderBy: { id: 'asc' } });
    expect(audit.map((e) => [e.action, e.subjectId, e.actorLabel])).toEqual([
      ['signing_key.rotate', made.id, ADMIN_LABEL],
      ['signing_key.retire', first.id, ADMIN_LABEL],
    ]);
    const secrets = (await db.serverKey.findMany()).map((k) => k.secret);
    for (const s of secrets) expect(JSON.stringify(audit)).not.toContain(s);
    // The wire never carries a secret either.
    for (const s of secrets) expect(JSON.stringify(await keys())).not.toContain(s);
  });

  it('refuses viewers, reviewers and deployers, and changes nothing for them', async () => {
    const before = await keys();
    for (const role of ['viewer', 'reviewer', 'deployer'] as const) {
      await expectError(await list(role), 403, 'forbidden');
      await expectError(await rotate(role), 403, 'forbidden');
      await expectError(await retire(before.at(-1)!.id, role), 403, 'forbidden');
    }
    expect(await keys()).toEqual(before);
  });
});

describe('drawbridge admin rotate-key / list-keys / retire-key over --server', () => {
  let loopback: Awaited<ReturnType<typeof serveRoutes>>;
  let base: string;
  let token: string;

  beforeAll(async () => {
    token = tokenFor('admin');
    // The two route files behind a loopback HTTP server: the CLI's real fetch, the real handlers.
    loopback = await serveRoutes([
      { path: /^\/api\/v1\/admin\/signing-keys$/, module: keysRoute },
      { path: /^\/api\/v1\/admin\/signing-keys\/([^/]+)\/retire$/, params: ['id'], module: retireRoute },
    ]);
    base = loopback.base;
  });
  afterAll(() => loopback.close());

  const drawbridge = (...args: string[]): Promise<CliRun> =>
    runCliInProcess([...args, '--server', base, '--token', token], { dataDir: os.tmpdir() });
  type Key = { id: string; generation: number; signing: boolean; retired_at: string | null };
  const listKeys = async (): Promise<Key[]> =>
    signingKeyListResponse.strict().parse(JSON.parse(ok(await drawbridge('admin', 'list-keys', '--json')).stdout)).keys;

  it('rotates, lists and retires through the REST API, with the same output and codes as local mode', async () => {
    const rotated = ok(await drawbridge('admin', 'rotate-key'));
    expect(rotated.stdout).toMatch(/^([0-9a-f]{8}) {2}generation \d+ {2}created \S+ {2}signs new links\n$/);
    const [signing, older] = await listKeys();
    expect(rotated.stdout.startsWith(signing.id)).toBe(true);
    expect(older.signing).toBe(false);

    const inUse = await drawbridge('admin', 'retire-key', signing.id);
    expect([inUse.code, inUse.stderr]).toEqual([1, expect.stringContaining('(key_in_use)')]);
    const missing = await drawbridge('admin', 'retire-key', 'deadbeef');
    expect([missing.code, missing.stderr]).toEqual([1, expect.stringContaining('(key_not_found)')]);
    expect(ok(await drawbridge('admin', 'retire-key', older.id)).stdout).toMatch(
      new RegExp(`^${older.id} {2}generation ${older.generation} .* retired \\S+\\n$`),
    );
    expect((await listKeys()).find((k) => k.id === older.id)?.retired_at).not.toBeNull();
    const audit = await db.auditEvent.findMany({ where: { subjectType: 'signing_key' }, orderBy: { id: 'desc' } });
    expect(audit.slice(0, 2).map((e) => [e.action, e.subjectId])).toEqual([
      ['signing_key.retire', older.id],
      ['signing_key.rotate', signing.id],
    ]);
  });
});
