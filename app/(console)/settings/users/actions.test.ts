import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Actor } from '@/lib/auth/permissions';
import { authenticateUser } from '@/lib/auth/sessions';
import type { Db } from '@/lib/db';
import { openTestRegistry } from '@/lib/registry/test-registry';

// The actions run as whoever getCurrentActor says, against the test database.
const ctx = vi.hoisted(() => ({ actor: null as Actor | null, db: null as Db | null }));
vi.mock('@/lib/auth/current', () => ({ getCurrentActor: async () => ctx.actor }));
vi.mock('@/lib/db', async (importOriginal) => ({
  ...(await importOriginal<typeof import('@/lib/db')>()),
  getDb: async () => ctx.db,
}));
vi.mock('next/cache', () => ({ revalidatePath: () => {} }));

const actions = await import('./actions');

function form(fields: Record<string, string>) {
  const f = new FormData();
  for (const [k, v] of Object.entries(fields)) f.set(k, v);
  return f;
}

describe('user settings actions', () => {
  let r: Awaited<ReturnType<typeof openTestRegistry>>;
  beforeAll(async () => {
    r = await openTestRegistry('pglite');
    ctx.db = r.db;
  }, 120_000);
  afterAll(async () => r?.cleanup());

  it('refuse everyone but admins, including a direct POST', async () => {
    const target = r.actor('viewer').id;
    const calls: [
      string,
      (s: undefined, f: FormData) => Promise<{ ok: boolean; message: string }>,
      Record<string, string>,
    ][] = [
      ['create', actions.createUserAction, { email: 'new@example.org', name: 'New', role: 'admin', password: '' }],
      ['role', actions.setUserRoleAction, { id: target, role: 'admin' }],
      ['disable', actions.setUserDisabledAction, { id: target, disabled: 'true' }],
      ['reset', actions.resetPasswordAction, { id: target }],
    ];
    for (const actor of [null, r.actor('viewer'), r.actor('reviewer'), r.actor('deployer')]) {
      ctx.actor = actor;
      for (const [name, action, fields] of calls) {
        const res = await action(undefined, form(fields));
        expect(res.ok, `${name} as ${actor?.role ?? 'anonymous'}`).toBe(false);
        expect(res.message).toMatch(actor ? /users\.manage needs: admin/ : /Sign in/);
      }
    }
    expect(await r.db.user.count()).toBe(4);
    expect(await r.db.user.findUniqueOrThrow({ where: { id: target } })).toMatchObject({
      role: 'viewer',
      disabledAt: null,
    });
    expect(await r.db.auditEvent.count({ where: { subjectType: 'user' } })).toBe(0);
  });

  it('let an admin create (field errors next to fields; generated password shown once), change roles, disable and reset', async () => {
    ctx.actor = r.actor('admin');
    const bad = await actions.createUserAction(
      undefined,
      form({ email: 'nope', name: '', role: 'owner', password: 'short' }),
    );
    expect(bad.ok).toBe(false);
    expect(Object.keys(bad.fieldErrors).sort()).toEqual(['email', 'name', 'password', 'role']);

    const made = await actions.createUserAction(
      undefined,
      form({ email: 'Eve@Example.org', name: 'Eve', role: 'reviewer', password: '' }),
    );
    expect(made).toMatchObject({
      ok: true,
      data: { email: 'eve@example.org', password: expect.stringMatching(/^[\w-]{24}$/) },
    });
    const password = (made.data as { password: string }).password;
    expect(await authenticateUser(r.db, 'eve@example.org', password)).not.toBeNull();
    const dup = await actions.createUserAction(
      undefined,
      form({ email: 'eve@example.org', name: 'Eve 2', role: 'viewer', password: '' }),
    );
    expect(dup).toMatchObject({ ok: false, fieldErrors: { email: [expect.stringMatching(/already exists/)] } });
    const chosen = await actions.createUserAction(
      undefined,
      form({ email: 'fay@example.org', name: 'Fay', role: 'viewer', password: 'a-long-enough-one' }),
    );
    expect(chosen).toMatchObject({ ok: true, data: { password: null } });

    const eve = await r.db.user.findUniqueOrThrow({ where: { email: 'eve@example.org' } });
    expect(await actions.setUserRoleAction(undefined, form({ id: eve.id, role: 'deployer' }))).toMatchObject({
      ok: true,
      message: 'eve@example.org is now deployer.',
    });
    expect(await actions.setUserDisabledAction(undefined, form({ id: eve.id, disabled: 'true' }))).toMatchObject({
      ok: true,
      message: /^Disabled eve@example.org/,
    });
    expect(await authenticateUser(r.db, 'eve@example.org', password)).toBeNull();
    expect(await actions.setUserDisabledAction(undefined, form({ id: eve.id, disabled: 'false' }))).toMatchObject({
      ok: true,
    });
    const reset = await actions.resetPasswordAction(undefined, form({ id: eve.id }));
    const fresh = (reset.data as { password: string }).password;
    expect(await authenticateUser(r.db, 'eve@example.org', fresh)).not.toBeNull();

    // Guard rails surface as messages (self: next to the role select).
    const admin = r.actor('admin');
    expect(await actions.setUserRoleAction(undefined, form({ id: admin.id, role: 'viewer' }))).toMatchObject({
      ok: false,
      fieldErrors: { role: [expect.stringMatching(/your own role/)] },
    });
    expect(await actions.setUserDisabledAction(undefined, form({ id: admin.id, disabled: 'true' }))).toMatchObject({
      ok: false,
      message: /your own account/,
    });
    expect(
      (
        await r.db.auditEvent.findMany({ where: { subjectType: 'user', subjectId: eve.id }, orderBy: { id: 'asc' } })
      ).map((e) => e.action),
    ).toEqual(['user.create', 'user.role', 'user.disable', 'user.enable', 'user.password_reset']);
  });
});
