import type { Actor } from '../auth/permissions';
import { requirePermission } from '../auth/permissions';
import type { Db } from '../db';
import type { Prisma } from '../db/generated/client';
import { architectureHash, parameterCount } from '../formats/architecture';
import { isModelDeploymentError } from '../formats/errors';
import type { ExportFormat } from '../formats/export';
import { forward, reconstructionErrors } from '../formats/forward';
import { readOnnx } from '../formats/onnx';
import { readAutoencoderArtifact, sameWeights } from '../formats/read-artifact';
import type { Autoencoder } from '../formats/types';
import { quantile, readValidationSet } from '../formats/validation-set';
import { ArtifactError, type ArtifactStore } from '../storage/types';
import { recordAudit } from './audit';
import { getModelExport, parseCheckpoint } from './exports';
import { runOnnx } from './onnx-runtime';

/** The drawing-embedding pipeline feeds 768 visual + 64 subject dimensions. */
export const EXPECTED_INPUT_DIM = 832;
/** onnxruntime vs the forward pass from the source weights, relative to the output's scale. */
export const ONNX_PARITY_TOLERANCE = 1e-4;
const PROBE_BATCH = 32;

export type ValidationResult = {
  is_valid: boolean;
  errors: string[];
  warnings: string[];
  compatibility_checks: Record<string, unknown>;
  integrity_checks: Record<string, unknown>;
  performance_checks: Record<string, unknown>;
};

/**
 * validate_exported_model: re-verifies the artifact's checksum from the store, parses it with our
 * own readers, checks it against its recorded metadata and the serving contract, runs ONNX in
 * onnxruntime-node against the forward pass of the source weights, and checks parity with the
 * other formats exported from the same source. Problems with the model become `is_valid: false`
 * with reasons; only internal failures throw. Persisted as a ValidationRun.
 */
