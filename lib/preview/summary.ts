/**
 * The preview summary a reviewer attaches to their review: pure, so the browser that computes it
 * and the server that checks it (lib/registry/review-previews.ts) share one definition.
 */
import type { RunResult } from './protocol';
import type { ThresholdChoice } from './stats';

function median(values: number[]): number | null {
  if (!values.length) return null;
  const s = [...values].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * What a reviewer vouches for: the numbers this browser computed on these exact bytes. Bound to
 * the candidate's SHA-256, so it cannot be reused for other bytes.
 */
export function previewSummary(result: RunResult, threshold: ThresholdChoice, productionThreshold: number | null) {
  const { samples, candidate, production, backend } = result;
  const errs = Array.from(candidate.errors);
  const labels = samples.isAnomaly;
  const flagged = errs.map((e) => e > threshold.value);
  const prodFlagged =
    production && productionThreshold !== null ? Array.from(production.errors, (e) => e > productionThreshold) : null;
  const flips = prodFlagged ? flagged.map((f, i) => (f !== prodFlagged[i] ? i : -1)).filter((i) => i >= 0) : [];
  return {
    model_id: candidate.modelId,
    artifact_sha256: candidate.sha256,
    backend: backend.name,
    threads: backend.threads,
    samples: samples.count,
    sample_source: samples.source,
    threshold: threshold.value,
    threshold_basis: threshold.label,
    flagged: flagged.filter(Boolean).length,
    anomalies_labelled: labels ? labels.reduce((n, v) => n + v, 0) : null,
    anomalies_flagged: labels ? flagged.filter((f, i) => f && labels[i]).length : null,
    normal_error_median: median(errs.filter((_, i) => !labels?.[i])),
    anomalous_error_median: labels ? median(errs.filter((_, i) => labels[i])) : null,
    production: production
      ? {
          model_id: production.modelId,
          artifact_sha256: production.sha256,
          flagged: prodFlagged?.filter(Boolean).length ?? null,
          flips: flips.slice(0, 200),
          flip_count: flips.length,
        }
      : null,
    computed_at: new Date().toISOString(),
  };
}
