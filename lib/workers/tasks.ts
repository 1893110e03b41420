/**
 * The tasks a worker runs (lib/workers/pool.ts loads this module in each worker). Each takes
 * plain data with bytes and returns plain data; typed errors (ModelValidationError, …) cross
 * back with their code. Nothing here touches the database or the store: the caller fetches the
 * bytes and records the outcome.
 */
import { ModelCompatibilityError, isModelDeploymentError, unreadableError } from '../formats/errors';
import type { ExportFormat, ExportMetadata } from '../formats/export';
import { exportAutoencoder } from '../formats/export-write';
import { meanSquaredErrors, reconstructionErrors } from '../formats/forward';
import { writeOnnx } from '../formats/onnx-write';
import { readAutoencoderArtifact } from '../formats/read-artifact';
import type { Autoencoder } from '../formats/types';
import { quantile, readValidationSet } from '../formats/validation-set';
import { runOnnx } from '../registry/onnx-runtime';
import { parseCheckpoint as parse, parseTrainingCheckpoint } from '../registry/parse-checkpoint';
import { checkExportArtifact, weightsDigestOf, type ExportCheckInput } from '../registry/validation-checks';

/** A reader tripping over hostile bytes is still a refusal of those bytes, not a server fault. */
function readOrRefuse<T>(what: 'checkpoint' | 'validation set', fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (isModelDeploymentError(e)) throw e;
    console.error(`${what} reader failed`, e);
    throw unreadableError(what, `the ${what} could not be read: ${(e as Error).message}`);
  }
}

export function parseCheckpoint({ bytes }: { bytes: Uint8Array }): Autoencoder {
  return parse(bytes);
}

/**
 * The uploaded checkpoint parses as the autoencoder, and the validation set (if any) as its input;
 * with the age range its training_config names (the job records it).
 */
export function checkTrainingArtifacts({
  checkpoint,
  validationSet,
}: {
  checkpoint: Uint8Array;
  validationSet?: Uint8Array;
}) {
  const { ae, trainingAgeRange } = readOrRefuse('checkpoint', () => parseTrainingCheckpoint(checkpoint));
  const inputDim = ae.architecture.inputDim;
  if (validationSet) {
    const vs = readOrRefuse('validation set', () => readValidationSet(validationSet));
    if (vs.dim !== inputDim) {
      throw new ModelCompatibilityError(
        'validation_set_dimension_mismatch',
        `the validation set's embeddings have ${vs.dim} dimensions; the checkpoint's model takes ${inputDim}`,
        { field: 'validation_set' },
      );
    }
  }
  return { architecture: ae.architecture, notes: ae.notes, trainingAgeRange };
}

export function writeExport({
  ae,
  format,
  metadata,
}: {
  ae: Autoencoder;
  format: ExportFormat;
  metadata: ExportMetadata;
}) {
  return exportAutoencoder(ae, format, metadata);
}

export function checkExport(input: ExportCheckInput) {
  return checkExportArtifact(input);
}

/** The artifact's weights digest, or why it does not parse (parity with sibling exports). */
export function weightsDigest({
  bytes,
  format,
}: {
  bytes: Uint8Array;
  format: ExportFormat;
}): { digest: string } | { error: string } {
  try {
    return { digest: weightsDigestOf(readAutoencoderArtifact(bytes, format)) };
  } catch (e) {
    if (!isModelDeploymentError(e)) throw e;
    return { error: e.message };
  }
}

/** The `percentile` of the normal samples' reconstruction errors on the validation set. */
export function computeThreshold({
  validationSet,
  artifact,
  format,
  percentile,
}: {
  validationSet: Uint8Array;
  artifact: Uint8Array;
  format: ExportFormat;
  percentile: number;
}) {
  const vs = readValidationSet(validationSet);
  const ae = readAutoencoderArtifact(artifact, format);
  if (vs.dim !== ae.architecture.inputDim) {
    throw new ModelCompatibilityError(
      'validation_set_dimension_mismatch',
      `validation set has ${vs.dim} dimensions; the model takes ${ae.architecture.inputDim}`,
    );
  }
  const errs = reconstructionErrors(ae, vs.embeddings, vs.count);
  const normal = vs.isAnomaly ? Array.from(errs).filter((_, i) => !vs.isAnomaly![i]) : Array.from(errs);
  const threshold = quantile(normal, percentile / 100);
  return {
    threshold,
    normalSamples: normal.length,
    samples: vs.count,
    labelled: vs.isAnomaly !== null,
    flagged: Array.from(errs).filter((e) => e > threshold).length,
  };
}

/** The artifact on the validation set through onnxruntime-node (non-ONNX converted with writeOnnx first). */
export async function reconstruction({
  artifact,
  format,
  validationSet,
  modelId,
}: {
  artifact: Uint8Array;
  format: ExportFormat;
  validationSet: Uint8Array;
  modelId: string;
}) {
  const ae = readAutoencoderArtifact(artifact, format);
  const vs = readValidationSet(validationSet);
  const dim = ae.architecture.inputDim;
  if (vs.dim !== dim) {
    throw new ModelCompatibilityError(
      'validation_set_dimension_mismatch',
      `the validation set has ${vs.dim} dimensions; the model takes ${dim}`,
    );
  }
  const onnx = format === 'onnx' ? artifact : writeOnnx(ae, { metadata: { model_id: modelId } });
  const { output, ms } = await runOnnx(onnx, vs.embeddings, vs.count, dim);
  return {
    samples: vs.count,
    errors: meanSquaredErrors(vs.embeddings, output, vs.count, dim),
    isAnomaly: vs.isAnomaly,
    ms,
  };
}
