/**
 * The summary a browser would send, built from the server's reconstruction (the `/reconstruction`
 * route's JSON or lib/registry's computeServerReconstruction) through the same `previewSummary` the
 * model page uses. Pure. Tests attach it as a reviewer's browser would; the demo seed attaches it
 * for its reviewers (who run no browser), marked `computed_by: 'demo seed'`.
 */
import { chooseThreshold } from './stats';
import { previewSummary, type PreviewRun, type PreviewSummary } from './summary';

export type ReconstructionJson = {
  model_id: string;
  checksum: string;
  validation_set_sha256: string;
  errors: number[];
  is_anomaly: number[] | null;
};

export type TestSummaryOptions = {
  backend?: 'wasm' | 'webgpu';
  threads?: number;
  /** The export's deployment threshold, when it has one (the preview then flags at it). */
  deployment?: { value: number; environment: string; deploymentId: number; active: boolean } | null;
};

export function previewSummaryFromReconstruction(
  rec: ReconstructionJson,
  opts: TestSummaryOptions = {},
): PreviewSummary {
  const errors = Float64Array.from(rec.errors);
  const isAnomaly = rec.is_anomaly ? Uint8Array.from(rec.is_anomaly) : null;
  const result: PreviewRun = {
    backend: { name: opts.backend ?? 'wasm', threads: opts.threads ?? 1 },
    samples: { source: 'validation-set', sha256: rec.validation_set_sha256, count: errors.length, isAnomaly },
    candidate: { modelId: rec.model_id, sha256: rec.checksum, errors },
    production: null,
  };
  return previewSummary(result, chooseThreshold(errors, isAnomaly, opts.deployment ?? null), null);
}
