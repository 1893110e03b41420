/**
 * Wire shapes of /api/v1/deployment-requests. The rules the registry
 * enforces (the rationale's and the reason's lengths, the decisions) come from its schemas
 * (lib/registry/requests/schemas.ts); the API reads the snake_case body first, strictly.
 */
import { z } from 'zod';
import { ENVIRONMENTS } from '../../registry/deploy';
import { BREAK_GLASS_REASON_MIN, RATIONALE_MIN, REVIEW_DECISIONS } from '../../registry/requests/schemas';
import { REQUEST_ACTIONS, REQUEST_STATES } from '../../registry/review-state';
import { MAX_PAGE, strictBoolean } from '../params';
import {
  booleanParam,
  cappedTotal,
  dateTime,
  environmentName,
  exportFormat,
  jsonObject,
  pageOf,
  sha256,
} from './common';
import { deploymentResponse } from './deployments';
import { ageRangeOverrideResponse } from './models';
import { reviewPolicyResponse } from './review-policies';
import type { PathTable } from './operation';

// ---------------------------------------------------------------------------------------------
// Requests the API reads

/** Query of GET /api/v1/deployment-requests (and the CLI's `requests list`). */
export const requestListQuery = z.object({
  state: z.enum(REQUEST_STATES, { message: `one of ${REQUEST_STATES.join(', ')}` }).optional(),
  environment: z.enum(ENVIRONMENTS, { message: `one of ${ENVIRONMENTS.join(', ')}` }).optional(),
  view: z.enum(['all', 'mine', 'awaiting'], { message: 'one of all, mine, awaiting' }).default('all'),
  page: z.coerce
    .number({ message: 'must be a positive integer' })
    .int('must be a positive integer')
    .min(1, 'must be a positive integer')
    .max(MAX_PAGE, `must be at most ${MAX_PAGE}`)
    .default(1),
  page_size: z.coerce.number({ message: 'must be an integer from 1 to 100' }).int().min(1).max(100).default(25),
});

/** Body of POST /api/v1/deployment-requests: a ModelDeploymentConfig's flags, the export and why. */
export const createRequestBody = z.object({
  model_id: z
    .string({ message: 'name the export to deploy (model_id)' })
    .min(1)
    .max(200)
    .describe('The export to deploy; the age range is its own'),
  deployment_environment: z
    .enum(ENVIRONMENTS, { message: 'production or staging' })
    .default('production')
    .describe('Deployment environment'),
  replace_existing: booleanParam('Replace the active model of the range', false),
  backup_existing: booleanParam('Keep the replaced deployment as the backup', true),
  validate_before_deployment: booleanParam('Validate again when deploying', true),
  // The length rule is the registry's (rationaleSchema): stated here for the document.
  rationale: z
    .string({ message: 'say why (rationale)' })
    .meta({ description: `Why, at least ${RATIONALE_MIN} characters`, minLength: RATIONALE_MIN, maxLength: 4000 }),
  submit: booleanParam('Open it for review now (false: keep a draft)', true),
});
export type CreateRequestBody = z.infer<typeof createRequestBody>;

/** Body of POST /api/v1/deployment-requests/{id}/reviews. */
export const reviewBody = z.object({
  decision: z.enum(REVIEW_DECISIONS, { message: 'approve, request_changes or reject' }),
  comment: z.string().max(4000).describe('Required to request changes or reject').optional(),
  preview_summary: z
    .record(z.string(), z.unknown(), { message: 'a JSON object (the reconstruction preview summary)' })
    .describe(
      'The reconstruction preview summary of these bytes as the console’s preview builds it (summary_version 2, ≤ 16 KiB). The server recomputes its numbers with onnxruntime-node and attaches it only when they agree within 1e-4 relative (422 preview_mismatch, artifact_hash_mismatch, validation_set_mismatch or invalid_preview_summary otherwise), before the review, so the approval carries it.',
    )
    .optional(),
});

