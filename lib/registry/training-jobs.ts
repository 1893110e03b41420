import 'server-only';
import { z } from 'zod';
import type { Actor } from '../auth/permissions';
import { requirePermission } from '../auth/permissions';
import type { Db } from '../db';
import type { Prisma } from '../db/generated/client';
import { invalidField, notFound } from '../errors';
import { ageRangeFromConfig, resolveJobAgeRange, type AgeRange } from './age-range';
import { catalogueArtifact } from './artifacts';
import { recordAudit } from './audit';
import { CAPPED_TAKE, cappedTotal, splitPage } from './listings-count';

const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'must be a lowercase SHA-256 hex digest');
const json = z.record(z.string(), z.unknown());

export const artifactRefSchema = z.object({
  sha256,
  sizeBytes: z.number().int().nonnegative(),
  mediaType: z.string().min(1).max(200),
  originalName: z.string().max(255).optional(),
});

export const trainingReportSchema = z.object({
  finalLoss: z.number().finite(),
  validationAccuracy: z.number().min(0).max(1).nullish(),
  bestEpoch: z.number().int().nonnegative().nullish(),
  trainingTimeSeconds: z.number().nonnegative().nullish(),
  metricsSummary: json.default({}),
  reportFilePath: z.string().max(1000).nullish(),
});

export const registerTrainingJobSchema = z.object({
  jobName: z.string().trim().min(1).max(200),
  environment: z.enum(['local', 'sagemaker', 'external']).default('local'),
  configParameters: json.default({}),
  datasetPath: z.string().max(1000).nullish(),
  status: z.enum(['pending', 'running', 'completed', 'failed', 'cancelled']).default('completed'),
  startTimestamp: z.coerce.date().nullish(),
  endTimestamp: z.coerce.date().nullish(),
  sagemakerJobArn: z.string().max(2048).nullish(),
  // The ages the model was trained for; when left out, the checkpoint's training_config or
  // config_parameters name them (resolveJobAgeRange).
  ageGroupMin: z.number().finite().nullish(),
  ageGroupMax: z.number().finite().nullish(),
  checkpoint: artifactRefSchema.nullish(),
  validationSet: artifactRefSchema.nullish(),
  report: trainingReportSchema.nullish(),
});
export type RegisterTrainingJobInput = z.input<typeof registerTrainingJobSchema>;

/** What the caller read from the uploaded checkpoint itself (never from the wire). */
export type CheckpointFacts = { trainingAgeRange?: AgeRange | null };

function explicitAgeRange(input: { ageGroupMin?: number | null; ageGroupMax?: number | null }): AgeRange | null {
  const { ageGroupMin: min, ageGroupMax: max } = input;
  if (min == null && max == null) return null;
  if (min == null || max == null) {
    throw invalidField(
      'Give both age_group_min and age_group_max (the ages the model was trained for), or neither.',
      min == null ? 'ageGroupMin' : 'ageGroupMax',
    );
  }
  return { min, max };
}

/**
 * Records a training job, its artifacts (already written to the store by the caller) and its report
 * in one transaction, with an audit event. `facts` carries what the caller parsed from the
 * checkpoint: its training_config's age range takes part in the job's (resolveJobAgeRange).
 */
