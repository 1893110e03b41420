import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthError } from '../auth/permissions';
import { exportModelFromTrainingJob } from './exports';
import { createShareLink, listShareLinks, resolveShareToken, revokeShareLink } from './share-links';
import { openTestRegistry } from './test-registry';

describe('share links', () => {
  let r: Awaited<ReturnType<typeof openTestRegistry>>;
  let modelId: string;
  beforeAll(async () => {
    process.env.DRAWBRIDGE_SECRET = 'test-secret-test-secret-test-secret-123';
    r = await openTestRegistry('pglite');
    modelId = (
      await exportModelFromTrainingJob(r.db, r.store, r.actor('reviewer'), {
        trainingJobId: r.jobs[0].id,
        ageGroupMin: 2,
        ageGroupMax: 3,
        exportFormat: 'onnx',
      })
    ).modelId;
  }, 120_000);
  afterAll(async () => r?.cleanup());

  it('opens exactly one model, counts use, and stops working once revoked', async () => {
    const { token, link } = await createShareLink(r.db, r.actor('deployer'), modelId);
    expect((await resolveShareToken(r.db, token))?.modelId).toBe(modelId);
    expect((await r.db.shareLink.findUnique({ where: { id: link.id } }))?.accessCount).toBe(1);
    expect(await revokeShareLink(r.db, r.actor('deployer'), link.id)).toBe(true);
    expect(await revokeShareLink(r.db, r.actor('deployer'), link.id)).toBe(false);
    expect(await resolveShareToken(r.db, token)).toBeNull();
    const actions = (await r.db.auditEvent.findMany({ where: { action: { startsWith: 'share_link.' } } })).map(
      (e) => e.action,
    );
    expect(actions).toEqual(['share_link.create', 'share_link.revoke']);
    expect((await listShareLinks(r.db, r.actor('admin'), modelId))[0].revokedAt).not.toBeNull();
  });

  it('rejects forged and mangled tokens', async () => {
    const { token } = await createShareLink(r.db, r.actor('deployer'), modelId);
    const [id, sig] = token.split('.');
    // A different last character (1 in 64 signatures already ends in "A").
    const mangled = `${sig.slice(0, -1)}${sig.endsWith('A') ? 'B' : 'A'}`;
    for (const bad of [`${id}.${mangled}`, `${id}x.${sig}`, id, '', '..', `${id}.${sig}.extra`]) {
      expect(await resolveShareToken(r.db, bad), bad).toBeNull();
    }
  });

  it('expires, and only deployers and admins may share', async () => {
    const { token, link } = await createShareLink(r.db, r.actor('admin'), modelId, { expiresInDays: 1 });
    await r.db.shareLink.update({ where: { id: link.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    expect(await resolveShareToken(r.db, token)).toBeNull();
    await expect(createShareLink(r.db, r.actor('reviewer'), modelId)).rejects.toBeInstanceOf(AuthError);
    await expect(
      createShareLink(r.db, r.actor('deployer'), 'autoencoder_2.0_3.0_20000101_000000'),
    ).rejects.toMatchObject({ code: 'model_not_found' });
  });
});
