/**
 * The share-link signing keys as an admin's audited operation, on PGlite and PostgreSQL: rotate,
 * list and retire; the signing key refused (key_in_use), an unknown id (key_not_found), every other
 * role forbidden with nothing written; each change one audit event naming the key by id and
 * generation, never its secret. Real signatures: a retired key's links stop verifying.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthError } from '../auth/permissions';
import { sign, verifySignature } from '../auth/server-secret';
import { testTargets } from '../db/test-databases';
import { isDomainError } from '../errors';
import { SYSTEM_ACTOR } from './audit';
import { listSigningKeys, retireSigningKey, rotateSigningKey } from './signing-keys';
import { openTestRegistry } from './test-registry';

const codeOf = async (p: Promise<unknown>) => {
  const e = await p.then(
    () => null,
    (x: unknown) => x,
  );
  return isDomainError(e) ? [e.code, e.status] : e;
};

describe.each(testTargets())('signing keys (admins, audited) on %s', (target) => {
  let r: Awaited<ReturnType<typeof openTestRegistry>>;
  const envSecret = process.env.DRAWBRIDGE_SECRET;
  beforeAll(async () => {
    delete process.env.DRAWBRIDGE_SECRET;
    r = await openTestRegistry(target);
  }, 120_000);
  afterAll(async () => {
    await r?.cleanup();
    if (envSecret !== undefined) process.env.DRAWBRIDGE_SECRET = envSecret;
  });

  const keyEvents = () => r.db.auditEvent.findMany({ where: { subjectType: 'signing_key' }, orderBy: { id: 'asc' } });

  it('rotates, lists newest first, and retires only a key that no longer signs, each change audited', async () => {
    const admin = r.actor('admin');
    const before = await sign(r.db, 'share:before');
    const [first] = await listSigningKeys(r.db, admin);
    expect(first).toMatchObject({ generation: 1, signing: true, retiredAt: null });

    const second = await rotateSigningKey(r.db, admin);
    expect(second).toMatchObject({ generation: 2, signing: true, retiredAt: null });
    expect(second.id).toMatch(/^[0-9a-f]{8}$/);
    const listed = await listSigningKeys(r.db, admin);
    expect(listed.map((k) => [k.id, k.generation, k.signing])).toEqual([
      [second.id, 2, true],
      [first.id, 1, false],
    ]);
    // This server signs with the new key at once; the old key's links still open.
    const after = await sign(r.db, 'share:after');
    expect(after.startsWith(second.id)).toBe(true);
    expect(await verifySignature(r.db, 'share:before', before)).toBe(true);

    expect(await codeOf(retireSigningKey(r.db, admin, second.id))).toEqual(['key_in_use', 409]);
    expect(await codeOf(retireSigningKey(r.db, admin, 'deadbeef'))).toEqual(['key_not_found', 404]);

    const retired = await retireSigningKey(r.db, admin, first.id);
    expect(retired).toMatchObject({ id: first.id, generation: 1, signing: false, retiredAt: expect.any(Date) });
    expect(await verifySignature(r.db, 'share:before', before)).toBe(false);
    expect(await verifySignature(r.db, 'share:after', after)).toBe(true);
    // Retiring it again answers it as it is, and is not a second event.
    expect(await retireSigningKey(r.db, admin, first.id)).toMatchObject({ id: first.id, retiredAt: retired.retiredAt });

    const events = await keyEvents();
    expect(events.map((e) => [e.action, e.subjectId, e.actorId])).toEqual([
      ['signing_key.rotate', second.id, admin.id],
      ['signing_key.retire', first.id, admin.id],
    ]);
    expect(events[0].before).toEqual({ signingKeyId: first.id, generation: 1 });
    expect(events[0].after).toEqual({ id: second.id, generation: 2 });
    expect(events[1].after).toMatchObject({ id: first.id, generation: 1, retiredAt: retired.retiredAt!.toISOString() });
    // No secret anywhere in what the audit log keeps.
    const secrets = (await r.db.serverKey.findMany()).map((k) => k.secret);
    const stored = JSON.stringify(events);
    for (const s of secrets) expect(stored).not.toContain(s);
    expect(stored).not.toMatch(/secret/i);
  });

  it('refuses every role but admin, and writes nothing for them', async () => {
    const keys = await r.db.serverKey.count();
    const events = (await keyEvents()).length;
    const [signing] = await listSigningKeys(r.db, r.actor('admin'));
    const older = (await r.db.serverKey.findFirstOrThrow({ where: { id: { not: signing.id } } })).id;
    for (const role of ['viewer', 'reviewer', 'deployer'] as const) {
      const actor = r.actor(role);
      for (const attempt of [
        listSigningKeys(r.db, actor),
        rotateSigningKey(r.db, actor),
        retireSigningKey(r.db, actor, older),
        retireSigningKey(r.db, actor, 'deadbeef'),
      ]) {
        const e = await attempt.catch((x: unknown) => x);
        expect(e, role).toBeInstanceOf(AuthError);
        expect((e as AuthError).message).toMatch(/keys\.manage needs: admin/);
      }
    }
    expect(await r.db.serverKey.count()).toBe(keys);
    expect((await keyEvents()).length).toBe(events);
  });

  it('records the system actor (the CLI in local mode) as nobody, labelled Drawbridge', async () => {
    const made = await rotateSigningKey(r.db, SYSTEM_ACTOR);
    const event = (await keyEvents()).at(-1)!;
    expect(event).toMatchObject({ action: 'signing_key.rotate', subjectId: made.id, actorId: null });
    expect(event.actorLabel).toMatch(/^Drawbridge </);
  });

  it('two rotations at once make two keys, each audited, and the newer one signs', async () => {
    const admin = r.actor('admin');
    const before = (await listSigningKeys(r.db, admin))[0].generation;
    const made = await Promise.all([rotateSigningKey(r.db, admin), rotateSigningKey(r.db, admin)]);
    expect(made.map((k) => k.generation).sort()).toEqual([before + 1, before + 2]);
    const listed = await listSigningKeys(r.db, admin);
    expect(listed[0]).toMatchObject({ generation: before + 2, signing: true });
    const rotations = (await keyEvents()).filter((e) => e.action === 'signing_key.rotate').slice(-2);
    expect(rotations.map((e) => e.subjectId).sort()).toEqual(made.map((k) => k.id).sort());
  });
});
