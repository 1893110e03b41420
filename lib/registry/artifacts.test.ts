import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testTargets } from '../db/test-databases';
import { openTestRegistry } from './test-registry';
import { registerTrainingJob } from './training-jobs';

describe.each(testTargets())('artifact catalogue on %s', (target) => {
  let r: Awaited<ReturnType<typeof openTestRegistry>>;
  beforeAll(async () => {
    r = await openTestRegistry(target);
  });
  afterAll(async () => r?.cleanup());

  it('registers twelve jobs sharing one new checkpoint and validation set at once', async () => {
    // Fresh bytes, so the catalogue row does not exist yet and every registration races to create it.
    const ckpt = await r.store.put(new TextEncoder().encode(`checkpoint bytes ${target} ${Date.now()}`));
    const vs = await r.store.put(new TextEncoder().encode(`validation bytes ${target} ${Date.now()}`));
    const results = await Promise.allSettled(
      Array.from({ length: 12 }, (_, i) =>
        registerTrainingJob(r.db, r.actor('reviewer'), {
          jobName: `shared-artifacts-${i}`,
          checkpoint: { ...ckpt, mediaType: 'application/x-pytorch-checkpoint' },
          validationSet: { ...vs, mediaType: 'application/x-safetensors' },
          report: { finalLoss: 0.01 },
        }),
      ),
    );
    expect(
      results.filter((x) => x.status === 'rejected').map((x) => String((x as PromiseRejectedResult).reason)),
    ).toEqual([]);
    expect(await r.db.artifact.count({ where: { sha256: { in: [ckpt.sha256, vs.sha256] } } })).toBe(2);
    expect(
      await r.db.trainingJob.count({ where: { checkpointSha256: ckpt.sha256, validationSha256: vs.sha256 } }),
    ).toBe(12);
  });
});
