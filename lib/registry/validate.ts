import 'server-only';
import { countEvent } from '../metrics/counts';
import type { Actor } from '../auth/permissions';
import { requirePermission } from '../auth/permissions';
import type { Db } from '../db';
import type { Prisma } from '../db/generated/client';
import type { ExportFormat } from '../formats/export';
import { ArtifactError, type ArtifactStore } from '../storage/types';
import { runTask, transferable } from '../workers';
import { ageRangeWarnings } from './age-range';
import { recordAudit } from './audit';
import { getModelExport } from './exports';
import type { ExportCheckInput } from './validation-checks';
import { jsonClone } from '../json-clone';

export { EXPECTED_INPUT_DIM, ONNX_PARITY_TOLERANCE, summariseErrors } from './validation-checks';

export type ValidationResult = {
  is_valid: boolean;
  errors: string[];
  warnings: string[];
  compatibility_checks: Record<string, unknown>;
  integrity_checks: Record<string, unknown>;
  performance_checks: Record<string, unknown>;
};

/** Bytes from the store, or the reason they are not there (a missing or altered artifact). */
async function bytesOrError(store: ArtifactStore, sha256: string): Promise<{ bytes: Uint8Array } | { error: string }> {
  try {
    return { bytes: transferable(await store.get(sha256)) };
  } catch (e) {
    if (!(e instanceof ArtifactError)) throw e;
    return { error: e.message };
  }
}

/**
 * validate_exported_model: re-verifies the artifact's checksum from the store, parses it with our
 * own readers, checks it against its recorded metadata and the serving contract, runs ONNX in
 * onnxruntime-node against the forward pass of the source weights, and checks parity with the
 * other formats exported from the same source. Problems with the model become `is_valid: false`
 * with reasons; only internal failures throw. Persisted as a ValidationRun. The work over bytes
 * runs in task workers (validation-checks.ts), one model at a time.
 */
