import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Actor } from '@/lib/auth/permissions';
import type { Db } from '@/lib/db';
import { listSigningKeys } from '@/lib/registry/signing-keys';
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

describe('signing key settings actions', () => {
  let r: Awaited<ReturnType<typeof openTestRegistry>>;
  const envSecret = process.env.DRAWBRIDGE_SECRET;
  beforeAll(async () => {
    delete process.env.DRAWBRIDGE_SECRET;
    r = await openTestRegistry('pglite');
    ctx.db = r.db;
  }, 120_000);
  afterAll(async () => {
    await r?.cleanup();
    if (envSecret !== undefined) process.env.DRAWBRIDGE_SECRET = envSecret;
  });

  it('refuse everyone but admins, including a direct POST', async () => {
    const [first] = await listSigningKeys(r.db, r.actor('admin'));
    for (const actor of [null, r.actor('viewer'), r.actor('reviewer'), r.actor('deployer')]) {
      ctx.actor = actor;
      for (const [name, res] of [
        ['rotate', await actions.rotateSigningKeyAction(undefined, form({}))],
        ['retire', await actions.retireSigningKeyAction(undefined, form({ id: first.id }))],
      ] as const) {
        expect(res.ok, `${name} as ${actor?.role ?? 'anonymous'}`).toBe(false);
        expect(res.message).toMatch(actor ? /keys\.manage needs: admin/ : /Sign in/);
      }
    }
    expect(await r.db.serverKey.count()).toBe(1);
    expect(await r.db.auditEvent.count({ where: { subjectType: 'signing_key' } })).toBe(0);
  });

  it('let an admin rotate, refuse to retire the signing key, and retire the old one', async () => {
    ctx.actor = r.actor('admin');
    const [first] = await listSigningKeys(r.db, r.actor('admin'));
    const rotated = await actions.rotateSigningKeyAction(undefined, form({}));
    expect(rotated).toMatchObject({ ok: true, message: expect.stringMatching(/generation 2\) signs new links now/) });
    const [second] = await listSigningKeys(r.db, r.actor('admin'));
    expect(second).toMatchObject({ generation: 2, signing: true });

    expect(await actions.retireSigningKeyAction(undefined, form({ id: second.id }))).toMatchObject({
      ok: false,
      message: expect.stringMatching(/signs new links now; .*rotate/),
    });
    expect(await actions.retireSigningKeyAction(undefined, form({ id: 'deadbeef' }))).toMatchObject({
      ok: false,
      message: expect.stringMatching(/deadbeef/),
    });
    expect(await actions.retireSigningKeyAction(undefined, form({}))).toMatchObject({
      ok: false,
      fieldErrors: { id: [expect.any(String)] },
    });
    expect(await actions.retireSigningKeyAction(undefined, form({ id: first.id }))).toMatchObject({
      ok: true,
      message: `Retired key ${first.id} (generation 1): the links it signed no longer open.`,
    });
    const events = await r.db.auditEvent.findMany({ where: { subjectType: 'signing_key' }, orderBy: { id: 'asc' } });
    expect(events.map((e) => [e.action, e.subjectId, e.actorId])).toEqual([
      ['signing_key.rotate', second.id, r.actor('admin').id],
      ['signing_key.retire', first.id, r.actor('admin').id],
    ]);
  });
});
