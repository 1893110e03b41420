/** Wire shapes of /api/v1/training/models/export*, exports, validate: the original's ModelExportMetadata. */
import { z } from 'zod';
import { EXPORT_ENVIRONMENTS, EXPORT_SORTS, ageRangeSchema, exportFromJobSchema } from '../../registry/exports';
import { pageParam, positiveIntParam } from '../params';
import { age, cappedTotal, dateTime, exportFormat, jsonObject, pageOf, sha256, snakeKeys } from './common';
import { artifactRequestHeaders, artifactResponses } from './artifacts';
import type { PathTable } from './operation';

const ages = snakeKeys(ageRangeSchema);
/** The age range of a request, with the registry's rules (2.0 ≤ min < max ≤ 18.0; the registry checks the order). */
export const ageRangeFields = {
  age_group_min: ages.shape.age_group_min.describe('Youngest age of the group, in years (2.0–18.0)'),
  age_group_max: ages.shape.age_group_max.describe('Oldest age of the group, in years (2.0–18.0)'),
};

export const exportRequest = snakeKeys(exportFromJobSchema.def.left).extend({
  ...ageRangeFields,
  export_format: exportFormat(),
});

export const directExportUpload = z.object({
  checkpoint: z.string().meta({ description: 'The PyTorch checkpoint', format: 'binary' }),
  model_info: z
    .string()
    .meta({
      description:
        'Optional JSON object: model_architecture {input_dim, hidden_dims, …} (checked against the weights), training_metrics',
      contentMediaType: 'application/json',
    })
    .optional(),
  ...ageRangeFields,
  export_format: exportFormat(),
});

/** An export made for other ages than its training job's, with the exporter's reason. */
export const ageRangeOverrideResponse = z
  .object({
    job_age_group_min: z.number().describe('Youngest age the training job was trained for'),
    job_age_group_max: z.number().describe('Oldest age the training job was trained for'),
    reason: z.string().describe("The exporter's written reason for serving other ages"),
  })
  .describe("Set when the export's ages differ from its training job's; null when they agree or the job had none");
export type AgeRangeOverrideResponse = z.infer<typeof ageRangeOverrideResponse>;

export const modelExportMetadataResponse = z
  .object({
    model_id: z.string().describe('autoencoder_{min}_{max}_{YYYYMMDD_HHMMSS}[_n]'),
    export_timestamp: dateTime(),
    training_job_id: z.int().describe('0 for a direct export'),
    model_type: z.literal('autoencoder'),
    model_version: z.string(),
    architecture_hash: z.string(),
    parameter_count: z.int(),
    input_dimension: z.int(),
    output_dimension: z.int(),
    age_group_min: z.number(),
    age_group_max: z.number(),
    training_metrics: jsonObject(),
    compatibility_version: z.string(),
    export_format: exportFormat(),
    file_size_bytes: z.int(),
    checksum: sha256('SHA-256 of the exported artifact'),
    age_range_override: ageRangeOverrideResponse.nullable(),
  })
  .describe("The original service's ModelExportMetadata.to_dict() (16 snake_case fields), plus age_range_override.");
export type ModelExportMetadataResponse = z.infer<typeof modelExportMetadataResponse>;

export const modelExportListResponse = pageOf('exports', modelExportMetadataResponse).extend({
  ...cappedTotal('exports'),
  next_cursor: z.string().nullable().describe('Pass as ?cursor for the next page; null on the last'),
  prev_cursor: z.string().nullable().describe('Pass as ?cursor for the previous page; null on the first'),
});

/** What a validation found: the original's ModelValidationResult fields. */
const validationFindings = {
  is_valid: z.boolean(),
  errors: z.array(z.string()),
  warnings: z.array(z.string()),
  compatibility_checks: jsonObject(),
  integrity_checks: jsonObject(),
  performance_checks: jsonObject(),
};

export const validationRunResponse = z.object({
  id: z.string(),
  artifact_sha256: sha256(),
  ...validationFindings,
  created_at: dateTime(),
  created_by: z.string().nullable(),
});
export type ValidationRunResponse = z.infer<typeof validationRunResponse>;

export const modelExportDetailResponse = z.intersection(
  modelExportMetadataResponse,
  z.object({
    export_path: z.string().describe('exports/models/<model_id>.<ext>: the name to deploy it by'),
    download_url: z.string().describe('Path of the download endpoint on this server'),
    validation_runs: z.array(validationRunResponse),
  }),
);
export type ModelExportDetailResponse = z.infer<typeof modelExportDetailResponse>;

/** Body (or query) of POST /api/v1/training/models/validate. */
export const validateRequest = z.object({
  model_id: z.string({ message: 'name the export to validate (model_id)' }).min(1).max(200),
});

export const validationResultResponse = z.object({
  ...validationFindings,
  model_id: z.string(),
  validation_run_id: z.string(),
  validated_at: dateTime(),
});

export const serverReconstructionResponse = z.object({
  model_id: z.string(),
  export_format: z.string(),
  checksum: sha256(),
  validation_set_sha256: sha256(),
  samples: z.int().describe('Number of validation samples'),
  errors: z.array(z.number()).describe('Mean squared reconstruction error per sample, in file order'),
  is_anomaly: z.array(z.int()).nullable().describe('The validation set’s labels (1 = anomalous); null when unlabelled'),
  backend: z.string().describe('Always onnxruntime-node'),
  converted_to_onnx: z.boolean().describe('The export was converted to ONNX for this run'),
  inference_ms: z.number(),
});

