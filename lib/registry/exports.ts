import 'server-only';
import { z } from 'zod';
import type { Actor } from '../auth/permissions';
import { requirePermission } from '../auth/permissions';
import type { Db } from '../db';
import type { ModelExport, Prisma } from '../db/generated/client';
import { ModelDeploymentError, ModelExportError } from '../formats/errors';
import { EXPORT_FORMATS, type ExportFormat, type ExportMetadata } from '../formats/export';
import type { Autoencoder, PlainValue } from '../formats/types';
import type { ArtifactStore, StoredArtifact } from '../storage/types';
import { parseCheckpointInWorker, runTask } from '../workers';
import { notFound } from '../errors';
import { AGE_RANGE_REASON_MIN, checkExportAgeRange, type AgeRangeOverride } from './age-range';
import { catalogueArtifact } from './artifacts';
import { recordAudit } from './audit';
import { newModelId } from './model-id';
import { inheritModelCard } from './model-card';
import { jsonClone } from '../json-clone';

export const MODEL_VERSION = '1.0.0';
/** Version of the export layout consumers check before loading (bump on incompatible change). */
export const COMPATIBILITY_VERSION = '1.0';
export const MODEL_TYPE = 'autoencoder';

/** Ages as the original: 2.0 ≤ min < max ≤ 18.0. Field-level messages for forms. */
export const ageRangeSchema = z
  .object({
    ageGroupMin: z.coerce
      .number({ message: 'Enter the youngest age of the group, in years.' })
      .finite()
      .min(2, 'Ages start at 2.0 years.')
      .max(18, 'Ages end at 18.0 years.'),
    ageGroupMax: z.coerce
      .number({ message: 'Enter the oldest age of the group, in years.' })
      .finite()
      .min(2, 'Ages start at 2.0 years.')
      .max(18, 'Ages end at 18.0 years.'),
  })
  .refine((v) => v.ageGroupMin < v.ageGroupMax, {
    message: 'The maximum age must be greater than the minimum age.',
    path: ['ageGroupMax'],
  });

export const exportFormatSchema = z.enum(EXPORT_FORMATS, { message: `Choose one of: ${EXPORT_FORMATS.join(', ')}.` });

export const exportFromJobSchema = z.intersection(
  z.object({
    trainingJobId: z.coerce.number({ message: 'Choose a training job.' }).int().positive('Choose a training job.'),
    exportFormat: exportFormatSchema,
    // Required (at least AGE_RANGE_REASON_MIN characters) when the ages differ from the job's.
    ageRangeReason: z
      .string()
      .max(2000, 'Keep the reason under 2000 characters.')
      .nullish()
      .describe(
        `Why a model trained for other ages should serve these (at least ${AGE_RANGE_REASON_MIN} characters); required when the range differs from the training job's`,
      ),
  }),
  ageRangeSchema,
);
export type ExportFromJobInput = z.input<typeof exportFromJobSchema>;

// The formats' code over bytes loads when an export runs, not with this module: the lists and the
// CLI's other commands import it and need none of it (issue 14: CLI start-up).
const architecture = () => import('../formats/architecture');

/**
 * How an export runs. The server parses and writes in its worker pool (its request thread stays
 * free); a one-shot process (the CLI) runs in-process, where the worker's copies of the weights and
 * the assembled file are pure cost.
 */
export type ExportRunOptions = {
  /** The checkpoint already parsed by the caller, from the very bytes stored under its hash. */
  parsed?: Autoencoder;
  /** Parse and write on this thread, streaming the file into the store without assembling it. */
  inProcess?: boolean;
  /** Receives the exported file's bytes, in order (e.g. for `--out`), before the record is written. */
  onArtifact?: (chunks: readonly Uint8Array[]) => void;
};

async function parseStored(store: ArtifactStore, sha256: string, opts: ExportRunOptions): Promise<Autoencoder> {
  if (opts.parsed) return opts.parsed;
  const bytes = await store.get(sha256);
  if (!opts.inProcess) return parseCheckpointInWorker(bytes);
  return (await import('./parse-checkpoint')).parseCheckpoint(bytes);
}