export async function validateExportedModel(db: Db, store: ArtifactStore, actor: Actor, modelId: string) {
  requirePermission(actor, 'models.validate');
  const exp = await getModelExport(db, actor, modelId);
  const errors: string[] = [];
  const warnings: string[] = [];
  const integrity: Record<string, unknown> = { stored_checksum: exp.checksum };
  const compatibility: Record<string, unknown> = {};
  const performance: Record<string, unknown> = {};

  // 1. The bytes: present, unchanged, the recorded size.
  let bytes: Uint8Array | null = null;
  try {
    bytes = await store.get(exp.checksum);
    integrity.checksum_verified = true;
    integrity.file_size_matches = bytes.byteLength === Number(exp.fileSizeBytes);
    if (!integrity.file_size_matches) errors.push(`file size ${bytes.byteLength} differs from the recorded ${exp.fileSizeBytes}`);
  } catch (e) {
    if (!(e instanceof ArtifactError)) throw e;
    integrity.checksum_verified = false;
    errors.push(e.message);
  }

  // 2. Parsed by our own reader, and consistent with its metadata.
  let ae: Autoencoder | null = null;
  if (bytes) {
    try {
      ae = readAutoencoderArtifact(bytes, exp.exportFormat as ExportFormat);
      integrity.parsed = true;
    } catch (e) {
      if (!isModelDeploymentError(e)) throw e;
      integrity.parsed = false;
      errors.push(`the ${exp.exportFormat} artifact does not parse: ${e.message} (${e.code})`);
    }
  }
  if (ae) {
    const arch = ae.architecture;
    integrity.architecture_hash_matches = architectureHash(arch) === exp.architectureHash;
    integrity.parameter_count_matches = parameterCount(arch) === exp.parameterCount;
    if (!integrity.architecture_hash_matches) errors.push('the artifact’s architecture hash differs from its metadata');
    if (!integrity.parameter_count_matches) errors.push(`parameter count ${parameterCount(arch)} differs from the recorded ${exp.parameterCount}`);
    compatibility.architecture = { input_dim: arch.inputDim, hidden_dims: arch.hiddenDims, model_type: 'autoencoder' };
    compatibility.input_dimension = arch.inputDim;
    compatibility.expected_input_dimension = EXPECTED_INPUT_DIM;
    compatibility.input_dimension_ok = arch.inputDim === EXPECTED_INPUT_DIM;
    compatibility.output_dimension_ok = exp.outputDimension === arch.inputDim;
    if (!compatibility.input_dimension_ok) {
      errors.push(`input dimension ${arch.inputDim} does not match the ${EXPECTED_INPUT_DIM}-dimensional drawing embeddings (768 visual + 64 subject)`);
    }
    compatibility.model_type_ok = exp.modelType === 'autoencoder';
    compatibility.compatibility_version = exp.compatibilityVersion;
    if (ae.notes.length) warnings.push(...ae.notes);
    if (exp.exportFormat === 'onnx' && bytes) {
      const model = readOnnx(bytes);
      compatibility.onnx_opset = model.opset;
      const dim0 = model.inputs[0]?.shape?.[0];
      compatibility.onnx_symbolic_batch = typeof dim0 === 'string';
      if (!compatibility.onnx_symbolic_batch) warnings.push('the ONNX input has a fixed batch dimension');
    }
  }

  // 3. Against the source weights: the forward pass they define is the reference.
  let source: Autoencoder | null = null;
  if (exp.sourceChecksum) {
    try {
      source = parseCheckpoint(await store.get(exp.sourceChecksum));
      integrity.source_checksum_verified = true;
    } catch (e) {
      if (!(e instanceof ArtifactError) && !isModelDeploymentError(e)) throw e;
      integrity.source_checksum_verified = false;
      warnings.push(`the source checkpoint could not be re-read (${(e as Error).message}); parity was not checked`);
    }
  }
  if (ae && source) {
    integrity.weights_match_source = sameWeights(ae, source);
    if (!integrity.weights_match_source) errors.push('the exported weights differ from the source checkpoint’s');
    const dim = ae.architecture.inputDim;
    const probe = probeBatch(PROBE_BATCH, dim);
    const reference = forward(source, probe, PROBE_BATCH);
    performance.probe_batch_size = PROBE_BATCH;
    if (exp.exportFormat === 'onnx' && bytes) {
      try {
        const { output, ms } = await runOnnx(bytes, probe, PROBE_BATCH, dim);
        const diff = compare(output, reference);
        Object.assign(performance, {
          onnxruntime: 'onnxruntime-node',
          onnxruntime_max_abs_diff: diff.maxAbs,
          onnxruntime_max_rel_diff: diff.maxRel,
          onnxruntime_tolerance: ONNX_PARITY_TOLERANCE,
          onnxruntime_ok: diff.maxRel <= ONNX_PARITY_TOLERANCE,
          inference_ms: round(ms, 3),
          inference_ms_per_sample: round(ms / PROBE_BATCH, 5),
        });
        if (!performance.onnxruntime_ok) {
          errors.push(`onnxruntime output differs from the source forward pass by ${diff.maxRel.toExponential(2)} (relative; tolerance ${ONNX_PARITY_TOLERANCE})`);
        }
      } catch (e) {
        performance.onnxruntime_ok = false;
        errors.push(`onnxruntime-node could not run the model: ${(e as Error).message}`);
      }
    } else {
      const diff = compare(forward(ae, probe, PROBE_BATCH), reference);
      Object.assign(performance, { forward_max_abs_diff: diff.maxAbs, forward_max_rel_diff: diff.maxRel });
    }
  }

  // 4. Parity across the formats exported from the same source.
  if (ae && exp.sourceChecksum) {
    const siblings = await db.modelExport.findMany({
      where: { sourceChecksum: exp.sourceChecksum, id: { not: exp.id } },
      orderBy: { exportTimestamp: 'desc' },
      take: 12,
    });
    const parity = [];
    for (const s of siblings) {
      try {
        const other = readAutoencoderArtifact(await store.get(s.checksum), s.exportFormat as ExportFormat);
        parity.push({ model_id: s.modelId, export_format: s.exportFormat, identical_weights: sameWeights(ae, other) });
      } catch (e) {
        parity.push({ model_id: s.modelId, export_format: s.exportFormat, identical_weights: false, error: (e as Error).message });
      }
    }
    performance.format_parity = parity;
    const broken = parity.filter((p) => !p.identical_weights);
    if (broken.length) warnings.push(`weights differ from sibling export(s) ${broken.map((p) => p.model_id).join(', ')} of the same source`);
  }

  // 5. Behaviour on the training job's validation set, when there is one.
  if (ae && exp.trainingJobId) {
    const job = await db.trainingJob.findUnique({ where: { id: exp.trainingJobId }, select: { validationSha256: true } });
    if (job?.validationSha256) {
      try {
        const vs = readValidationSet(await store.get(job.validationSha256));
        if (vs.dim === ae.architecture.inputDim) performance.validation_set = summariseErrors(reconstructionErrors(ae, vs.embeddings, vs.count), vs.isAnomaly);
        else warnings.push(`the validation set has ${vs.dim} dimensions; the model takes ${ae.architecture.inputDim}`);
      } catch (e) {
        if (!(e instanceof ArtifactError) && !isModelDeploymentError(e)) throw e;
        warnings.push(`the validation set could not be read: ${(e as Error).message}`);
      }
    } else {
      warnings.push('the training job has no validation set; the deployment threshold cannot be derived from data');
    }
  }

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
        compatibilityChecks: json(result.compatibility_checks),
        integrityChecks: json(result.integrity_checks),
        performanceChecks: json(result.performance_checks),
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
  return { ...result, model_id: exp.modelId, validation_run_id: run.id, validated_at: run.createdAt.toISOString() };
}

