/**
 * The shape of an attached preview summary (lib/preview/summary.ts builds it): what the server
 * accepts before it recomputes the numbers. Unknown fields pass (the browser may add timings), the
 * ones the server checks must be there and be finite.
 */
import { z } from 'zod';
import { DIGEST_QUANTILES, PREVIEW_SUMMARY_VERSION } from './summary';

const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'a SHA-256 in lowercase hex');
const finite = z.number().refine(Number.isFinite, 'a finite number');
const count = z.int().nonnegative();

export const previewSummarySchema = z.looseObject({
  summary_version: z.literal(PREVIEW_SUMMARY_VERSION, {
    message: `summary_version ${PREVIEW_SUMMARY_VERSION} (a summary from an older preview: run the preview again)`,
  }),
  model_id: z.string().optional(),
  artifact_sha256: sha256,
  validation_set_sha256: sha256.nullable(),
  backend: z.enum(['webgpu', 'wasm']),
  threads: z.int().min(1).max(1024),
  sample_source: z.enum(['validation-set', 'file']).optional(),
  threshold_source: z.enum(['deployment', 'p95-normal', 'p95-all']),
  threshold_basis: z.string().max(300).optional(),
  samples: count,
  threshold: finite,
  flagged: count,
  anomalies_labelled: count.nullable(),
  anomalies_flagged: count.nullable(),
  error_median: finite.nullable(),
  error_p95: finite.nullable(),
  normal_error_median: finite.nullable(),
  anomalous_error_median: finite.nullable(),
  digest: z.object({
    count,
    sum: finite,
    sum_squares: finite,
    min: finite,
    max: finite,
    deciles: z.array(finite).max(DIGEST_QUANTILES.length),
  }),
});

export type CheckedPreviewSummary = z.infer<typeof previewSummarySchema>;