/** Body of POST /api/v1/deployment-requests/{id}/break-glass; the registry checks the length. */
export const breakGlassBody = z.object({
  reason: z.string({ message: 'write why this cannot wait for approvals (reason)' }).meta({
    description: 'Why this cannot wait for approvals',
    minLength: BREAK_GLASS_REASON_MIN,
    maxLength: 2000,
  }),
});

export const withdrawBody = z.object({ reason: z.string().max(2000).optional() });

/** Body of POST /api/v1/deployment-requests/{id}/amend: what the requester changes; the rest stays. */
export const amendRequestBody = z.object({
  model_id: z.string().min(1).max(200).describe('Another export of the same age range (new bytes)').optional(),
  rationale: z
    .string()
    .meta({ description: `Why, at least ${RATIONALE_MIN} characters`, minLength: RATIONALE_MIN, maxLength: 4000 })
    .optional(),
  replace_existing: strictBoolean.describe('Replace the active model of the range (true/false/1/0)').optional(),
  backup_existing: strictBoolean.describe('Keep the replaced deployment as the backup (true/false/1/0)').optional(),
  validate_before_deployment: strictBoolean.describe('Validate again when deploying (true/false/1/0)').optional(),
});

// ---------------------------------------------------------------------------------------------
// Responses

export const personResponse = z.object({ id: z.string(), name: z.string(), email: z.email() });

const lapseCause = z.enum(['artifact_changed', 'validation_failed']);

/** What the deploy would refuse now (replace conflict, validation, threshold, age range), with the fix. */
export const stillMissingResponse = z
  .array(z.object({ code: z.string(), message: z.string(), fix: z.string().describe('What to do about it') }))
  .describe('What the deploy would refuse now, checked while the request waits; it blocks approval until empty');

export const policyEvaluationResponse = z.object({
  satisfied: z.boolean(),
  approvals: z.int().describe('Approvals that count now'),
  required: z.int(),
  reasons: z.array(z.string()).describe('What is still missing, one sentence each'),
  notes: z.array(z.string()),
  counted_review_ids: z.array(z.string()),
  lapsed: z.array(z.object({ review_id: z.string(), reviewer_id: z.string(), cause: lapseCause })),
});

export const deploymentRequestResponse = z.object({
  request_id: z.string(),
  state: z.enum(REQUEST_STATES),
  deployment_environment: environmentName(),
  model_id: z.string(),
  export_format: exportFormat(),
  artifact_sha256: sha256('The bytes under review: approvals bind to them'),
  age_group_min: z.number(),
  age_group_max: z.number(),
  age_range_override: ageRangeOverrideResponse
    .nullable()
    .describe('The export was made for other ages than its training job’s: the job’s range and the reason'),
  replace_existing: z.boolean(),
  backup_existing: z.boolean(),
  validate_before_deployment: z.boolean(),
  rationale: z.string(),
  requester: personResponse,
  failure_reason: z.string().nullable(),
  created_at: dateTime(),
  updated_at: dateTime(),
  decided_at: dateTime().nullable(),
  url: z.string().describe('The request’s page in the console'),
});

export const deploymentRequestWithPolicyResponse = z.intersection(
  deploymentRequestResponse,
  z.object({ policy: reviewPolicyResponse, evaluation: policyEvaluationResponse, still_missing: stillMissingResponse }),
);

/** The preview an approval carries, as the server verified it (null: the review carries none). */
const reviewPreviewResponse = z.object({
  verified: z
    .boolean()
    .describe('The server recomputed the numbers with onnxruntime-node and they agreed (1e-4 relative)'),
  backend: z.string().nullable().describe('The reviewer’s browser backend: wasm or webgpu'),
  threads: z.int().nullable(),
  samples: z.int().nullable(),
  flagged: z.int().nullable(),
  verified_at: dateTime().nullable(),
});

