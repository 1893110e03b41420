// Sign-in and bearer-token throttling on a real database: embedded PGlite, and PostgreSQL when
// DRAWBRIDGE_TEST_POSTGRES_URL is set (npm test sets it). The cross-process case is in
// throttle.processes.test.ts. Checks that only exercise the same SQL again (unknown email, reset,
// per address) run on PGlite only: every failed check is a real scrypt, and the box is small.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, testTargets } from '../db/test-databases';
import { hashPassword } from './password';
import { attemptSignIn, createApiToken, resolveApiToken } from './sessions';
import {
  blockedFor,
  clientAddress,
  pruneThrottle,
  reserveAttempt,
  THROTTLE_POLICIES,
  throttleKey,
  TooManyAttemptsError,
} from './throttle';

const PASSWORD = 'correct horse battery staple';

/** Moves a key's clock back: as if `seconds` had passed (the schedule is the database's clock). */
async function elapse(db: Awaited<ReturnType<typeof openTestDatabase>>['db'], key: string, seconds: number) {
  await db.$executeRawUnsafe(
    `UPDATE "AuthThrottle" SET "lastAttemptAt" = "lastAttemptAt" - make_interval(secs => $2::int),
       "blockedUntil" = "blockedUntil" - make_interval(secs => $2::int) WHERE "key" = $1`,
    key,
    seconds,
  );
}