export async function exportModelFromTrainingJob(
  db: Db,
  store: ArtifactStore,
  actor: Actor,
  raw: ExportFromJobInput,
  opts: ExportRunOptions = {},
) {
  requirePermission(actor, 'models.export');
  const input = exportFromJobSchema.parse(raw);
  const job = await db.trainingJob.findUnique({ where: { id: input.trainingJobId }, include: { report: true } });
  if (!job) throw notFound('Training job', input.trainingJobId, 'training_job_not_found');
  if (job.status !== 'completed') {
    throw new ModelExportError(
      'training_job_not_completed',
      `Training job ${job.id} is ${job.status}; only completed jobs can be exported.`,
      { field: 'trainingJobId' },
    );
  }
  if (!job.report) {
    throw new ModelExportError(
      'training_report_missing',
      `Training job ${job.id} has no training report; register its report before exporting.`,
      { field: 'trainingJobId' },
    );
  }
  if (!job.checkpointSha256) {
    throw new ModelExportError('checkpoint_missing', `Training job ${job.id} has no checkpoint artifact.`, {
      field: 'trainingJobId',
    });
  }
  const jobRange =
    job.ageGroupMin !== null && job.ageGroupMax !== null ? { min: job.ageGroupMin, max: job.ageGroupMax } : null;
  const ageRangeOverride = checkExportAgeRange(
    job.id,
    jobRange,
    { min: input.ageGroupMin, max: input.ageGroupMax },
    input.ageRangeReason,
  );
  const ae = await parseStored(store, job.checkpointSha256, opts);
  const r = job.report;
  return createExport(db, store, actor, opts, {
    ageRangeOverride,
    ae,
    sourceSha256: job.checkpointSha256,
    trainingJobId: job.id,
    trainingMetrics: {
      final_loss: r.finalLoss,
      validation_accuracy: r.validationAccuracy,
      best_epoch: r.bestEpoch,
      training_time_seconds: r.trainingTimeSeconds,
      ...pickScalars(r.metricsSummary),
    },
    ageGroupMin: input.ageGroupMin,
    ageGroupMax: input.ageGroupMax,
    exportFormat: input.exportFormat,
  });
}

export const exportDirectSchema = z.intersection(
  z.object({
    checkpointSha256: z.string().regex(/^[0-9a-f]{64}$/),
    exportFormat: exportFormatSchema,
    modelInfo: z
      .record(z.string(), z.unknown(), { message: 'model_info must be a JSON object' })
      .refine(
        (m) =>
          m.model_architecture === undefined ||
          (typeof m.model_architecture === 'object' &&
            m.model_architecture !== null &&
            !Array.isArray(m.model_architecture)),
        {
          message: 'model_info.model_architecture must be a JSON object',
          path: ['model_architecture'],
        },
      )
      .default({}),
  }),
  ageRangeSchema,
);
export type ExportDirectInput = z.input<typeof exportDirectSchema>;

/**
 * export_model_direct: a checkpoint uploaded without a training job (training_job_id 0). The
 * caller has already streamed the upload into the store; `model_info` may declare the
 * architecture (checked against the weights) and carry training metrics.
 */
export async function exportModelDirect(
  db: Db,
  store: ArtifactStore,
  actor: Actor,
  raw: ExportDirectInput,
  opts: ExportRunOptions = {},
) {
  requirePermission(actor, 'models.export');
  const input = exportDirectSchema.parse(raw);
  const ae = await parseStored(store, input.checkpointSha256, opts);
  // Throws ModelCompatibilityError (architecture_mismatch) when model_info disagrees with the weights.
  const declared = input.modelInfo.model_architecture ?? input.modelInfo;
  const { checkDeclaredArchitecture } = await architecture();
  ae.notes.push(...checkDeclaredArchitecture(ae.architecture, declared as { [key: string]: PlainValue }));
  const metrics = input.modelInfo.training_metrics;
  return createExport(db, store, actor, opts, {
    ae,
    sourceSha256: input.checkpointSha256,
    trainingJobId: null,
    ageRangeOverride: null,
    trainingMetrics:
      metrics && typeof metrics === 'object' && !Array.isArray(metrics) ? (metrics as Record<string, unknown>) : {},
    ageGroupMin: input.ageGroupMin,
    ageGroupMax: input.ageGroupMax,
    exportFormat: input.exportFormat,
  });
}

