/**
 * The heavy half of validate_exported_model: pure work over bytes (parse with our own readers,
 * the forward pass, onnxruntime-node, the validation set). It runs in a task worker
 * (lib/workers/tasks.ts); validate.ts fetches the bytes, runs it, and records the result.
 */
import 'server-only';
import { createHash } from 'node:crypto';
import { architectureHash, parameterCount } from '../formats/architecture';
import { isModelDeploymentError } from '../formats/errors';
import type { ExportFormat } from '../formats/export';
import { forward, reconstructionErrors } from '../formats/forward';
import { readOnnx } from '../formats/onnx';
import { readAutoencoderArtifact, sameWeights } from '../formats/read-artifact';
import type { Autoencoder } from '../formats/types';
import { quantile, readValidationSet } from '../formats/validation-set';
import { parseCheckpoint } from './parse-checkpoint';
import { runOnnx } from './onnx-runtime';

/** The drawing-embedding pipeline feeds 768 visual + 64 subject dimensions. */
export const EXPECTED_INPUT_DIM = 832;
/** onnxruntime vs the forward pass from the source weights, relative to the output's scale. */
export const ONNX_PARITY_TOLERANCE = 1e-4;
const PROBE_BATCH = 32;

export type ExportCheckInput = {
  bytes: Uint8Array;
  format: ExportFormat;
  recorded: {
    architectureHash: string;
    parameterCount: number;
    outputDimension: number;
    modelType: string;
    compatibilityVersion: string;
  };
  /** The source checkpoint's bytes, or why they could not be read; null when the export has none. */
  source: { bytes: Uint8Array } | { error: string } | null;
  /** The training job's validation set, why it could not be read, 'none' when the job has none, null for direct exports. */
  validationSet: { bytes: Uint8Array } | { error: string } | 'none' | null;
};

export type ExportCheckResult = {
  parsed: boolean;
  errors: string[];
  warnings: string[];
  /** Warnings about the validation set, which the result lists after the sibling-parity ones. */
  validationSetWarnings: string[];
  integrity: Record<string, unknown>;
  compatibility: Record<string, unknown>;
  performance: Record<string, unknown>;
  validationSetSummary: Record<string, unknown> | null;
  /** weightsDigest of the parsed artifact, for parity with sibling exports; null if it did not parse. */
  digest: string | null;
};