export const deploymentRequestDetailResponse = z.intersection(
  deploymentRequestResponse,
  z.object({
    policy: reviewPolicyResponse,
    evaluation: policyEvaluationResponse,
    still_missing: stillMissingResponse,
    as_deployer: policyEvaluationResponse
      .nullable()
      .describe('The evaluation were the caller to deploy it (deployers only)'),
    latest_validation: z
      .object({
        validation_run_id: z.string(),
        is_valid: z.boolean(),
        artifact_sha256: sha256(),
        created_at: dateTime(),
      })
      .nullable(),
    reviews: z.array(
      z.object({
        review_id: z.string(),
        reviewer: personResponse,
        decision: z.enum(REVIEW_DECISIONS),
        comment: z.string(),
        artifact_sha256: sha256(),
        validation_run_id: z.string().nullable(),
        preview_summary: jsonObject().nullable(),
        preview: reviewPreviewResponse.nullable(),
        created_at: dateTime(),
        lapsed_at: dateTime().nullable(),
        lapse: lapseCause.describe('Why the approval no longer binds').nullable(),
        counted: z.boolean().describe('Counts towards the policy now'),
      }),
    ),
    deployments: z.array(deploymentResponse),
    available_actions: z.array(z.enum(REQUEST_ACTIONS as [string, ...string[]])),
  }),
);

export const deploymentRequestListResponse = pageOf(
  'requests',
  z.object({
    request_id: z.string(),
    state: z.enum(REQUEST_STATES),
    deployment_environment: environmentName(),
    model_id: z.string(),
    export_format: exportFormat(),
    age_group_min: z.number(),
    age_group_max: z.number(),
    requester: personResponse,
    approvals: z.int(),
    required: z.int(),
    lapsed: z.int(),
    reasons: z.array(z.string()),
    reviews: z.int(),
    comments: z.int(),
    awaiting_me: z.boolean(),
    failure_reason: z.string().nullable(),
    created_at: dateTime(),
    updated_at: dateTime(),
  }),
).extend(cappedTotal('requests'));

export const reviewResultResponse = z.object({
  review: z.object({
    review_id: z.string(),
    decision: z.string(),
    comment: z.string(),
    artifact_sha256: sha256(),
    validation_run_id: z.string().nullable(),
    preview_summary_id: z.string().nullable(),
    has_preview_summary: z.boolean(),
    preview: reviewPreviewResponse.nullable(),
    created_at: dateTime(),
  }),
  request: deploymentRequestWithPolicyResponse,
});

export const deploymentRequestSchemas = {
  Person: personResponse,
  PolicyEvaluation: policyEvaluationResponse,
  DeploymentRequestCreate: createRequestBody,
  DeploymentRequest: deploymentRequestResponse,
  DeploymentRequestWithPolicy: deploymentRequestWithPolicyResponse,
  DeploymentRequestDetail: deploymentRequestDetailResponse,
  DeploymentRequestList: deploymentRequestListResponse,
  ReviewCreate: reviewBody,
  ReviewResult: reviewResultResponse,
  BreakGlass: breakGlassBody,
  Withdraw: withdrawBody,
  DeploymentRequestAmend: amendRequestBody,
};

const requestIdPath = z.object({ id: z.string().describe('Request id') });