export async function registerTrainingJob(
  db: Db,
  actor: Actor,
  raw: RegisterTrainingJobInput,
  facts: CheckpointFacts = {},
) {
  requirePermission(actor, 'jobs.write');
  const input = registerTrainingJobSchema.parse(raw);
  const ages = resolveJobAgeRange({
    explicit: explicitAgeRange(input),
    checkpoint: facts.trainingAgeRange,
    config: ageRangeFromConfig(input.configParameters),
  });
  const creator = actor.via === 'system' ? null : actor.id;
  return db.$transaction(async (tx) => {
    for (const a of [input.checkpoint, input.validationSet]) {
      if (a) await catalogueArtifact(tx, actor, a);
    }
    const job = await tx.trainingJob.create({
      data: {
        jobName: input.jobName,
        environment: input.environment,
        configParameters: input.configParameters as Prisma.InputJsonValue,
        datasetPath: input.datasetPath ?? null,
        status: input.status,
        startTimestamp: input.startTimestamp ?? null,
        endTimestamp: input.endTimestamp ?? null,
        sagemakerJobArn: input.sagemakerJobArn ?? null,
        ageGroupMin: ages?.min ?? null,
        ageGroupMax: ages?.max ?? null,
        checkpointSha256: input.checkpoint?.sha256 ?? null,
        validationSha256: input.validationSet?.sha256 ?? null,
        createdById: creator,
        report: input.report
          ? {
              create: {
                finalLoss: input.report.finalLoss,
                validationAccuracy: input.report.validationAccuracy ?? null,
                bestEpoch: input.report.bestEpoch ?? null,
                trainingTimeSeconds: input.report.trainingTimeSeconds ?? null,
                metricsSummary: input.report.metricsSummary as Prisma.InputJsonValue,
                reportFilePath: input.report.reportFilePath ?? null,
                modelParametersSha256: input.checkpoint?.sha256 ?? null,
              },
            }
          : undefined,
      },
      include: { report: true },
    });
    await recordAudit(tx, actor, {
      action: 'training_job.create',
      subjectType: 'training_job',
      subjectId: job.id,
      after: {
        jobName: job.jobName,
        status: job.status,
        checkpoint: job.checkpointSha256,
        validationSet: job.validationSha256,
        ages: ages ? [ages.min, ages.max] : null,
      },
    });
    return job;
  });
}

export type ListTrainingJobsOptions = { status?: string; q?: string; page?: number; pageSize?: number };

export async function listTrainingJobs(db: Db, actor: Actor, opts: ListTrainingJobsOptions = {}) {
  requirePermission(actor, 'jobs.read');
  const pageSize = Math.min(Math.max(opts.pageSize ?? 25, 1), 100);
  const page = Math.max(opts.page ?? 1, 1);
  const statuses = ['pending', 'running', 'completed', 'failed', 'cancelled'] as const;
  const status = statuses.find((s) => s === opts.status);
  const where: Prisma.TrainingJobWhereInput = {
    ...(status ? { status } : {}),
    ...(opts.q ? { jobName: { contains: opts.q, mode: 'insensitive' } } : {}),
  };
  const orderBy: Prisma.TrainingJobOrderByWithRelationInput[] = [{ createdAt: 'desc' }, { id: 'desc' }];
  const [counted, found] = await Promise.all([
    db.trainingJob.count({ where, orderBy, take: CAPPED_TAKE }),
    db.trainingJob.findMany({
      where,
      orderBy,
      skip: (page - 1) * pageSize,
      take: pageSize + 1,
      include: { report: true },
    }),
  ]);
  const { rows, hasMore } = splitPage(found, pageSize);
  // The page's jobs' exports counted for those jobs only: an `_count` include aggregates all of
  // ModelExport (GROUP BY over the whole table) on every page.
  const counts = rows.length
    ? await db.modelExport.groupBy({
        by: ['trainingJobId'],
        where: { trainingJobId: { in: rows.map((j) => j.id) } },
        _count: { _all: true },
      })
    : [];
  const exportsOf = new Map(counts.map((c) => [c.trainingJobId, c._count._all]));
  const jobs = rows.map((j) => ({ ...j, _count: { exports: exportsOf.get(j.id) ?? 0 } }));
  // The total is counted up to LIST_COUNT_CAP (totalExact false beyond): hasMore says if a next page exists.
  return { ...cappedTotal(counted), hasMore, page, pageSize, jobs };
}

export async function getTrainingJob(db: Db, actor: Actor, id: number) {
  requirePermission(actor, 'jobs.read');
  const job = await db.trainingJob.findUnique({
    where: { id },
    include: {
      report: true,
      checkpoint: true,
      validationSet: true,
      createdBy: { select: { name: true, email: true } },
    },
  });
  if (!job) throw notFound('Training job', id, 'training_job_not_found');
  return job;
}