export async function validateExportedModel(db: Db, store: ArtifactStore, actor: Actor, modelId: string) {
  requirePermission(actor, 'models.validate');
  const exp = await getModelExport(db, actor, modelId);
  const errors: string[] = [];
  const warnings: string[] = [];
  const integrity: Record<string, unknown> = { stored_checksum: exp.checksum };
  const compatibility: Record<string, unknown> = {};
  const performance: Record<string, unknown> = {};
  const format = exp.exportFormat as ExportFormat;
  const job = exp.trainingJobId
    ? await db.trainingJob.findUnique({
        where: { id: exp.trainingJobId },
        select: { id: true, validationSha256: true, ageGroupMin: true, ageGroupMax: true },
      })
    : null;
  // The ages first: a model serving other ages than it learned is what a reviewer must weigh first.
  warnings.push(...ageRangeWarnings(exp, job));

  // 1. The bytes: present, unchanged, the recorded size.
  const artifact = await bytesOrError(store, exp.checksum);
  if ('bytes' in artifact) {
    integrity.checksum_verified = true;
    integrity.file_size_matches = artifact.bytes.byteLength === Number(exp.fileSizeBytes);
    if (!integrity.file_size_matches)
      errors.push(`file size ${artifact.bytes.byteLength} differs from the recorded ${exp.fileSizeBytes}`);
  } else {
    integrity.checksum_verified = false;
    errors.push(artifact.error);
  }

  // 2, 3 and 5 (parse, metadata, source parity, onnxruntime, validation set) in a worker.
  let digest: string | null = null;
  let vsWarnings: string[] = [];
  let vsSummary: Record<string, unknown> | null = null;
  if ('bytes' in artifact) {
    let validationSet: ExportCheckInput['validationSet'] = null;
    if (exp.trainingJobId) {
      validationSet = job?.validationSha256 ? await bytesOrError(store, job.validationSha256) : 'none';
    }
    const source = exp.sourceChecksum ? await bytesOrError(store, exp.sourceChecksum) : null;
    const r = await runTask('checkExport', {
      bytes: artifact.bytes,
      format,
      recorded: {
        architectureHash: exp.architectureHash,
        parameterCount: exp.parameterCount,
        outputDimension: exp.outputDimension,
        modelType: exp.modelType,
        compatibilityVersion: exp.compatibilityVersion,
      },
      source,
      validationSet,
    });
    errors.push(...r.errors);
    warnings.push(...r.warnings);
    Object.assign(integrity, r.integrity);
    Object.assign(compatibility, r.compatibility);
    Object.assign(performance, r.performance);
    digest = r.digest;
    vsWarnings = r.validationSetWarnings;
    vsSummary = r.validationSetSummary;
  } else if (exp.sourceChecksum) {
    // Nothing to compare, but whether the source still reads is worth recording.
    const source = await bytesOrError(store, exp.sourceChecksum);
    const read =
      'bytes' in source ? await runTask('weightsDigest', { bytes: source.bytes, format: 'pytorch' }) : source;
    integrity.source_checksum_verified = !('error' in read);
    if ('error' in read)
      warnings.push(`the source checkpoint could not be re-read (${read.error}); parity was not checked`);
  }

  // 4. Parity across the formats exported from the same source (one sibling in memory at a time).
  if (digest && exp.sourceChecksum) {
    const siblings = await db.modelExport.findMany({
      where: { sourceChecksum: exp.sourceChecksum, id: { not: exp.id } },
      orderBy: { exportTimestamp: 'desc' },
      take: 12,
    });
    const parity = [];
    for (const s of siblings) {
      try {
        const other = await runTask('weightsDigest', {
          bytes: transferable(await store.get(s.checksum)),
          format: s.exportFormat as ExportFormat,
        });
        if ('error' in other)
          parity.push({
            model_id: s.modelId,
            export_format: s.exportFormat,
            identical_weights: false,
            error: other.error,
          });
        else
          parity.push({
            model_id: s.modelId,
            export_format: s.exportFormat,
            identical_weights: other.digest === digest,
          });
      } catch (e) {
        parity.push({
          model_id: s.modelId,
          export_format: s.exportFormat,
          identical_weights: false,
          error: (e as Error).message,
        });
      }
    }
    performance.format_parity = parity;
    const broken = parity.filter((p) => !p.identical_weights);
    if (broken.length)
      warnings.push(
        `weights differ from sibling export(s) ${broken.map((p) => p.model_id).join(', ')} of the same source`,
      );
  }

  // 5. Behaviour on the training job's validation set (computed above, reported last).
  if (vsSummary) performance.validation_set = vsSummary;
  warnings.push(...vsWarnings);

  const result: ValidationResult = {
    is_valid: errors.length === 0,
    errors,
    warnings,
    compatibility_checks: compatibility,
    integrity_checks: integrity,
    performance_checks: performance,
  };
  const run = await db.$transaction(async (tx) => {
    const row = await tx.validationRun.create({
      data: {
        modelExportId: exp.id,
        artifactSha256: exp.checksum,
        isValid: result.is_valid,
        errors: result.errors,
        warnings: result.warnings,
        compatibilityChecks: jsonClone<Prisma.InputJsonValue>(result.compatibility_checks),
        integrityChecks: jsonClone<Prisma.InputJsonValue>(result.integrity_checks),
        performanceChecks: jsonClone<Prisma.InputJsonValue>(result.performance_checks),
        createdById: actor.via === 'system' ? null : actor.id,
      },
    });
    await recordAudit(tx, actor, {
      action: 'model.validate',
      subjectType: 'model_export',
      subjectId: exp.modelId,
      after: { validationRunId: row.id, isValid: result.is_valid, errors: result.errors.length },
    });
    return row;
  });
  countEvent('validation', { outcome: result.is_valid ? 'valid' : 'invalid' });
  return { ...result, model_id: exp.modelId, validation_run_id: run.id, validated_at: run.createdAt.toISOString() };
}

/** A model's validation runs, newest first, with who ran each. */
export async function listValidationRuns(db: Db, actor: Actor, modelExportId: string, take = 20) {
  requirePermission(actor, 'models.read');
  return db.validationRun.findMany({
    where: { modelExportId },
    orderBy: { createdAt: 'desc' },
    take,
    include: { createdBy: { select: { name: true } } },
  });
}