export const requestPaths: PathTable = {
  '/api/v1/deployment-requests': {
    get: {
      operationId: 'listDeploymentRequests',
      summary: 'Deployment requests, open ones first, with their approvals against the policy',
      description:
        'Drafts show only to their requester and admins. awaiting: open requests of others without a current review of the caller.',
      tag: 'reviews',
      permission: 'reviews.read',
      query: requestListQuery,
      responses: { '200': { schema: 'DeploymentRequestList' } },
      errors: [422],
    },
    post: {
      operationId: 'createDeploymentRequest',
      summary: 'Open a request to deploy an export (or keep it as a draft)',
      tag: 'reviews',
      permission: 'requests.create',
      body: {
        schema: 'DeploymentRequestCreate',
        as: 'params',
        required: true,
        description: 'The export, its ModelDeploymentConfig flags and why.',
      },
      responses: { '201': { schema: 'DeploymentRequestWithPolicy', description: 'Created' } },
      errors: [404, 409, 415, 422],
    },
  },
  '/api/v1/deployment-requests/{id}': {
    get: {
      operationId: 'getDeploymentRequest',
      summary: 'A request, its reviews (with lapse status), the policy and the evaluation against it',
      tag: 'reviews',
      permission: 'reviews.read',
      pathParams: requestIdPath,
      responses: { '200': { schema: 'DeploymentRequestDetail' } },
      errors: [404],
    },
  },
  '/api/v1/deployment-requests/{id}/reviews': {
    post: {
      operationId: 'reviewDeploymentRequest',
      summary: 'Approve, request changes or reject (never the requester)',
      description:
        'An approval binds to the request’s SHA-256 and the export’s latest (passing) validation run, and carries the reviewer’s preview summary of those bytes: send preview_summary to attach one, as the console’s “Attach to review” does. The requester’s own review is refused (403 self_review).',
      tag: 'reviews',
      permission: 'reviews.write',
      pathParams: requestIdPath,
      body: { schema: 'ReviewCreate', as: 'params', required: true, description: 'The decision.' },
      responses: { '201': { schema: 'ReviewResult', description: 'Created' } },
      errors: [404, 409, 413, 415, 422],
    },
  },
  '/api/v1/deployment-requests/{id}/deploy': {
    post: {
      operationId: 'deployDeploymentRequest',
      summary: 'Deploy an approved request',
      description:
        'Re-checks the state, the reviewed hash, the latest validation, what the deploy would refuse (still_missing, answered with its own code) and the whole policy (the deployer may not be its only approver) in the deploy’s transaction. Idempotent: while another deploy of the request runs, 409 deploy_in_progress; once it has deployed, 200 with that deployment (database_updated false). A deploy that fails marks the request failed.',
      tag: 'reviews',
      permission: 'deployments.write',
      pathParams: requestIdPath,
      responses: { '200': { schema: 'DeployResult' } },
      errors: [404, 409, 422, 503],
    },
  },
  '/api/v1/deployment-requests/{id}/break-glass': {
    post: {
      operationId: 'breakGlassDeploy',
      summary: 'Deploy a request without its approvals (admins, with a written reason; flagged)',
      tag: 'reviews',
      permission: 'deployments.break_glass',
      pathParams: requestIdPath,
      body: { schema: 'BreakGlass', as: 'params', required: true, description: 'The reason.' },
      responses: { '200': { schema: 'DeployResult' } },
      errors: [404, 409, 415, 422, 503],
    },
  },
  '/api/v1/deployment-requests/{id}/withdraw': {
    post: {
      operationId: 'withdrawDeploymentRequest',
      summary: 'Withdraw a request (its requester)',
      tag: 'reviews',
      permission: 'requests.create',
      pathParams: requestIdPath,
      body: { schema: 'Withdraw', as: 'params', description: 'Optional reason.' },
      responses: { '200': { schema: 'DeploymentRequestWithPolicy' } },
      errors: [404, 409, 415, 422],
    },
  },
  '/api/v1/deployment-requests/{id}/amend': {
    post: {
      operationId: 'amendDeploymentRequest',
      summary: 'Amend a request (its requester): another export, a flag or the rationale',
      description:
        'Approvals bind to the bytes: another export (new bytes) lapses them and reopens the request; a flag (replace_existing, backup_existing, validate_before_deployment) or the rationale keeps them, and an approved request stays approved while the policy is met.',
      tag: 'reviews',
      permission: 'requests.create',
      pathParams: requestIdPath,
      body: { schema: 'DeploymentRequestAmend', as: 'params', required: true, description: 'What changes.' },
      responses: { '200': { schema: 'DeploymentRequestWithPolicy' } },
      errors: [404, 409, 415, 422],
    },
  },
  '/api/v1/deployment-requests/{id}/submit': {
    post: {
      operationId: 'submitDeploymentRequest',
      summary: 'Open a draft (or a failed request) for review (its requester)',
      tag: 'reviews',
      permission: 'requests.create',
      pathParams: requestIdPath,
      responses: { '200': { schema: 'DeploymentRequestWithPolicy' } },
      errors: [404, 409],
    },
  },
};
