import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OpenedAdapter } from '../db/adapter';
import { PrismaClient } from '../db/generated/client';
import { openTestDatabase, testTargets, type TestTarget } from '../db/test-databases';
import { createApiToken, resolveApiToken, TOKEN_TOUCH_INTERVAL_S } from './sessions';

/**
 * Issue 14: authenticating a bearer token is one statement (the address's block, the token with
 * its user, and lastUsedAt refreshed at most once a minute), where it was three with a write each
 * call. The statements are counted from Prisma's query log.
 */
/** A second client over the test database's adapter that reports every statement it sends. */
const loggingClient = (t: { adapter: OpenedAdapter }) =>
  new PrismaClient({ adapter: t.adapter.factory, log: [{ emit: 'event', level: 'query' }] });

describe.each(testTargets())('bearer token authentication on %s', (target: TestTarget) => {
  let t: Awaited<ReturnType<typeof openTestDatabase>>;
  let db: ReturnType<typeof loggingClient>;
  let statements: string[] = [];

  beforeAll(async () => {
    t = await openTestDatabase(target);
    db = loggingClient(t);
    db.$on('query', (e) => statements.push(e.query));
  }, 120_000);
  afterAll(async () => {
    await db?.$disconnect();
    await t?.cleanup();
  });

  async function tokenFor(email: string) {
    const u = await db.user.create({ data: { email, name: email, role: 'deployer', passwordHash: 'x' } });
    const { token, record } = await createApiToken(db, { ...u, via: 'session' }, 'ci');
    return { u, token, id: record.id };
  }
  const lastUsed = async (id: string) => (await db.apiToken.findUniqueOrThrow({ where: { id } })).lastUsedAt;
  /** Runs `fn` and returns how many statements it sent. */
  async function counted<T>(fn: () => Promise<T>): Promise<[T, number]> {
    statements = [];
    const r = await fn();
    return [r, statements.length];
  }

  it('one statement per use, with or without the client address; lastUsedAt set on first use', async () => {
    const { u, token, id } = await tokenFor('one@x.test');
    expect(await lastUsed(id)).toBeNull();
    const [actor, n] = await counted(() => resolveApiToken(db, token, '2001:db8::1'));
    expect(actor).toMatchObject({ id: u.id, role: 'deployer', via: 'token' });
    expect(n).toBe(1);
    expect(await lastUsed(id)).not.toBeNull();
    expect((await counted(() => resolveApiToken(db, token)))[1]).toBe(1);
  });

  it('lastUsedAt is written at most once a minute', async () => {
    const { token, id } = await tokenFor('minute@x.test');
    await resolveApiToken(db, token);
    const first = await lastUsed(id);
    await new Promise((r) => setTimeout(r, 20));
    await resolveApiToken(db, token);
    expect(await lastUsed(id)).toEqual(first);
    const old = new Date(Date.now() - (TOKEN_TOUCH_INTERVAL_S + 5) * 1000);
    await db.apiToken.update({ where: { id }, data: { lastUsedAt: old } });
    await resolveApiToken(db, token);
    const touched = (await lastUsed(id))!;
    expect(touched.getTime()).toBeGreaterThan(old.getTime() + TOKEN_TOUCH_INTERVAL_S * 1000);
    expect(Math.abs(touched.getTime() - Date.now())).toBeLessThan(60_000);
  });

  it('refuses revoked, expired, unknown and disabled-user tokens, and does not touch them', async () => {
    const revoked = await tokenFor('revoked@x.test');
    await db.apiToken.update({ where: { id: revoked.id }, data: { revokedAt: new Date() } });
    const expired = await tokenFor('expired@x.test');
    await db.apiToken.update({ where: { id: expired.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    const disabled = await tokenFor('disabled@x.test');
    await db.user.update({ where: { id: disabled.u.id }, data: { disabledAt: new Date() } });
    for (const x of [revoked, expired, disabled]) {
      expect(await resolveApiToken(db, x.token)).toBeNull();
      expect(await lastUsed(x.id)).toBeNull();
    }
    expect(await resolveApiToken(db, 'dbt_unknown')).toBeNull();
    expect(await resolveApiToken(db, 'not-a-token')).toBeNull();
  });
});
