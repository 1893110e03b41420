import 'server-only';
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { hashPassword } from '../auth/password';
import type { Db } from '../db';
import type { ArtifactStore } from '../storage/types';
import { SYSTEM_ACTOR } from './audit';
import { DEMO_USERS } from './demo-users';
import { registerTrainingJob } from './training-jobs';

const fileSchema = z.object({ path: z.string().regex(/^[\w.-]+$/), sha256: z.string(), size_bytes: z.number() });
const manifestSchema = z.object({
  format: z.literal('drawbridge-demo-manifest/1'),
  groups: z.array(
    z.object({
      age_group_min: z.number(),
      age_group_max: z.number(),
      job_name: z.string(),
      environment: z.enum(['local', 'sagemaker', 'external']),
      status: z.enum(['pending', 'running', 'completed', 'failed', 'cancelled']),
      config_parameters: z.record(z.string(), z.unknown()),
      dataset_path: z.string(),
      start_time: z.string(),
      end_time: z.string(),
      report: z.object({
        final_loss: z.number(),
        validation_accuracy: z.number(),
        best_epoch: z.number().int(),
        training_time_seconds: z.number(),
        metrics_summary: z.record(z.string(), z.unknown()),
      }),
      files: z.object({ checkpoint: fileSchema, validation: fileSchema }),
    }),
  ),
});

export function defaultDemoDir(): string {
  return process.env.DRAWBRIDGE_DEMO_DIR || path.join(process.cwd(), 'prisma', 'demo');
}

/**
 * Seeds the demo team and one completed training job per age group, with its real checkpoint and
 * validation set, into an empty database. Idempotent: users are upserted by email and jobs are
 * skipped when a job of the same name exists, so an interrupted seed can simply run again.
 */
export async function seedDemo(db: Db, store: ArtifactStore, opts: { demoDir?: string } = {}) {
  const demoDir = opts.demoDir ?? defaultDemoDir();
  const manifest = manifestSchema.parse(JSON.parse(fs.readFileSync(path.join(demoDir, 'manifest.json'), 'utf8')));

  for (const u of DEMO_USERS) {
    const passwordHash = await hashPassword(u.password);
    await db.user.upsert({
      where: { email: u.email },
      create: { email: u.email, name: u.name, role: u.role, passwordHash },
      update: {},
    });
  }

  let jobs = 0;
  for (const g of manifest.groups) {
    if (await db.trainingJob.findFirst({ where: { jobName: g.job_name }, select: { id: true } })) continue;
    const put = async (f: z.infer<typeof fileSchema>, mediaType: string) => {
      const bytes = fs.readFileSync(path.join(demoDir, f.path));
      const stored = await store.put(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), {
        expectedSha256: f.sha256,
      });
      return { ...stored, mediaType, originalName: f.path };
    };
    const checkpoint = await put(g.files.checkpoint, 'application/x-pytorch-checkpoint');
    const validationSet = await put(g.files.validation, 'application/x-safetensors');
    await registerTrainingJob(db, SYSTEM_ACTOR, {
      jobName: g.job_name,
      environment: g.environment,
      status: g.status,
      configParameters: { ...g.config_parameters, age_group_min: g.age_group_min, age_group_max: g.age_group_max },
      // Each demo model was trained for its group's ages: its exports for others need a reason.
      ageGroupMin: g.age_group_min,
      ageGroupMax: g.age_group_max,
      datasetPath: g.dataset_path,
      startTimestamp: new Date(g.start_time),
      endTimestamp: new Date(g.end_time),
      checkpoint,
      validationSet,
      report: {
        finalLoss: g.report.final_loss,
        validationAccuracy: g.report.validation_accuracy,
        bestEpoch: g.report.best_epoch,
        trainingTimeSeconds: g.report.training_time_seconds,
        metricsSummary: g.report.metrics_summary,
      },
    });
    jobs++;
  }
  return { users: DEMO_USERS.length, jobs };
}

/** True when the database has never been seeded or used: no accounts at all. */
export async function isEmptyDatabase(db: Db): Promise<boolean> {
  return (await db.user.count()) === 0;
}
