import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthError, type Actor } from '../auth/permissions';
import { authenticateUser, createApiToken, createSession, resolveApiToken, resolveSession } from '../auth/sessions';
import { SYSTEM_ACTOR } from './audit';
import { openTestRegistry } from './test-registry';
import { createUser, listUsers, resetPassword, setUserDisabled, setUserRole } from './users';

const asActor = (u: { id: string; email: string; name: string; role: Actor['role'] }): Actor => ({
  id: u.id,
  email: u.email,
  name: u.name,
  role: u.role,
  via: 'session',
});

describe('user management', () => {
  let r: Awaited<ReturnType<typeof openTestRegistry>>;
  let admin: Actor;
  beforeAll(async () => {
    r = await openTestRegistry('pglite');
    admin = r.actor('admin');
  }, 120_000);
  afterAll(async () => r?.cleanup());

  const audits = (subjectId: string) =>
    r.db.auditEvent.findMany({ where: { subjectType: 'user', subjectId }, orderBy: { id: 'asc' } });

  it('is for admins only: every function refuses the other roles and changes nothing', async () => {
    const target = (await r.db.user.findFirstOrThrow({ where: { role: 'viewer' } })).id;
    const before = await r.db.auditEvent.count();
    for (const role of ['viewer', 'reviewer', 'deployer'] as const) {
      const a = r.actor(role);
      await expect(listUsers(r.db, a)).rejects.toBeInstanceOf(AuthError);
      await expect(
        createUser(r.db, a, { email: `x-${role}@example.org`, name: 'X', role: 'admin' }),
      ).rejects.toMatchObject({ code: 'forbidden' });
      await expect(setUserRole(r.db, a, target, 'admin')).rejects.toMatchObject({ code: 'forbidden' });
      await expect(setUserDisabled(r.db, a, target, true)).rejects.toMatchObject({ code: 'forbidden' });
      await expect(resetPassword(r.db, a, target)).rejects.toMatchObject({ code: 'forbidden' });
    }
    expect(await r.db.user.count({ where: { email: { startsWith: 'x-' } } })).toBe(0);
    expect((await r.db.user.findUniqueOrThrow({ where: { id: target } })).role).toBe('viewer');
    expect(await r.db.auditEvent.count()).toBe(before);
    expect((await listUsers(r.db, admin)).map((u) => u.role).sort()).toEqual([
      'admin',
      'deployer',
      'reviewer',
      'viewer',
    ]);
  });

  it('creates a user with a chosen password (email lower-cased), audited without the password', async () => {
    const password = 'correct horse battery';
    const { user, generatedPassword } = await createUser(r.db, admin, {
      email: '  Grace@Example.ORG ',
      name: ' Grace Hopper ',
      role: 'reviewer',
      password,
    });
    expect(generatedPassword).toBeNull();
    expect(user).toMatchObject({
      email: 'grace@example.org',
      name: 'Grace Hopper',
      role: 'reviewer',
      disabledAt: null,
    });
    expect(user).not.toHaveProperty('passwordHash');
    expect(await authenticateUser(r.db, 'GRACE@example.org', password)).toMatchObject({
      id: user.id,
      role: 'reviewer',
    });
    const [event] = await audits(user.id);
    expect(event).toMatchObject({
      action: 'user.create',
      actorId: admin.id,
      after: { email: 'grace@example.org', role: 'reviewer' },
    });
    expect(JSON.stringify(event)).not.toContain(password);
  });

  it('generates a strong password when none is given, returned once and never stored or logged', async () => {
    const { user, generatedPassword } = await createUser(r.db, admin, {
      email: 'linus@example.org',
      name: 'Linus',
      role: 'viewer',
    });
    expect(generatedPassword).toMatch(/^[A-Za-z0-9_-]{24}$/);
    expect(await authenticateUser(r.db, 'linus@example.org', generatedPassword!)).toMatchObject({ id: user.id });
    const row = await r.db.user.findUniqueOrThrow({ where: { id: user.id } });
    expect(row.passwordHash).toMatch(/^scrypt\$/);
    expect(row.passwordHash).not.toContain(generatedPassword!);
    expect(JSON.stringify(await r.db.auditEvent.findMany())).not.toContain(generatedPassword!);
  });

  it('refuses duplicates (any case), short passwords, bad emails and unknown roles', async () => {
    await expect(
      createUser(r.db, admin, { email: 'GRACE@example.org', name: 'Again', role: 'viewer' }),
    ).rejects.toMatchObject({ code: 'conflict', details: { field: 'email' } });
    await expect(
      createUser(r.db, admin, { email: 'short@example.org', name: 'Short', role: 'viewer', password: 'elevenchars' }),
    ).rejects.toMatchObject({
      code: 'invalid_request',
      details: { field: 'password' },
    });
    await expect(createUser(r.db, admin, { email: 'not-an-email', name: 'N', role: 'viewer' })).rejects.toMatchObject({
      details: { field: 'email' },
    });
    await expect(
      createUser(r.db, admin, { email: 'role@example.org', name: 'R', role: 'owner' as never }),
    ).rejects.toMatchObject({ details: { field: 'role' } });
    await expect(
      createUser(r.db, admin, { email: 'noname@example.org', name: '  ', role: 'viewer' }),
    ).rejects.toMatchObject({ details: { field: 'name' } });
    expect(
      await r.db.user.count({
        where: { email: { in: ['short@example.org', 'role@example.org', 'noname@example.org'] } },
      }),
    ).toBe(0);
    // exactly 12 characters is enough
    const { generatedPassword } = await createUser(r.db, admin, {
      email: 'twelve@example.org',
      name: 'Twelve',
      role: 'viewer',
      password: 'twelve-chars',
    });
    expect(generatedPassword).toBeNull();
  });

  it('changes roles, audited; unknown users and roles are refused', async () => {
    const { user } = await createUser(r.db, admin, {
      email: 'role-change@example.org',
      name: 'Role Change',
      role: 'viewer',
    });
    const res = await setUserRole(r.db, admin, user.id, 'deployer');
    expect(res).toMatchObject({ changed: true, user: { role: 'deployer' } });
    expect((await setUserRole(r.db, admin, user.id, 'deployer')).changed).toBe(false);
    expect((await audits(user.id)).map((e) => [e.action, e.before, e.after])).toEqual([
      ['user.create', null, expect.anything()],
      [
        'user.role',
        { email: 'role-change@example.org', role: 'viewer' },
        { email: 'role-change@example.org', role: 'deployer' },
      ],
    ]);
    await expect(setUserRole(r.db, admin, user.id, 'superuser')).rejects.toMatchObject({ code: 'invalid_request' });
    await expect(setUserRole(r.db, admin, 'no-such-user', 'viewer')).rejects.toMatchObject({ code: 'not_found' });
  });

  it('disabling ends sessions, revokes tokens and stops sign-in; enabling lets the user sign in again', async () => {
    const { user, generatedPassword } = await createUser(r.db, admin, {
      email: 'dis@example.org',
      name: 'Dis Abled',
      role: 'deployer',
    });
    const session = await createSession(r.db, user.id);
    const { token } = await createApiToken(r.db, asActor(user), 'pipeline');
    expect(await resolveSession(r.db, session.token)).toMatchObject({ id: user.id });
    expect(await resolveApiToken(r.db, token)).toMatchObject({ id: user.id });

    const res = await setUserDisabled(r.db, admin, user.id, true);
    expect(res).toMatchObject({ changed: true, sessionsEnded: 1, tokensRevoked: 1 });
    expect(res.user.disabledAt).toBeInstanceOf(Date);
    expect(await authenticateUser(r.db, user.email, generatedPassword!)).toBeNull();
    expect(await resolveSession(r.db, session.token)).toBeNull();
    expect(await resolveApiToken(r.db, token)).toBeNull();
    expect(await r.db.session.count({ where: { userId: user.id } })).toBe(0);
    expect(await r.db.apiToken.count({ where: { userId: user.id, revokedAt: null } })).toBe(0);
    expect((await setUserDisabled(r.db, admin, user.id, true)).changed).toBe(false);

    const back = await setUserDisabled(r.db, admin, user.id, false);
    expect(back).toMatchObject({ changed: true, user: { disabledAt: null } });
    expect(await authenticateUser(r.db, user.email, generatedPassword!)).toMatchObject({ id: user.id });
    // Revoked tokens stay revoked.
    expect(await resolveApiToken(r.db, token)).toBeNull();
    expect((await audits(user.id)).map((e) => e.action)).toEqual(['user.create', 'user.disable', 'user.enable']);
  });

  it('resets a password: the old one stops working, the new one works, sessions end; never logged', async () => {
    const { user, generatedPassword: old } = await createUser(r.db, admin, {
      email: 'reset@example.org',
      name: 'Reset Me',
      role: 'viewer',
    });
    const session = await createSession(r.db, user.id);
    const { password, sessionsEnded } = await resetPassword(r.db, admin, user.id);
    expect(sessionsEnded).toBe(1);
    expect(password).not.toBe(old);
    expect(password.length).toBeGreaterThanOrEqual(12);
    expect(await authenticateUser(r.db, user.email, old!)).toBeNull();
    expect(await authenticateUser(r.db, user.email, password)).toMatchObject({ id: user.id });
    expect(await resolveSession(r.db, session.token)).toBeNull();
    const events = await audits(user.id);
    expect(events.map((e) => e.action)).toEqual(['user.create', 'user.password_reset']);
    expect(JSON.stringify(events)).not.toContain(password);
    await expect(resetPassword(r.db, admin, 'no-such-user')).rejects.toMatchObject({ code: 'not_found' });
  });

  it('an admin cannot demote or disable themselves, but may another admin', async () => {
    const { user: second } = await createUser(r.db, admin, {
      email: 'second-admin@example.org',
      name: 'Second Admin',
      role: 'admin',
    });
    const me = asActor(second);
    await expect(setUserRole(r.db, me, me.id, 'viewer')).rejects.toMatchObject({
      code: 'conflict',
      message: /your own role/,
    });
    await expect(setUserDisabled(r.db, me, me.id, true)).rejects.toMatchObject({
      code: 'conflict',
      message: /your own account/,
    });
    expect(await r.db.user.findUniqueOrThrow({ where: { id: me.id } })).toMatchObject({
      role: 'admin',
      disabledAt: null,
    });
    // The other way: another admin (two are active) may demote and disable them.
    expect((await setUserRole(r.db, admin, me.id, 'deployer')).user.role).toBe('deployer');
    expect((await setUserRole(r.db, admin, me.id, 'admin')).user.role).toBe('admin');
    expect((await setUserDisabled(r.db, admin, me.id, true)).changed).toBe(true);
  });

  it('the last active admin can be neither demoted nor disabled, by anyone; with a second active admin they can', async () => {
    const active = await r.db.user.findMany({ where: { role: 'admin', disabledAt: null } });
    expect(active.map((u) => u.id)).toEqual([admin.id]);
    await expect(setUserRole(r.db, SYSTEM_ACTOR, admin.id, 'viewer')).rejects.toMatchObject({
      code: 'conflict',
      message: /last active admin/,
    });
    await expect(setUserDisabled(r.db, SYSTEM_ACTOR, admin.id, true)).rejects.toMatchObject({
      code: 'conflict',
      message: /last active admin/,
    });
    expect(await r.db.user.findUniqueOrThrow({ where: { id: admin.id } })).toMatchObject({
      role: 'admin',
      disabledAt: null,
    });

    // A disabled admin does not count: the second admin (disabled above) is re-enabled, then it does.
    const second = await r.db.user.findUniqueOrThrow({ where: { email: 'second-admin@example.org' } });
    await setUserDisabled(r.db, SYSTEM_ACTOR, second.id, false);
    expect((await setUserRole(r.db, SYSTEM_ACTOR, admin.id, 'reviewer')).user.role).toBe('reviewer');
    // Now `second` is the last one.
    await expect(setUserDisabled(r.db, SYSTEM_ACTOR, second.id, true)).rejects.toMatchObject({ code: 'conflict' });
    await setUserRole(r.db, SYSTEM_ACTOR, admin.id, 'admin');
    // System changes are audited without an actor id.
    const last = (await audits(admin.id)).at(-1)!;
    expect(last).toMatchObject({
      action: 'user.role',
      actorId: null,
      actorLabel: expect.stringContaining('system@drawbridge.local'),
    });
  });

  it('demoting or disabling a non-admin is never blocked by the guard', async () => {
    const viewer = await r.db.user.findFirstOrThrow({ where: { email: 'viewer@drawbridge.test' } });
    expect((await setUserDisabled(r.db, admin, viewer.id, true)).changed).toBe(true);
    expect((await setUserDisabled(r.db, admin, viewer.id, false)).changed).toBe(true);
    // Demoting a disabled admin is fine too: they are not an active admin.
    const { user } = await createUser(r.db, admin, {
      email: 'dormant-admin@example.org',
      name: 'Dormant',
      role: 'admin',
    });
    await setUserDisabled(r.db, admin, user.id, true);
    expect((await setUserRole(r.db, admin, user.id, 'viewer')).user.role).toBe('viewer');
  });
});