describe.each(testTargets())('throttling on %s', (target) => {
  let t: Awaited<ReturnType<typeof openTestDatabase>>;
  let hash: string;
  const user = (email: string) =>
    t.db.user.create({ data: { email, name: email, role: 'deployer', passwordHash: hash } });

  beforeAll(async () => {
    t = await openTestDatabase(target);
    hash = await hashPassword(PASSWORD);
  }, 120_000);
  afterAll(async () => t?.cleanup());

  it('30 wrong passwords, each as soon as it may be checked: then the right one is refused, with the time to wait', async () => {
    await user('ann@x.test');
    const key = throttleKey('account', 'ann@x.test');
    const outcomes: string[] = [];
    for (let i = 0; i < 30; i++) {
      // A patient guesser: waits out each back-off (moving the row's clock), but not a lockout.
      const wait = await blockedFor(t.db, key);
      if (wait > 0 && wait <= 60) await elapse(t.db, key, wait);
      const r = await attemptSignIn(t.db, 'ann@x.test', `wrong-${i}`, '198.51.100.1');
      outcomes.push(r.ok ? 'ok' : r.reason);
    }
    // 4 free, 5 in back-off, the 10th locks the account: the other 20 are never checked.
    expect(outcomes.filter((o) => o === 'invalid')).toHaveLength(10);
    expect(outcomes.filter((o) => o === 'throttled')).toHaveLength(20);
    const right = await attemptSignIn(t.db, 'ann@x.test', PASSWORD, '198.51.100.1');
    expect(right).toMatchObject({ ok: false, reason: 'throttled', scope: 'account' });
    const retry = (right as { retryAfterSeconds: number }).retryAfterSeconds;
    expect(retry).toBeGreaterThan(890);
    expect(retry).toBeLessThanOrEqual(900);
    // From another address too: the count is the account's.
    expect(await attemptSignIn(t.db, 'ann@x.test', PASSWORD, '203.0.113.9')).toMatchObject({
      ok: false,
      reason: 'throttled',
    });
  });

  it('backs off 2, 4, 8, 16, 32 s, locks out for 15 minutes at the 10th failure (audited); the right password waits it out', async () => {
    const u = await user('bob@x.test');
    const key = throttleKey('account', 'bob@x.test');
    const waits: number[] = [];
    for (let i = 1; i <= 10; i++) {
      expect(await attemptSignIn(t.db, 'BOB@x.test ', `wrong-${i}`, null)).toEqual({ ok: false, reason: 'invalid' });
      waits.push(await blockedFor(t.db, key));
      // A correct password inside the block is refused, and is no failure of its own.
      if (waits.at(-1)! > 0)
        expect(await attemptSignIn(t.db, 'bob@x.test', PASSWORD, null)).toMatchObject({ reason: 'throttled' });
      await elapse(t.db, key, waits.at(-1)!);
    }
    // ±1 s: the wait is rounded up from the database clock.
    const expected = [0, 0, 0, 0, 2, 4, 8, 16, 32, 900];
    waits.forEach((w, i) => expect(Math.abs(w - expected[i]), `after failure ${i + 1}: ${w}`).toBeLessThanOrEqual(1));
    const audit = await t.db.auditEvent.findMany({ where: { action: 'auth.lockout', subjectId: u.id } });
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({
      actorId: null,
      subjectType: 'user',
      after: { failures: 10, locked_for_seconds: 900 },
    });
    // The lockout was waited out above (elapse): the right password works and clears the count.
    expect(await attemptSignIn(t.db, 'bob@x.test', PASSWORD, null)).toMatchObject({ ok: true, actor: { id: u.id } });
    expect(await t.db.authThrottle.count({ where: { key } })).toBe(0);
  });

  it('parallel guesses cannot outrun the count: 20 at once, only the 5 free-and-first are checked', async () => {
    await user('dee@x.test');
    const all = await Promise.all(
      Array.from({ length: 20 }, (_, i) => attemptSignIn(t.db, 'dee@x.test', `w${i}`, null)),
    );
    expect(all.filter((r) => !r.ok && r.reason === 'invalid')).toHaveLength(5);
    expect(all.filter((r) => !r.ok && r.reason === 'throttled')).toHaveLength(15);
  });

  it.skipIf(target !== 'pglite')('an unknown email is throttled and audited exactly like a real one', async () => {
    const key = throttleKey('account', 'nobody@x.test');
    const reasons: string[] = [];
    for (let i = 0; i < 10; i++) {
      const r = await attemptSignIn(t.db, 'nobody@x.test', 'guess', null);
      reasons.push(r.ok ? 'ok' : r.reason);
      await elapse(t.db, key, 40); // past each back-off, so all 10 are checked
    }
    expect(reasons).toEqual(Array(10).fill('invalid'));
    expect(await attemptSignIn(t.db, 'nobody@x.test', 'guess', null)).toMatchObject({
      reason: 'throttled',
      scope: 'account',
    });
    expect(
      await t.db.auditEvent.count({
        where: { action: 'auth.lockout', subjectType: 'sign_in', subjectId: 'nobody@x.test' },
      }),
    ).toBe(1);
  });

  it.skipIf(target !== 'pglite')(
    'a successful sign-in resets the account: 4 failures, success, 4 failures is never a back-off',
    async () => {
      await user('cy@x.test');
      for (let round = 0; round < 2; round++) {
        for (let i = 0; i < 4; i++)
          expect(await attemptSignIn(t.db, 'cy@x.test', 'nope', null)).toMatchObject({ reason: 'invalid' });
        expect(await attemptSignIn(t.db, 'cy@x.test', PASSWORD, null)).toMatchObject({ ok: true });
      }
    },
  );

  it.skipIf(target !== 'pglite')(
    'per client address: 20 failures over 20 accounts block the address, not the accounts elsewhere',
    async () => {
      const ip = '192.0.2.77';
      for (let i = 0; i < 20; i++)
        expect(await attemptSignIn(t.db, `spray${i}@x.test`, 'Winter2026!', ip)).toMatchObject({ reason: 'invalid' });
      await user('eve@x.test');
      expect(await attemptSignIn(t.db, 'eve@x.test', PASSWORD, ip)).toMatchObject({
        ok: false,
        reason: 'throttled',
        scope: 'address',
      });
      // The refusal at the address was never checked, so eve's own count did not move.
      expect(
        await t.db.authThrottle.findUnique({ where: { key: throttleKey('account', 'eve@x.test') } }),
      ).toMatchObject({ failures: 0 });
      expect(await attemptSignIn(t.db, 'eve@x.test', PASSWORD, '192.0.2.78')).toMatchObject({ ok: true });
    },
  );

  it('stale counts are pruned; live ones and running lockouts stay', async () => {
    const stale = throttleKey('address', '192.0.2.200');
    const live = throttleKey('address', '192.0.2.201');
    await reserveAttempt(t.db, stale);
    await reserveAttempt(t.db, live);
    await elapse(t.db, stale, 2 * 3600);
    expect(await pruneThrottle(t.db)).toBeGreaterThanOrEqual(1);
    expect(await t.db.authThrottle.findUnique({ where: { key: stale } })).toBeNull();
    expect(await t.db.authThrottle.findUnique({ where: { key: live } })).toMatchObject({ failures: 1 });
    // The lockout of the first test is still running: kept.
    expect(await t.db.authThrottle.findUnique({ where: { key: throttleKey('account', 'ann@x.test') } })).not.toBeNull();
  });

  it('bearer tokens: 10 bad ones from an address → even a valid token is refused with Retry-After; successes write nothing', async () => {
    const owner = await user('tok@x.test');
    const { token } = await createApiToken(
      t.db,
      { id: owner.id, email: owner.email, name: owner.name, role: 'deployer', via: 'session' },
      'ci',
    );
    const ip = '2001:db8::5';
    for (let i = 0; i < 5; i++) expect(await resolveApiToken(t.db, token, ip)).toMatchObject({ id: owner.id });
    expect(await t.db.authThrottle.count({ where: { key: { startsWith: 'token:' } } })).toBe(0);
    for (let i = 0; i < THROTTLE_POLICIES.token.freeFailures + 1; i++) {
      expect(await resolveApiToken(t.db, i % 2 ? `dbt_guess${i}` : `not-ours-${i}`, ip)).toBeNull();
    }
    const refused = await resolveApiToken(t.db, token, ip).then(
      () => null,
      (e: unknown) => e,
    );
    expect(refused).toBeInstanceOf(TooManyAttemptsError);
    expect((refused as TooManyAttemptsError).retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect((refused as TooManyAttemptsError).retryAfterSeconds).toBeLessThanOrEqual(2);
    expect(await resolveApiToken(t.db, token, '2001:db8::6')).toMatchObject({ id: owner.id });
    // Up to the lockout: 30 failures, audited once.
    const key = throttleKey('token', ip);
    for (let i = THROTTLE_POLICIES.token.freeFailures + 1; i < THROTTLE_POLICIES.token.lockAt; i++) {
      await elapse(t.db, key, await blockedFor(t.db, key));
      expect(await resolveApiToken(t.db, 'dbt_more', ip)).toBeNull();
    }
    expect(await blockedFor(t.db, key)).toBeGreaterThan(890);
    expect(await t.db.auditEvent.count({ where: { action: 'auth.token_lockout', subjectId: ip } })).toBe(1);
  });
});

describe('clientAddress', () => {
  const h = (xff?: string) => new Headers(xff === undefined ? {} : { 'x-forwarded-for': xff });
  it('takes the address Next.js recorded (the rightmost entry), or n hops in with DRAWBRIDGE_TRUSTED_PROXY_HOPS', () => {
    expect(clientAddress(h())).toBeNull();
    expect(clientAddress(h('127.0.0.1'))).toBe('127.0.0.1');
    expect(clientAddress(h('::ffff:10.1.2.3'))).toBe('10.1.2.3');
    expect(clientAddress(h('[2001:DB8::1]'))).toBe('2001:db8::1');
    expect(clientAddress(h('1.1.1.1, 10.0.0.2'))).toBe('10.0.0.2');
    expect(clientAddress(h('not an address'))).toBe('unparsed');
    expect(clientAddress(h('<script>'))).toBe('unparsed');
    process.env.DRAWBRIDGE_TRUSTED_PROXY_HOPS = '2';
    try {
      expect(clientAddress(h('6.6.6.6, 203.0.113.5, 10.0.0.2'))).toBe('203.0.113.5');
      expect(clientAddress(h('10.0.0.2'))).toBe('10.0.0.2');
    } finally {
      delete process.env.DRAWBRIDGE_TRUSTED_PROXY_HOPS;
    }
  });
});