/**
 * Query of GET /api/v1/training/models/exports. The route bounds the paging (a page of 1e15 never
 * becomes a `skip` the database refuses); the registry validates the filters.
 */
export const exportListPaging = z.object({
  page: pageParam.optional(),
  page_size: positiveIntParam(200).optional(),
  cursor: z
    .string()
    .max(2000)
    .describe("A page's next_cursor or prev_cursor (same sort and filters): keyset paging, as fast at any depth")
    .optional(),
});
export const exportListQuery = exportListPaging.extend({
  page: pageParam.describe('Offset paging, ignored with cursor: its cost grows with the page number').default(1),
  page_size: positiveIntParam(200).default(25),
  age_group_min: age('Youngest').optional(),
  age_group_max: age('Oldest').optional(),
  export_format: exportFormat().optional(),
  training_job_id: z.int().describe('0 lists direct exports').optional(),
  environment: z
    .enum(EXPORT_ENVIRONMENTS)
    .describe('production / staging: actively deployed there; candidate: active in neither')
    .optional(),
  validation: z
    .enum(['valid', 'invalid', 'none'])
    .describe('Latest validation state; none: never validated')
    .optional(),
  sort: z
    .enum(EXPORT_SORTS)
    .describe('newest (default), oldest, age, size (largest first), params, name; -asc/-desc reverse the whole order')
    .optional(),
});

export const modelSchemas = {
  ExportRequest: exportRequest,
  DirectExportUpload: directExportUpload,
  ModelExportMetadata: modelExportMetadataResponse,
  ModelExportList: modelExportListResponse,
  ValidationRun: validationRunResponse,
  ModelExportDetail: modelExportDetailResponse,
  ValidateRequest: validateRequest,
  ValidationResult: validationResultResponse,
  ServerReconstruction: serverReconstructionResponse,
};

const modelIdPath = z.object({ model_id: z.string().describe('Model id') });

export const modelPaths: PathTable = {
  '/api/v1/training/models/export': {
    post: {
      operationId: 'exportModel',
      summary: "Export a completed training job's model",
      tag: 'models',
      permission: 'models.export',
      queryFromBody: true,
      body: { schema: 'ExportRequest', as: 'params', description: 'Export parameters.' },
      responses: { '200': { schema: 'ModelExportMetadata' } },
      errors: [400, 404, 409, 415, 422, 503],
    },
  },
  '/api/v1/training/models/export/direct': {
    post: {
      operationId: 'exportModelDirect',
      summary: 'Export an uploaded checkpoint without a training job (training_job_id 0)',
      tag: 'models',
      permission: 'models.export',
      query: directExportUpload.pick({ age_group_min: true, age_group_max: true, export_format: true }).partial(),
      body: { schema: 'DirectExportUpload', as: 'multipart', required: true },
      responses: { '200': { schema: 'ModelExportMetadata' } },
      errors: [400, 413, 415, 422, 503],
    },
  },
  '/api/v1/training/models/exports': {
    get: {
      operationId: 'listExportedModels',
      summary: 'Exported models, newest first',
      tag: 'models',
      permission: 'models.read',
      query: exportListQuery,
      responses: { '200': { schema: 'ModelExportList' } },
      errors: [422],
    },
  },
  '/api/v1/training/models/exports/{model_id}': {
    get: {
      operationId: 'getExportedModel',
      summary: 'An export with its path, download URL and validation runs',
      tag: 'models',
      permission: 'models.read',
      pathParams: modelIdPath,
      responses: { '200': { schema: 'ModelExportDetail' } },
      errors: [404],
    },
  },
  '/api/v1/training/models/exports/{model_id}/download': {
    get: {
      operationId: 'downloadExportedModel',
      summary: 'Download an exported artifact (attachment named <model_id><ext>)',
      tag: 'models',
      permission: 'models.read',
      pathParams: modelIdPath,
      headers: artifactRequestHeaders,
      responses: artifactResponses({
        'Content-Disposition': { schema: { type: 'string', description: 'attachment; filename="<model_id><ext>"' } },
      }),
      errors: [404, 416],
    },
  },
  '/api/v1/training/models/exports/{model_id}/reconstruction': {
    get: {
      operationId: 'getServerReconstruction',
      summary: "Per-sample reconstruction error on the training job's validation set, from onnxruntime-node",
      description:
        'The server-side reference the browser preview is compared with (agreement within 1e-4 relative). Non-ONNX exports are converted to ONNX first.',
      tag: 'models',
      permission: 'models.read',
      pathParams: modelIdPath,
      responses: { '200': { schema: 'ServerReconstruction' } },
      errors: [404, 409, 422, 503],
    },
  },
  '/api/v1/training/models/validate': {
    post: {
      operationId: 'validateExportedModel',
      summary: 'Validate an export and record the run',
      tag: 'models',
      permission: 'models.validate',
      queryFromBody: true,
      body: { schema: 'ValidateRequest', as: 'params', description: 'The export to validate.' },
      responses: { '200': { schema: 'ValidationResult' } },
      errors: [404, 415, 422, 503],
    },
  },
};