/** Steps 2, 3 and 5 of validation (see validate.ts), over bytes only. */
export async function checkExportArtifact(x: ExportCheckInput): Promise<ExportCheckResult> {
  const r: ExportCheckResult = {
    parsed: false,
    errors: [],
    warnings: [],
    validationSetWarnings: [],
    integrity: {},
    compatibility: {},
    performance: {},
    validationSetSummary: null,
    digest: null,
  };
  const { errors, warnings, integrity, compatibility, performance } = r;

  // 2. Parsed by our own reader, and consistent with its metadata.
  let ae: Autoencoder | null = null;
  try {
    ae = readAutoencoderArtifact(x.bytes, x.format);
    integrity.parsed = r.parsed = true;
  } catch (e) {
    if (!isModelDeploymentError(e)) throw e;
    integrity.parsed = false;
    errors.push(`the ${x.format} artifact does not parse: ${e.message} (${e.code})`);
  }
  if (ae) {
    r.digest = weightsDigestOf(ae);
    const arch = ae.architecture;
    integrity.architecture_hash_matches = architectureHash(arch) === x.recorded.architectureHash;
    integrity.parameter_count_matches = parameterCount(arch) === x.recorded.parameterCount;
    if (!integrity.architecture_hash_matches) errors.push('the artifact’s architecture hash differs from its metadata');
    if (!integrity.parameter_count_matches)
      errors.push(`parameter count ${parameterCount(arch)} differs from the recorded ${x.recorded.parameterCount}`);
    compatibility.architecture = { input_dim: arch.inputDim, hidden_dims: arch.hiddenDims, model_type: 'autoencoder' };
    compatibility.input_dimension = arch.inputDim;
    compatibility.expected_input_dimension = EXPECTED_INPUT_DIM;
    compatibility.input_dimension_ok = arch.inputDim === EXPECTED_INPUT_DIM;
    compatibility.output_dimension_ok = x.recorded.outputDimension === arch.inputDim;
    if (!compatibility.input_dimension_ok) {
      errors.push(
        `input dimension ${arch.inputDim} does not match the ${EXPECTED_INPUT_DIM}-dimensional drawing embeddings (768 visual + 64 subject)`,
      );
    }
    compatibility.model_type_ok = x.recorded.modelType === 'autoencoder';
    compatibility.compatibility_version = x.recorded.compatibilityVersion;
    if (ae.notes.length) warnings.push(...ae.notes);
    if (x.format === 'onnx') {
      const model = readOnnx(x.bytes);
      compatibility.onnx_opset = model.opset;
      const dim0 = model.inputs[0]?.shape?.[0];
      compatibility.onnx_symbolic_batch = typeof dim0 === 'string';
      if (!compatibility.onnx_symbolic_batch) warnings.push('the ONNX input has a fixed batch dimension');
    }
  }

  // 3. Against the source weights: the forward pass they define is the reference.
  let source: Autoencoder | null = null;
  if (x.source) {
    const unreadable = (why: string) => {
      integrity.source_checksum_verified = false;
      warnings.push(`the source checkpoint could not be re-read (${why}); parity was not checked`);
    };
    if ('error' in x.source) unreadable(x.source.error);
    else {
      try {
        source = parseCheckpoint(x.source.bytes);
        integrity.source_checksum_verified = true;
      } catch (e) {
        if (!isModelDeploymentError(e)) throw e;
        unreadable(e.message);
      }
    }
  }
  if (ae && source) {
    integrity.weights_match_source = sameWeights(ae, source);
    if (!integrity.weights_match_source) errors.push('the exported weights differ from the source checkpoint’s');
    const dim = ae.architecture.inputDim;
    const probe = probeBatch(PROBE_BATCH, dim);
    const reference = forward(source, probe, PROBE_BATCH);
    performance.probe_batch_size = PROBE_BATCH;
    performance.probe_output_finite = reference.every(Number.isFinite);
    if (!performance.probe_output_finite) {
      errors.push(
        'the model’s output on a small probe batch is not finite (Infinity or NaN: its weights overflow float32), so it cannot score drawings (non_finite_output)',
      );
    }
    if (x.format === 'onnx') {
      try {
        const { output, ms } = await runOnnx(x.bytes, probe, PROBE_BATCH, dim);
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
          errors.push(
            `onnxruntime output differs from the source forward pass by ${diff.maxRel.toExponential(2)} (relative; tolerance ${ONNX_PARITY_TOLERANCE})`,
          );
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

  // 5. Behaviour on the training job's validation set, when there is one.
  const vs = x.validationSet;
  if (ae && vs === 'none') {
    r.validationSetWarnings.push(
      'the training job has no validation set; the deployment threshold cannot be derived from data',
    );
  } else if (ae && vs !== null && vs !== 'none') {
    if ('error' in vs) r.validationSetWarnings.push(`the validation set could not be read: ${vs.error}`);
    else {
      try {
        const set = readValidationSet(vs.bytes);
        if (set.dim === ae.architecture.inputDim) {
          const errs = reconstructionErrors(ae, set.embeddings, set.count);
          r.validationSetSummary = summariseErrors(errs, set.isAnomaly);
          const nonFinite = nonFiniteNormalErrors(errs, set.isAnomaly);
          r.validationSetSummary.non_finite_normal_errors = nonFinite;
          r.validationSetSummary.threshold_finite =
            nonFinite === 0 && Number.isFinite(r.validationSetSummary.normal_error_p95);
          // A threshold of Infinity flags nothing and NaN compares false with everything: refused
          // here, at validation, rather than at deploy (where PostgreSQL or the serving side would).
          if (!r.validationSetSummary.threshold_finite) {
            errors.push(
              `${nonFinite || 'some'} of the validation set's ${r.validationSetSummary.normal_samples} normal samples reconstruct to a non-finite error (overflow to Infinity or NaN: values or weights too large for float32), so no deployment threshold can be derived (non_finite_reconstruction)`,
            );
          }
        } else
          r.validationSetWarnings.push(
            `the validation set has ${set.dim} dimensions; the model takes ${ae.architecture.inputDim}`,
          );
      } catch (e) {
        if (!isModelDeploymentError(e)) throw e;
        r.validationSetWarnings.push(`the validation set could not be read: ${e.message}`);
      }
    }
  }
  return r;
}

/**
 * A digest that two autoencoders share exactly when `sameWeights` holds (architecture, layer
 * names, float32 bits): parity across sibling exports without holding two models at once.
 */
export function weightsDigestOf(ae: Autoencoder): string {
  const h = createHash('sha256');
  h.update(JSON.stringify([ae.architecture.inputDim, ae.architecture.hiddenDims, ae.layers.map((l) => l.name)]));
  for (const l of ae.layers) {
    h.update(new Uint8Array(l.weight.buffer, l.weight.byteOffset, l.weight.byteLength));
    h.update(new Uint8Array(l.bias.buffer, l.bias.byteOffset, l.bias.byteLength));
  }
  return h.digest('hex');
}

/** Normal samples (all, without labels) whose reconstruction error is Infinity or NaN. */
export function nonFiniteNormalErrors(errs: Float32Array, isAnomaly: Uint8Array | null): number {
  let n = 0;
  for (let i = 0; i < errs.length; i++) if ((!isAnomaly || !isAnomaly[i]) && !Number.isFinite(errs[i])) n++;
  return n;
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