type CreateExportInput = {
  ae: Autoencoder;
  sourceSha256: string;
  trainingJobId: number | null;
  ageRangeOverride: AgeRangeOverride | null;
  trainingMetrics: Record<string, unknown>;
  ageGroupMin: number;
  ageGroupMax: number;
  exportFormat: ExportFormat;
};

/** Writes the export into the store: in a worker (one assembled file back), or streamed in-process. */
async function storeExport(
  store: ArtifactStore,
  opts: ExportRunOptions,
  ae: Autoencoder,
  format: ExportFormat,
  metadata: ExportMetadata,
): Promise<{ stored: StoredArtifact; mediaType: string; extension: string }> {
  let chunks: readonly Uint8Array[];
  let file: { mediaType: string; extension: string };
  if (opts.inProcess) {
    const { exportAutoencoderChunks } = await import('../formats/export-write');
    const r = exportAutoencoderChunks(ae, format, metadata);
    chunks = r.chunks.chunks(); // views of the weights: nothing copied, the store hashes as it writes
    file = r;
  } else {
    // Written in a worker; the weights are copied there (not moved) since a retry reuses them.
    const r = await runTask('writeExport', { ae, format, metadata }, { copy: true });
    chunks = [r.bytes];
    file = r;
  }
  const stored = await store.put(chunks.length === 1 ? chunks[0] : iterate(chunks));
  opts.onArtifact?.(chunks);
  return { stored, mediaType: file.mediaType, extension: file.extension };
}

async function* iterate(chunks: readonly Uint8Array[]): AsyncIterable<Uint8Array> {
  yield* chunks;
}

async function createExport(
  db: Db,
  store: ArtifactStore,
  actor: Actor,
  opts: ExportRunOptions,
  x: CreateExportInput,
): Promise<ModelExport> {
  const at = new Date();
  const arch = x.ae.architecture;
  const { architectureHash, parameterCount } = await architecture();
  const hash = architectureHash(arch);
  // Ids are per second: a burst of exports for one range in one second takes the suffixes after the
  // highest one taken (one read, not a probe per suffix); one that loses a race for a suffix reads again.
  const idOf = (n: number) => newModelId(x.ageGroupMin, x.ageGroupMax, at, n);
  let n = await nextModelIdSuffix(db, idOf);
  for (let attempt = 0; attempt < 50; attempt++) {
    const modelId = idOf(n);
    const { stored, mediaType, extension } = await storeExport(store, opts, x.ae, x.exportFormat, {
      model_id: modelId,
      model_type: MODEL_TYPE,
      model_version: MODEL_VERSION,
      compatibility_version: COMPATIBILITY_VERSION,
      age_group_min: x.ageGroupMin,
      age_group_max: x.ageGroupMax,
      architecture_hash: hash,
      source_checksum: x.sourceSha256,
      training_job_id: x.trainingJobId ?? 0,
      export_timestamp: at.toISOString(),
      conversion_notes: x.ae.notes.join('; '),
    });
    const sourceSize = await store.size(x.sourceSha256);
    try {
      return await db.$transaction(async (tx) => {
        // A direct export's source may be a fresh upload nobody has catalogued yet.
        await catalogueArtifact(tx, actor, {
          sha256: x.sourceSha256,
          sizeBytes: sourceSize,
          mediaType: 'application/x-pytorch-checkpoint',
        });
        await catalogueArtifact(tx, actor, { ...stored, mediaType, originalName: `${modelId}${extension}` });
        const row = await tx.modelExport.create({
          data: {
            modelId,
            exportTimestamp: at,
            trainingJobId: x.trainingJobId,
            modelType: MODEL_TYPE,
            modelVersion: MODEL_VERSION,
            architectureHash: hash,
            parameterCount: parameterCount(arch),
            inputDimension: arch.inputDim,
            outputDimension: arch.inputDim,
            ageGroupMin: x.ageGroupMin,
            ageGroupMax: x.ageGroupMax,
            trainingMetrics: jsonClone<Prisma.InputJsonValue>(x.trainingMetrics ?? {}),
            compatibilityVersion: COMPATIBILITY_VERSION,
            exportFormat: x.exportFormat,
            fileSizeBytes: BigInt(stored.sizeBytes),
            checksum: stored.sha256,
            architecture: { input_dim: arch.inputDim, hidden_dims: arch.hiddenDims, model_type: MODEL_TYPE },
            sourceChecksum: x.sourceSha256,
            notes: x.ae.notes,
            ageRangeOverrideReason: x.ageRangeOverride?.reason ?? null,
            jobAgeGroupMin: x.ageRangeOverride?.job.min ?? null,
            jobAgeGroupMax: x.ageRangeOverride?.job.max ?? null,
            createdById: actor.via === 'system' ? null : actor.id,
          },
        });
        await recordAudit(tx, actor, {
          action: 'model.export',
          subjectType: 'model_export',
          subjectId: modelId,
          after: {
            format: x.exportFormat,
            checksum: stored.sha256,
            trainingJobId: x.trainingJobId,
            ages: [x.ageGroupMin, x.ageGroupMax],
            ...(x.ageRangeOverride && {
              ageRangeOverride: {
                job: [x.ageRangeOverride.job.min, x.ageRangeOverride.job.max],
                export: [x.ageGroupMin, x.ageGroupMax],
                reason: x.ageRangeOverride.reason,
              },
            }),
          },
        });
        await inheritModelCard(tx, actor, row);
        return row;
      });
    } catch (e) {
      // Another export took this id between our read and insert: take the next free suffix.
      if ((e as { code?: string }).code === 'P2002') {
        n = Math.max(n + 1, await nextModelIdSuffix(db, idOf));
        continue;
      }
      throw e;
    }
  }
  throw new ModelDeploymentError('conflict', 'Could not allocate a unique model id; try again.');
}

