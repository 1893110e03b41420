/** Wire shapes of /api/v1/training/jobs: the original's TrainingJob and TrainingReport, snake_case. */
import { z } from 'zod';
import { registerTrainingJobSchema, trainingReportSchema } from '../../registry/training-jobs';
import { pageParam, positiveIntParam } from '../params';
import { cappedTotal, dateTime, jsonObject, pageOf, sha256, snakeKeys } from './common';
import type { PathTable } from './operation';

export const trainingReportInput = snakeKeys(trainingReportSchema).extend({
  metrics_summary: trainingReportSchema.shape.metricsSummary.describe('Loss curves and other metrics'),
});

/** The metadata a pipeline sends; artifact references come from uploaded files only, never from here. */
export const trainingJobMetadata = snakeKeys(
  registerTrainingJobSchema.omit({ checkpoint: true, validationSet: true, report: true }),
).extend({
  age_group_min: z
    .number()
    .nullish()
    .describe(
      "Youngest age the model was trained for, in years (with age_group_max). Left out: the checkpoint's training_config, else config_parameters; sources that disagree are refused (422 age_range_mismatch)",
    ),
  age_group_max: z.number().nullish().describe('Oldest age the model was trained for, in years (with age_group_min)'),
  report: trainingReportInput.nullish(),
});

export const trainingJobUpload = z.object({
  metadata: z
    .string()
    .meta({ description: 'TrainingJobMetadata as a JSON string', contentMediaType: 'application/json' }),
  checkpoint: z
    .string()
    .meta({
      description: 'The PyTorch checkpoint (torch.save zip or a bare state dict) of the AutoencoderModel',
      format: 'binary',
    })
    .optional(),
  validation_set: z
    .string()
    .meta({
      description: 'safetensors: `embeddings` [N, D] (D = the model input_dim), optional `is_anomaly` [N]',
      format: 'binary',
    })
    .optional(),
});

export const trainingJobResponse = z.object({
  id: z.int(),
  job_name: z.string(),
  environment: z.string(),
  config_parameters: jsonObject(),
  dataset_path: z.string().nullable(),
  status: z.string(),
  start_timestamp: dateTime().nullable(),
  end_timestamp: dateTime().nullable(),
  sagemaker_job_arn: z.string().nullable(),
  checkpoint_sha256: sha256().nullable(),
  validation_set_sha256: sha256().nullable(),
  age_group_min: z
    .number()
    .nullable()
    .describe('The age range the model was trained for (null: none recorded, its exports go unchecked)'),
  age_group_max: z.number().nullable(),
  created_at: dateTime(),
  report: z
    .object({
      final_loss: z.number(),
      validation_accuracy: z.number().nullable(),
      best_epoch: z.int().nullable(),
      training_time_seconds: z.number().nullable(),
      model_parameters_sha256: sha256().nullable(),
      metrics_summary: jsonObject(),
      report_file_path: z.string().nullable(),
    })
    .nullable(),
});
export type TrainingJobResponse = z.infer<typeof trainingJobResponse>;

export const trainingJobListResponse = pageOf('jobs', trainingJobResponse).extend(cappedTotal('training jobs'));

/** Query of GET /api/v1/training/jobs; a page_size past 100 is served as 100 (the registry clamps). */
export const trainingJobListQuery = z.object({
  page: pageParam.default(1),
  page_size: positiveIntParam(10_000).default(25).describe('At most 100 are served'),
  status: z.string().optional(),
});

export const trainingJobSchemas = {
  TrainingReportInput: trainingReportInput,
  TrainingJobMetadata: trainingJobMetadata,
  TrainingJobUpload: trainingJobUpload,
  TrainingJob: trainingJobResponse,
  TrainingJobList: trainingJobListResponse,
};

export const trainingJobPaths: PathTable = {
  '/api/v1/training/jobs': {
    get: {
      operationId: 'listTrainingJobs',
      summary: 'Training jobs with their reports, newest first',
      tag: 'training jobs',
      permission: 'jobs.read',
      query: trainingJobListQuery,
      responses: { '200': { schema: 'TrainingJobList' } },
      errors: [422],
    },
    post: {
      operationId: 'registerTrainingJob',
      summary: 'Register a training job with its checkpoint and validation set',
      description:
        'Files are streamed into the content-addressed store. The checkpoint must parse as the AutoencoderModel and the validation set must match its input dimension; otherwise nothing is recorded (422).',
      tag: 'training jobs',
      permission: 'jobs.write',
      body: { schema: 'TrainingJobUpload', as: 'multipart', json: 'TrainingJobMetadata', required: true },
      responses: { '201': { schema: 'TrainingJob', description: 'Created' } },
      errors: [400, 413, 415, 422, 503],
    },
  },
  '/api/v1/training/jobs/{id}': {
    get: {
      operationId: 'getTrainingJob',
      summary: 'One training job',
      tag: 'training jobs',
      permission: 'jobs.read',
      pathParams: z.object({ id: z.int().min(1).describe('Training job id') }),
      responses: { '200': { schema: 'TrainingJob' } },
      errors: [404, 422],
    },
  },
};
