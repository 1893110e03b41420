import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyMigrations } from './migrate';
import { openTestDatabase, POSTGRES_URL, testTargets, type TestTarget } from './test-databases';
import type { Db } from './index';

if (!POSTGRES_URL) {
  console.warn(
    '[database.test] PostgreSQL tests skipped: DRAWBRIDGE_TEST_POSTGRES_URL is not set (npm test sets it when PostgreSQL is installed).',
  );
}

async function seedExport(db: Db, tag: string) {
  const sha = (c: string) => c.repeat(64);
  await db.artifact.create({ data: { sha256: sha(tag), sizeBytes: 10n, mediaType: 'application/octet-stream' } });
  return db.modelExport.create({
    data: {
      modelId: `autoencoder_2.0_3.0_${tag}`,
      modelVersion: '1.0.0',
      architectureHash: 'h',
      parameterCount: 10,
      inputDimension: 832,
      outputDimension: 832,
      ageGroupMin: 2,
      ageGroupMax: 3,
      compatibilityVersion: '1.0',
      exportFormat: 'onnx',
      fileSizeBytes: 10n,
      checksum: sha(tag),
      architecture: { input_dim: 832, hidden_dims: [128, 64] },
    },
  });
}

function deployment(
  exportId: string,
  over: Partial<{
    environment: string;
    ageMin: number;
    ageMax: number;
    isActive: boolean;
    status: 'active' | 'backup' | 'retired' | 'undeployed';
  }> = {},
) {
  return {
    ageMin: 2,
    ageMax: 3,
    environment: 'production',
    sampleCount: 100,
    threshold: 0.5,
    modelExportId: exportId,
    artifactSha256: 'a'.repeat(64),
    ...over,
  };
}

describe.each(testTargets())('database on %s', (target: TestTarget) => {
  let t: Awaited<ReturnType<typeof openTestDatabase>>;
  beforeAll(async () => {
    t = await openTestDatabase(target);
  });
  afterAll(async () => {
    await t?.cleanup();
  });

  it('applies the migrations once and records them where prisma migrate expects', async () => {
    const rows = await t.adapter.query<{ migration_name: string }>('SELECT migration_name FROM "_prisma_migrations"');
    expect(rows.map((r) => r.migration_name)).toContain('20261127000000_init');
    const again = await applyMigrations(t.adapter, `${import.meta.dirname}/../../prisma/migrations`);
    expect(again).toEqual([]);
  });

  it('leaves no migration lock held, so another server can migrate while this one runs', async () => {
    const dir = `${import.meta.dirname}/../../prisma/migrations`;
    // While other work shares the pool, as on a running server: through the pool, the unlock could
    // land on another connection than the lock and leave it held on this one.
    const busy = (k: number) => t.adapter.query(`SELECT pg_sleep(${k / 1000})`);
    for (let i = 0; i < 10; i++) {
      await Promise.all([...Array.from({ length: 9 }, (_, k) => busy(k)), applyMigrations(t.adapter, dir)]);
    }
    const held = await t.adapter.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND objid = 7260427 AND granted",
    );
    expect(held[0].n).toBe(0);
  });

  it('refuses a second active model for the same age range and environment', async () => {
    const e1 = await seedExport(t.db, 'a');
    const e2 = await seedExport(t.db, 'b');
    await t.db.ageGroupModel.create({ data: deployment(e1.id) });
    await expect(t.db.ageGroupModel.create({ data: deployment(e2.id) })).rejects.toMatchObject({ code: 'P2002' });
    // the same range in another environment, another range, and inactive rows are all fine
    await t.db.ageGroupModel.create({ data: deployment(e2.id, { environment: 'staging' }) });
    await t.db.ageGroupModel.create({ data: deployment(e2.id, { ageMin: 3, ageMax: 4 }) });
    await t.db.ageGroupModel.create({ data: deployment(e2.id, { isActive: false, status: 'backup' }) });
    await t.db.ageGroupModel.create({ data: deployment(e2.id, { isActive: false, status: 'retired' }) });
    expect(
      await t.db.ageGroupModel.count({ where: { environment: 'production', ageMin: 2, ageMax: 3, isActive: true } }),
    ).toBe(1);
  });

  it('refuses it even when raw SQL bypasses the application', async () => {
    const e = await seedExport(t.db, 'c');
    await expect(
      t.adapter.exec(
        `INSERT INTO "AgeGroupModel" ("ageMin","ageMax","environment","sampleCount","threshold","modelExportId","artifactSha256") VALUES (2,3,'production',1,0.1,'${e.id}','${'c'.repeat(64)}')`,
      ),
    ).rejects.toThrow(/AgeGroupModel_one_active_per_range|duplicate key/);
  });

  it('lets only one of many concurrent activations win', async () => {
    const e = await seedExport(t.db, 'd');
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, () =>
        t.db.ageGroupModel.create({ data: deployment(e.id, { environment: 'race', ageMin: 5, ageMax: 6 }) }),
      ),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(await t.db.ageGroupModel.count({ where: { environment: 'race', isActive: true } })).toBe(1);
  });

  it('keeps isActive and status consistent and age ranges sane', async () => {
    const e = await seedExport(t.db, 'e');
    await expect(
      t.db.ageGroupModel.create({ data: deployment(e.id, { environment: 'x', isActive: true, status: 'backup' }) }),
    ).rejects.toThrow();
    await expect(
      t.db.ageGroupModel.create({ data: deployment(e.id, { environment: 'x', ageMin: 4, ageMax: 3 }) }),
    ).rejects.toThrow();
    await expect(
      t.db.ageGroupModel.create({ data: deployment(e.id, { environment: 'x', ageMin: 1, ageMax: 3 }) }),
    ).rejects.toThrow();
  });

  it('round-trips JSON, BigInt, dates and enums through the adapter', async () => {
    const big = 5_000_000_000n;
    const sha = 'f'.repeat(64);
    const when = new Date('2026-11-01T10:20:30.456Z');
    await t.db.artifact.create({ data: { sha256: sha, sizeBytes: big, mediaType: 'x' } });
    const job = await t.db.trainingJob.create({
      data: {
        jobName: 'types',
        status: 'completed',
        environment: 'sagemaker',
        configParameters: { lr: 0.001, hidden_dims: [128, 64], nested: { ok: true, s: 'quote \' " \\' } },
        startTimestamp: when,
        checkpointSha256: sha,
        report: { create: { finalLoss: 0.0123, metricsSummary: { train_loss: [1, 0.5, 0.25] } } },
      },
      include: { report: true, checkpoint: true },
    });
    expect(job.checkpoint?.sizeBytes).toBe(big);
    expect(job.startTimestamp?.toISOString()).toBe(when.toISOString());
    expect(job.environment).toBe('sagemaker');
    expect(job.configParameters).toEqual({
      lr: 0.001,
      hidden_dims: [128, 64],
      nested: { ok: true, s: 'quote \' " \\' },
    });
    expect(job.report?.metricsSummary).toEqual({ train_loss: [1, 0.5, 0.25] });
    const found = await t.db.trainingJob.findMany({
      where: { status: { in: ['completed', 'failed'] }, startTimestamp: { gte: new Date('2026-01-01') } },
    });
    expect(found.map((j) => j.id)).toContain(job.id);
  });

  it('rolls back an interactive transaction as a whole', async () => {
    const before = await t.db.auditEvent.count();
    await expect(
      t.db.$transaction(async (tx) => {
        await tx.auditEvent.create({ data: { actorLabel: 'x', action: 'a', subjectType: 's', subjectId: '1' } });
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await t.db.auditEvent.count()).toBe(before);
  });
});
