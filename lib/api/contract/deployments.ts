/** Wire shapes of deploy, deployed, undeploy and rollback: the original's ModelDeploymentConfig and AgeGroupModel. */
import { z } from 'zod';
import { ENVIRONMENTS, deploymentConfigSchema, rollbackSchema } from '../../registry/deploy';
import { strictBoolean } from '../params';
import { booleanParam, dateTime, environment, jsonObject, sha256 } from './common';
import { ageRangeFields, validationResultResponse } from './models';
import type { PathTable } from './operation';

/**
 * The flags the API reads strictly before the registry sees the config: the registry's parser also
 * takes "on"/"off" (forms), the API only true/false/1/0; and break_glass_reason, which the registry drops.
 */
export const deployConfigFlags = z.object({
  replace_existing: strictBoolean.optional(),
  validate_before_deployment: strictBoolean.optional(),
  backup_existing: strictBoolean.optional(),
  break_glass_reason: z.string({ message: 'a written reason' }).max(2000).optional(),
});

/** The registry's ModelDeploymentConfig as the API reads it: booleans strict, and the admins' break-glass reason. */
export const modelDeploymentConfig = deploymentConfigSchema
  .safeExtend({
    model_export_path: deploymentConfigSchema.shape.model_export_path.describe(
      'exports/models/<model_id>.<onnx|pth|pkl|safetensors>; never read from disk',
    ),
    model_id: deploymentConfigSchema.shape.model_id.describe('Alternative to model_export_path'),
    ...ageRangeFields,
    replace_existing: booleanParam('Replace the active model of the range', false),
    validate_before_deployment: booleanParam('Validate first and refuse an invalid model', true),
    backup_existing: booleanParam('Keep the replaced deployment as the backup to roll back to', true),
    deployment_environment: environment(),
    break_glass_reason: z
      .string()
      .min(20)
      .max(2000)
      .describe(
        'Admins only: deploy without an approved request, for this written reason (at least 20 characters); flagged everywhere',
      )
      .optional(),
  })
  .describe(
    'Name the export by model_export_path or model_id. It deploys the approved deployment request for this export, environment and age range (whose reviewed flags govern); without one the answer is 409 approval_required.',
  );

export const deploymentResponse = z.object({
  id: z.int(),
  age_min: z.number(),
  age_max: z.number(),
  model_type: z.string(),
  vision_model: z.string().nullable(),
  parameters: jsonObject(),
  sample_count: z.int(),
  threshold: z.number(),
  created_timestamp: dateTime(),
  is_active: z.boolean(),
  status: z.string(),
  deployment_environment: z.string(),
  model_id: z.string().nullable(),
  export_format: z.string().nullable(),
  artifact_sha256: sha256(),
  replaced_deployment_id: z.int().nullable(),
  break_glass_reason: z.string().nullable(),
  deployed_by: z.string().nullable(),
});
export type DeploymentResponse = z.infer<typeof deploymentResponse>;

export const deployResultResponse = z.object({
  success: z.boolean(),
  model_id: z.string(),
  deployment_id: z.int(),
  deployment_path: z.string(),
  backup_path: z.string().nullable(),
  validation_result: validationResultResponse.nullable(),
  database_updated: z.boolean(),
  threshold: z.number().describe('95th percentile of reconstruction MSE over the validation set’s normal samples'),
  sample_count: z.int(),
  warnings: z.array(z.string()),
  request_id: z.string().describe('The deployment request this deploy carried out'),
  break_glass: z.boolean().describe('Deployed by an admin without approvals'),
  break_glass_reason: z.string().nullable(),
});

export const undeployResultResponse = z.object({ success: z.literal(true), deployment_id: z.int() });

export const rollbackRequest = rollbackSchema.safeExtend({ ...ageRangeFields, deployment_environment: environment() });

export const rollbackResultResponse = z.object({
  success: z.boolean(),
  restored: deploymentResponse.omit({ deployed_by: true }),
  retired_deployment_id: z.int().nullable(),
});

/** Query of GET /api/v1/training/models/deployed. */
export const deployedListQuery = z.object({
  environment: z.enum(ENVIRONMENTS).optional().describe('Deployment environment'),
  include_inactive: booleanParam('Include inactive deployments', false),
});

export const deploymentSchemas = {
  ModelDeploymentConfig: modelDeploymentConfig,
  DeployResult: deployResultResponse,
  Deployment: deploymentResponse,
  UndeployResult: undeployResultResponse,
  RollbackRequest: rollbackRequest,
  RollbackResult: rollbackResultResponse,
};

export const deploymentPaths: PathTable = {
  '/api/v1/training/models/deploy': {
    post: {
      operationId: 'deployModel',
      summary: 'Deploy the approved deployment request for a ModelDeploymentConfig',
      description:
        'Deploys the approved request for this export, environment and age range (its reviewed flags govern; differing flags are reported in warnings): validates first (unless the request says not to), derives the threshold from the validation set, and activates in one serializable transaction. Without an approved request: 409 approval_required, unless an admin sends break_glass_reason.',
      tag: 'deployments',
      permission: 'deployments.write',
      queryFromBody: true,
      body: { schema: 'ModelDeploymentConfig', as: 'params', description: 'ModelDeploymentConfig.' },
      responses: { '200': { schema: 'DeployResult' } },
      errors: [400, 404, 409, 415, 422, 503],
    },
  },
  '/api/v1/training/models/deployed': {
    get: {
      operationId: 'listDeployedModels',
      summary: 'Deployed models (active, or with history)',
      tag: 'deployments',
      permission: 'deployments.read',
      query: deployedListQuery,
      responses: { '200': { schema: 'Deployment', list: true } },
      errors: [422],
    },
  },
  '/api/v1/training/models/{id}/undeploy': {
    post: {
      operationId: 'undeployModel',
      summary: 'Deactivate a deployment',
      tag: 'deployments',
      permission: 'deployments.write',
      pathParams: z.object({ id: z.int().min(1).describe('Deployment id') }),
      responses: { '200': { schema: 'UndeployResult' } },
      errors: [404, 409, 422],
    },
  },
  '/api/v1/training/models/rollback': {
    post: {
      operationId: 'rollbackDeployment',
      summary: 'Re-activate the backup of an age range',
      tag: 'deployments',
      permission: 'deployments.write',
      queryFromBody: true,
      body: { schema: 'RollbackRequest', as: 'params', description: 'The range to roll back.' },
      responses: { '200': { schema: 'RollbackResult' } },
      errors: [409, 415, 422],
    },
  },
};
