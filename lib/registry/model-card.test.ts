import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthError } from '../auth/permissions';
import { testTargets } from '../db/test-databases';
import { exportModelDirect } from './exports';
import {
  getModelCard,
  listModelCardVersions,
  MODEL_CARD_MAX_CHARS,
  MODEL_CARD_TEMPLATE,
  saveModelCard,
} from './model-card';
import { exportDemoJob, openTestRegistry } from './test-registry';

describe.each(testTargets())('model cards on %s', (target) => {
  let r: Awaited<ReturnType<typeof openTestRegistry>>;
  let first: { id: string; modelId: string; trainingJobId: number | null };
  beforeAll(async () => {
    r = await openTestRegistry(target);
    // The demo job of ages 6–7: no other test here exports it, so it starts without a card.
    first = await exportDemoJob(r, 6, 7);
  }, 120_000);
  afterAll(async () => r?.cleanup());

  const base = async (id: string) => (await getModelCard(r.db, id))?.version ?? 0;

  it('numbers versions 1, 2, … per export, keeps the history and audits each save', async () => {
    const start = await base(first.id);
    const v1 = await saveModelCard(r.db, r.actor('reviewer'), first.id, MODEL_CARD_TEMPLATE, { baseVersion: start });
    expect(v1).toMatchObject({ version: start + 1, changed: true, updatedByName: expect.any(String) });
    const v2 = await saveModelCard(r.db, r.actor('deployer'), first.id, '## Intended use\n\nScreening 6–7.', {
      baseVersion: v1.version,
    });
    expect(v2.version).toBe(start + 2);
    // The same text again adds no version.
    const again = await saveModelCard(r.db, r.actor('deployer'), first.id, '## Intended use\n\nScreening 6–7.');
    expect(again).toMatchObject({ version: start + 2, changed: false });
    const card = await getModelCard(r.db, first.id);
    expect(card).toMatchObject({ markdown: '## Intended use\n\nScreening 6–7.', version: start + 2 });
    expect(card!.updatedByName).toBe(r.actor('deployer').name);
    const history = await listModelCardVersions(r.db, r.actor('viewer'), first.id);
    expect(history.map((v) => v.version).slice(0, 2)).toEqual([start + 2, start + 1]);
    expect(history[1].markdown).toBe(MODEL_CARD_TEMPLATE);
    const audits = await r.db.auditEvent.findMany({
      where: { action: 'model_card.save', subjectId: first.modelId },
      orderBy: { createdAt: 'asc' },
    });
    expect(audits.slice(-2).map((a) => (a.after as { version: number }).version)).toEqual([start + 1, start + 2]);
  });

  it('refuses a save on top of a version that is no longer the latest (409, names the latest)', async () => {
    const latest = await base(first.id);
    await expect(
      saveModelCard(r.db, r.actor('reviewer'), first.id, 'stale edit', { baseVersion: latest - 1 }),
    ).rejects.toMatchObject({
      code: 'model_card_conflict',
      status: 409,
      message: expect.stringContaining(`version ${latest}`),
    });
    // Two teammates saving on top of the same version at once: one wins, the other is told to merge.
    const results = await Promise.allSettled(
      ['edit A', 'edit B'].map((md) => saveModelCard(r.db, r.actor('reviewer'), first.id, md, { baseVersion: latest })),
    );
    expect(results.filter((x) => x.status === 'fulfilled')).toHaveLength(1);
    const lost = results.find((x) => x.status === 'rejected') as PromiseRejectedResult;
    expect(lost.reason).toMatchObject({ code: 'model_card_conflict', status: 409 });
    expect(await base(first.id)).toBe(latest + 1);
  });

  it('lets viewers read but not write; refuses an empty or oversized card', async () => {
    await expect(saveModelCard(r.db, r.actor('viewer'), first.id, '# Mine')).rejects.toBeInstanceOf(AuthError);
    await expect(saveModelCard(r.db, r.actor('viewer'), first.id, '# Mine')).rejects.toMatchObject({
      code: 'forbidden',
    });
    await expect(saveModelCard(r.db, r.actor('reviewer'), first.id, '  \n ')).rejects.toMatchObject({
      code: 'invalid_request',
      status: 422,
    });
    const exact = 'x'.repeat(MODEL_CARD_MAX_CHARS);
    const before = await base(first.id);
    await expect(saveModelCard(r.db, r.actor('reviewer'), first.id, exact)).resolves.toMatchObject({
      version: before + 1,
    });
    await expect(saveModelCard(r.db, r.actor('reviewer'), first.id, `${exact}y`)).rejects.toMatchObject({
      code: 'model_card_too_large',
      status: 413,
      message: expect.stringContaining('20,000'),
    });
    // The database holds the same limit, whoever writes.
    await expect(
      r.db.modelCard.create({ data: { modelExportId: first.id, version: 999, markdown: `${exact}y` } }),
    ).rejects.toThrow(/ModelCard_markdown_length_check|check constraint/);
    await expect(
      saveModelCard(r.db, r.actor('reviewer'), 'no-such-export', '# x', { baseVersion: 0 }),
    ).rejects.toMatchObject({ code: 'model_not_found' });
  });

  it("gives a new export of the same training job the job's latest card as its version 1", async () => {
    const latest = await getModelCard(r.db, first.id);
    await saveModelCard(r.db, r.actor('reviewer'), first.id, '## Limitations\n\nNot for ages over 7.', {
      baseVersion: latest!.version,
    });
    const second = await exportDemoJob(r, 6, 7, 'safetensors');
    const inherited = await getModelCard(r.db, second.id);
    expect(inherited).toMatchObject({
      markdown: '## Limitations\n\nNot for ages over 7.',
      version: 1,
      copiedFrom: first.modelId,
      updatedByName: r.actor('reviewer').name,
    });
    const audit = await r.db.auditEvent.findFirst({
      where: { action: 'model_card.inherit', subjectId: second.modelId },
    });
    expect(audit?.after).toMatchObject({ version: 1, from: first.modelId });
    // From then on the two cards evolve separately.
    await saveModelCard(r.db, r.actor('reviewer'), second.id, '## Limitations\n\nSafetensors copy.', {
      baseVersion: 1,
    });
    expect((await getModelCard(r.db, first.id))!.markdown).toBe('## Limitations\n\nNot for ages over 7.');
    expect((await listModelCardVersions(r.db, r.actor('viewer'), second.id)).map((v) => v.inherited)).toEqual([
      false,
      true,
    ]);
  });

  it('a direct export (no training job) starts without a card', async () => {
    const job = r.jobs.find((j) => (j.configParameters as { age_group_min: number }).age_group_min === 6)!;
    const direct = await exportModelDirect(r.db, r.store, r.actor('reviewer'), {
      checkpointSha256: job.checkpointSha256!,
      exportFormat: 'onnx',
      ageGroupMin: 6,
      ageGroupMax: 7,
    });
    expect(await getModelCard(r.db, direct.id)).toBeNull();
  });
});
