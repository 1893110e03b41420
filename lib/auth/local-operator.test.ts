// The local-operator credential on a real embedded database: only the server's current secret,
// acting as an existing, active user with that user's own role.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase } from '../db/test-databases';
import { LOCAL_OPERATOR_PREFIX, resolveLocalOperator, startLocalOperator, stopLocalOperator } from './local-operator';
import { AuthError } from './permissions';

let t: Awaited<ReturnType<typeof openTestDatabase>>;

beforeAll(async () => {
  t = await openTestDatabase('pglite');
  await t.db.user.create({
    data: {
      email: 'first-admin@x.test',
      name: 'First Admin',
      role: 'admin',
      passwordHash: '-',
      createdAt: new Date('2026-01-01'),
    },
  });
  await t.db.user.create({
    data: {
      email: 'later-admin@x.test',
      name: 'Later Admin',
      role: 'admin',
      passwordHash: '-',
      createdAt: new Date('2026-02-01'),
    },
  });
  await t.db.user.create({ data: { email: 'viewer@x.test', name: 'Viewer', role: 'viewer', passwordHash: '-' } });
  await t.db.user.create({
    data: { email: 'gone@x.test', name: 'Gone', role: 'deployer', passwordHash: '-', disabledAt: new Date() },
  });
}, 60_000);
afterAll(async () => {
  stopLocalOperator();
  await t.cleanup();
});

const refusal = async (p: Promise<unknown>) => {
  const e = await p.then(
    () => null,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(AuthError);
  expect((e as AuthError).code).toBe('unauthenticated');
  return (e as Error).message;
};

describe('local-operator credential', () => {
  it('leaves other credentials to tokens and sessions', async () => {
    startLocalOperator();
    expect(await resolveLocalOperator(t.db, null, null)).toBeUndefined();
    expect(await resolveLocalOperator(t.db, 'Bearer dbt_sometoken', 'viewer@x.test')).toBeUndefined();
  });

  it('acts as the first active admin, or exactly the --as user with that role, as local mode does', async () => {
    const secret = startLocalOperator();
    expect(secret.startsWith(LOCAL_OPERATOR_PREFIX)).toBe(true);
    expect(startLocalOperator()).toBe(secret); // one per process
    expect(await resolveLocalOperator(t.db, `Bearer ${secret}`, null)).toMatchObject({
      email: 'first-admin@x.test',
      role: 'admin',
      via: 'session',
    });
    expect(await resolveLocalOperator(t.db, `Bearer ${secret}`, ' Viewer@X.test ')).toMatchObject({
      email: 'viewer@x.test',
      role: 'viewer',
    });
    expect(await refusal(resolveLocalOperator(t.db, `Bearer ${secret}`, 'gone@x.test'))).toBe(
      'User gone@x.test is disabled.',
    );
    expect(await refusal(resolveLocalOperator(t.db, `Bearer ${secret}`, 'nobody@x.test'))).toBe(
      'No user with email nobody@x.test.',
    );
  });

  it('refuses any other secret, and every secret once the server has none (a restart makes a new one)', async () => {
    const secret = startLocalOperator();
    const wrong = `${secret.slice(0, -1)}${secret.endsWith('A') ? 'B' : 'A'}`;
    expect(await refusal(resolveLocalOperator(t.db, `Bearer ${wrong}`, null))).toMatch(
      /not the current one of this server/,
    );
    expect(await refusal(resolveLocalOperator(t.db, `Bearer ${LOCAL_OPERATOR_PREFIX}`, null))).toMatch(
      /not the current one/,
    );
    stopLocalOperator();
    expect(await refusal(resolveLocalOperator(t.db, `Bearer ${secret}`, null))).toMatch(/not the current one/);
    const next = startLocalOperator();
    expect(next).not.toBe(secret);
    await refusal(resolveLocalOperator(t.db, `Bearer ${secret}`, null));
    expect((await resolveLocalOperator(t.db, `Bearer ${next}`, null))?.email).toBe('first-admin@x.test');
  });
});
