/** Wire shapes of GET /api/v1/training/models/compare: two exports on one validation set. */
import { z } from 'zod';
import { exportFormat, sha256 } from './common';
import type { PathTable } from './operation';

const modelIdParam = (which: string) =>
  z
    .string({ message: `name model ${which} by its model_id (?${which.toLowerCase()}=…)` })
    .min(1)
    .max(200);

export const compareQuery = z.object({
  a: modelIdParam('A').describe('Model A: its training job’s validation set is the one both run on'),
  b: modelIdParam('B').describe('Model B'),
});

const side = z.object({
  model_id: z.string(),
  name: z.string().describe('Readable name: job name · ages · format'),
  export_format: exportFormat(),
  errors: z.array(z.number()).describe('Mean squared reconstruction error per sample, in file order'),
  threshold: z.number().describe('The threshold this model flags with'),
  threshold_source: z
    .enum(['deployment', 'p95-normal', 'p95-all'])
    .describe('deployment: its deployment threshold; else the 95th percentile of its errors on this set'),
  threshold_label: z.string(),
  flagged: z.int().describe('Samples above its threshold'),
});

export const modelComparisonResponse = z.object({
  validation_set_sha256: sha256('The validation set both models ran on'),
  validation_set_of: z.enum(['a', 'b']).describe("Whose training job's set it is (A's unless A has none)"),
  validation_set_note: z.string(),
  samples: z.int(),
  a: side,
  b: side,
  max_abs_difference: z.number().describe('Largest |error A − error B| over the samples'),
  flips: z
    .array(z.object({ index: z.int(), flagged_by: z.enum(['a', 'b']) }))
    .describe('Samples exactly one model flags under its own threshold, ascending'),
  backend: z.literal('onnxruntime-node'),
});

export const compareSchemas = { ModelComparison: modelComparisonResponse };

export const comparePaths: PathTable = {
  '/api/v1/training/models/compare': {
    get: {
      operationId: 'compareModels',
      summary: "Two exports on A's validation set through onnxruntime-node: per-sample errors and flips",
      description:
        'The server reference for the compare page. Each model flags with its deployment threshold when deployed, else the 95th percentile of its errors on the set. Models of different input dimension are refused (422).',
      tag: 'models',
      permission: 'models.read',
      query: compareQuery,
      responses: { '200': { schema: 'ModelComparison' } },
      errors: [400, 404, 409, 422, 503],
    },
  },
};