/**
 * The suffix after the highest taken among `idOf(1…)` (newModelId's ids of one range and second).
 * Exact ids in batches of 64, so the unique index answers: a `LIKE 'base%'` is a full scan under a
 * non-C collation.
 */
async function nextModelIdSuffix(db: Db, idOf: (n: number) => string): Promise<number> {
  for (let from = 1; ; from += 64) {
    const ids = Array.from({ length: 64 }, (_, i) => idOf(from + i));
    const taken = await db.modelExport.findMany({ where: { modelId: { in: ids } }, select: { modelId: true } });
    const last = Math.max(0, ...taken.map((t) => from + ids.indexOf(t.modelId)));
    if (last < from + 63) return Math.max(from, last + 1);
  }
}

function pickScalars(v: unknown): Record<string, unknown> {
  // The report's summary carries whole loss curves; the export metadata keeps only its scalars.
  if (!v || typeof v !== 'object' || Array.isArray(v)) return {};
  return Object.fromEntries(
    Object.entries(v).filter(([, x]) => typeof x === 'number' || typeof x === 'string' || typeof x === 'boolean'),
  );
}

/** ModelExportMetadata.to_dict(): the original's 16 snake_case keys. */
export function exportMetadataToDict(e: ModelExport) {
  return {
    model_id: e.modelId,
    export_timestamp: e.exportTimestamp.toISOString(),
    training_job_id: e.trainingJobId ?? 0,
    model_type: e.modelType,
    model_version: e.modelVersion,
    architecture_hash: e.architectureHash,
    parameter_count: e.parameterCount,
    input_dimension: e.inputDimension,
    output_dimension: e.outputDimension,
    age_group_min: e.ageGroupMin,
    age_group_max: e.ageGroupMax,
    training_metrics: e.trainingMetrics,
    compatibility_version: e.compatibilityVersion,
    export_format: e.exportFormat,
    file_size_bytes: Number(e.fileSizeBytes),
    checksum: e.checksum,
  };
}
export type ExportMetadataDict = ReturnType<typeof exportMetadataToDict>;

// The list (filters, sorts, paging) lives in export-list.ts; re-exported for its callers.
export { EXPORT_ENVIRONMENTS, EXPORT_SORTS, listExportedModels, listExportsSchema } from './export-list';
export type { ExportSort, ListExportsInput } from './export-list';

export async function getModelExport(db: Db, actor: Actor, modelId: string) {
  requirePermission(actor, 'models.read');
  const e = await db.modelExport.findUnique({ where: { modelId } });
  if (!e) throw notFound('Model', modelId, 'model_not_found');
  return e;
}