/** Reconstruction-error statistics, split by the set's labels when it has them. */
export function summariseErrors(errs: Float32Array, isAnomaly: Uint8Array | null) {
  const normal = isAnomaly ? Array.from(errs).filter((_, i) => !isAnomaly[i]) : Array.from(errs);
  const anomalous = isAnomaly ? Array.from(errs).filter((_, i) => isAnomaly[i]) : [];
  const p95 = quantile(normal, 0.95);
  return {
    samples: errs.length,
    normal_samples: normal.length,
    anomalous_samples: anomalous.length,
    normal_error_median: round(quantile(normal, 0.5), 8),
    anomalous_error_median: anomalous.length ? round(quantile(anomalous, 0.5), 8) : null,
    normal_error_p95: round(p95, 8),
    anomalies_above_p95: anomalous.filter((e) => e > p95).length,
  };
}

/** A deterministic probe batch (xorshift) spanning the scale of real embeddings. */
function probeBatch(batch: number, dim: number): Float32Array {
  const out = new Float32Array(batch * dim);
  let s = 0x9e3779b9;
  for (let i = 0; i < out.length; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = ((s >>> 0) / 0xffffffff - 0.5) * 0.2;
  }
  return out;
}

function compare(actual: Float32Array, expected: Float32Array) {
  let maxAbs = 0;
  let scale = 0;
  for (let i = 0; i < expected.length; i++) {
    maxAbs = Math.max(maxAbs, Math.abs(actual[i] - expected[i]));
    scale = Math.max(scale, Math.abs(expected[i]));
  }
  return { maxAbs, maxRel: scale > 0 ? maxAbs / scale : maxAbs };
}

function round(v: number, digits: number) {
  return Number.isFinite(v) ? Number(v.toPrecision(digits)) : v;
}

function json(v: unknown): Prisma.InputJsonValue {
  return JSON.parse(JSON.stringify(v)) as Prisma.InputJsonValue;
}
