/**
 * The OpenAPI 3.1 document of every route under app/api (served at /api/v1/openapi.json). Written
 * out by hand next to the routes it describes; app/api/openapi.test.ts fails when a route file and
 * this document disagree on a path or method.
 */
import { EXPORT_FORMATS } from '../formats/export';
import { PERMISSIONS, type Permission } from '../auth/permissions';
import { ENVIRONMENTS } from '../registry/deploy';
import { REQUEST_STATES, REQUEST_ACTIONS } from '../registry/review-state';

type Schema = Record<string, unknown>;
const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
const str = (description?: string, extra: Schema = {}): Schema => ({ type: 'string', ...(description ? { description } : {}), ...extra });
const num = (description?: string, extra: Schema = {}): Schema => ({ type: 'number', ...(description ? { description } : {}), ...extra });
const int = (description?: string, extra: Schema = {}): Schema => ({ type: 'integer', ...(description ? { description } : {}), ...extra });
const bool = (description?: string, extra: Schema = {}): Schema => ({ type: 'boolean', ...(description ? { description } : {}), ...extra });
const nullable = (s: Schema): Schema => ({ anyOf: [s, { type: 'null' }] });
const obj = (properties: Record<string, Schema>, required: string[] = Object.keys(properties), extra: Schema = {}): Schema => ({
  type: 'object',
  properties,
  required,
  ...extra,
});
const jsonObject = (description?: string): Schema => ({ type: 'object', additionalProperties: true, ...(description ? { description } : {}) });
const age = (which: string): Schema => num(`${which} age of the group, in years (2.0–18.0)`, { minimum: 2, maximum: 18 });
const sha256 = (description = 'SHA-256, lowercase hex'): Schema => str(description, { pattern: '^[0-9a-f]{64}$' });

type Param = { name: string; in: 'query' | 'path' | 'header'; required?: boolean; description?: string; schema: Schema };
const q = (name: string, schema: Schema, description?: string, required = false): Param => ({ name, in: 'query', required, schema, ...(description ? { description } : {}) });
const pathParam = (name: string, schema: Schema, description: string): Param => ({ name, in: 'path', required: true, description, schema });

const json = (schema: Schema) => ({ 'application/json': { schema } });
const errorResponses = (...codes: number[]) =>
  Object.fromEntries(codes.map((c) => [String(c), { $ref: `#/components/responses/${ERROR_RESPONSES[c]}` }]));
const ERROR_RESPONSES: Record<number, string> = {
  400: 'BadRequest',
  401: 'Unauthenticated',
  403: 'Forbidden',
  404: 'NotFound',
  409: 'Conflict',
  413: 'PayloadTooLarge',
  415: 'UnsupportedMediaType',
  416: 'RangeNotSatisfiable',
  422: 'Unprocessable',
  429: 'TooManyAttempts',
  503: 'WorkerUnavailable',
};

type Op = {
  summary: string;
  description?: string;
  tag: string;
  permission?: Permission;
  parameters?: Param[];
  requestBody?: Schema;
  responses: Record<string, unknown>;
};

function op(id: string, o: Op) {
  const secured = !!o.permission;
  return {
    operationId: id,
    summary: o.summary,
    ...(o.description ? { description: o.description } : {}),
    tags: [o.tag],
    ...(secured
      ? { 'x-permission': o.permission, 'x-roles': PERMISSIONS[o.permission!] }
      : { security: [] }),
    ...(o.parameters?.length ? { parameters: o.parameters } : {}),
    ...(o.requestBody ? { requestBody: o.requestBody } : {}),
    // 429: a bearer token from an address in back-off after failed tokens (lib/auth/throttle.ts).
    // 400: every secured route passes the input guard (NUL, lone surrogates, broken %-escapes).
    responses: { ...o.responses, ...(secured ? errorResponses(400, 401, 403, 429) : {}) },
  };
}

const ok = (schema: Schema, description = 'OK') => ({ description, content: json(schema) });

const ageQuery = (required: boolean) => [q('age_group_min', age('Youngest'), undefined, required), q('age_group_max', age('Oldest'), undefined, required)];
const exportFormat = str('Export format', { enum: [...EXPORT_FORMATS] });
const environment = str('Deployment environment', { enum: [...ENVIRONMENTS], default: 'production' });
const booleanParam = (description: string, dflt: boolean): Schema => ({
  description: `${description} (true/false/1/0)`,
  anyOf: [{ type: 'boolean' }, { type: 'string', enum: ['true', 'false', '1', '0'] }],
  default: dflt,
});
const paramsBody = (schema: string, description: string, required = false) => ({
  required,
  description: `${description} With an API token the same fields are accepted as query parameters (body fields win); a session-cookie request sending them is refused (400 query_parameters_refused).`,
  content: json(ref(schema)),
});

const artifactHeaders = {
  ETag: { description: 'The SHA-256 in quotes (strong validator).', schema: str() },
  'Cache-Control': { schema: str(undefined, { const: 'private, max-age=31536000, immutable, no-transform' }) },
  'Accept-Ranges': { schema: str(undefined, { const: 'bytes' }) },
  'Content-Length': { schema: int() },
  'X-Content-Type-Options': { schema: str(undefined, { const: 'nosniff' }) },
};
const artifactParams = [
  { name: 'If-None-Match', in: 'header' as const, schema: str('An ETag from an earlier response; 304 when it matches.') },
  { name: 'Range', in: 'header' as const, schema: str('One byte range: bytes=a-b, bytes=a- or bytes=-n. Several ranges are ignored (200).') },
  { name: 'If-Range', in: 'header' as const, schema: str('Honour Range only while the ETag still matches.') },
];
const artifactResponses = (extraHeaders: Record<string, unknown> = {}) => ({
  '200': { description: 'The bytes', headers: { ...artifactHeaders, ...extraHeaders }, content: { 'application/octet-stream': { schema: str(undefined, { format: 'binary' }) } } },
  '206': {
    description: 'The requested byte range',
    headers: { ...artifactHeaders, ...extraHeaders, 'Content-Range': { schema: str('bytes a-b/size') } },
    content: { 'application/octet-stream': { schema: str(undefined, { format: 'binary' }) } },
  },
  '304': { description: 'Not modified (If-None-Match matched)', headers: { ETag: artifactHeaders.ETag } },
  ...errorResponses(404, 416),
});

const schemas: Record<string, Schema> = {
  Error: obj({ detail: str('What went wrong, for a person'), code: str('Stable machine-readable code') }, ['detail', 'code']),
  ValidationError: obj(
    {
      detail: { type: 'array', items: obj({ loc: { type: 'array', items: { anyOf: [{ type: 'string' }, { type: 'integer' }] } }, msg: str(), type: str() }) },
      code: str(undefined, { const: 'invalid_request' }),
    },
    ['detail', 'code'],
  ),
  Health: obj({ status: str(undefined, { enum: ['ok', 'unavailable'] }), database: str(undefined, { enum: ['pglite', 'postgres'] }) }, ['status']),
  Me: obj({
    id: str(),
    email: str(undefined, { format: 'email' }),
    name: str(),
    role: str(undefined, { enum: ['viewer', 'reviewer', 'deployer', 'admin'] }),
    via: str(undefined, { enum: ['session', 'token'] }),
    permissions: { type: 'array', items: str(undefined, { enum: Object.keys(PERMISSIONS) }) },
  }),
  AuditEventList: obj({ total: int(), page: int(), page_size: int(), events: { type: 'array', items: ref('AuditEvent') } }),
  AuditEvent: obj(
    {
      id: int(),
      createdAt: str(undefined, { format: 'date-time' }),
      actorId: nullable(str('The user; null for the system or a deleted account')),
      actorLabel: str('Name <email> at the time, kept if the account goes'),
      action: str('verb.noun, e.g. model.deploy'),
      subjectType: str(),
      subjectId: str(),
      before: nullable(jsonObject()),
      after: nullable(jsonObject()),
      prevHash: nullable(sha256('The previous event\'s hash (64 zeros for the first)')),
      hash: nullable(sha256('SHA-256 of the canonical JSON (sorted keys) of prevHash, id, createdAt, actorId, actorLabel, action, subjectType, subjectId, before, after')),
    },
  ),
  AuditChainReport: obj({
    intact: bool(),
    events: int('Events verified (before the break, when broken)'),
    head_hash: sha256('The newest link: keep it elsewhere, and a rewritten history no longer matches it'),
    last_event_id: nullable(int()),
    broken: nullable(
      obj({
        event_id: nullable(int('The first event whose link fails; null when the break is at the head (newest events deleted)')),
        reason: str(undefined, { enum: ['hash_mismatch', 'prev_hash_mismatch', 'unchained', 'head_mismatch', 'head_missing'] }),
        message: str(),
      }),
    ),
  }),
  TrainingReportInput: obj(
    {
      final_loss: num(),
      validation_accuracy: nullable(num(undefined, { minimum: 0, maximum: 1 })),
      best_epoch: nullable(int(undefined, { minimum: 0 })),
      training_time_seconds: nullable(num(undefined, { minimum: 0 })),
      metrics_summary: jsonObject('Loss curves and other metrics'),
      report_file_path: nullable(str()),
    },
    ['final_loss'],
  ),
  TrainingJobMetadata: obj(
    {
      job_name: str(undefined, { minLength: 1, maxLength: 200 }),
      environment: str(undefined, { enum: ['local', 'sagemaker', 'external'], default: 'local' }),
      config_parameters: jsonObject(),
      dataset_path: nullable(str()),
      status: str(undefined, { enum: ['pending', 'running', 'completed', 'failed', 'cancelled'], default: 'completed' }),
      start_timestamp: nullable(str(undefined, { format: 'date-time' })),
      end_timestamp: nullable(str(undefined, { format: 'date-time' })),
      sagemaker_job_arn: nullable(str()),
      report: nullable(ref('TrainingReportInput')),
    },
    ['job_name'],
  ),
  TrainingJobUpload: obj(
    {
      metadata: str('TrainingJobMetadata as a JSON string', { contentMediaType: 'application/json' }),
      checkpoint: str('The PyTorch checkpoint (torch.save zip or a bare state dict) of the AutoencoderModel', { format: 'binary' }),
      validation_set: str('safetensors: `embeddings` [N, D] (D = the model input_dim), optional `is_anomaly` [N]', { format: 'binary' }),
    },
    ['metadata'],
  ),
  TrainingJob: obj({
    id: int(),
    job_name: str(),
    environment: str(),
    config_parameters: jsonObject(),
    dataset_path: nullable(str()),
    status: str(),
    start_timestamp: nullable(str(undefined, { format: 'date-time' })),
    end_timestamp: nullable(str(undefined, { format: 'date-time' })),
    sagemaker_job_arn: nullable(str()),
    checkpoint_sha256: nullable(sha256()),
    validation_set_sha256: nullable(sha256()),
    created_at: str(undefined, { format: 'date-time' }),
    report: nullable(
      obj({
        final_loss: num(),
        validation_accuracy: nullable(num()),
        best_epoch: nullable(int()),
        training_time_seconds: nullable(num()),
        model_parameters_sha256: nullable(sha256()),
        metrics_summary: jsonObject(),
        report_file_path: nullable(str()),
      }),
    ),
  }),
  TrainingJobList: obj({ total: int(), page: int(), page_size: int(), jobs: { type: 'array', items: ref('TrainingJob') } }),
  ExportRequest: obj({ training_job_id: int(undefined, { minimum: 1 }), age_group_min: age('Youngest'), age_group_max: age('Oldest'), export_format: exportFormat }),
  DirectExportUpload: obj(
    {
      checkpoint: str('The PyTorch checkpoint', { format: 'binary' }),
      model_info: str('Optional JSON object: model_architecture {input_dim, hidden_dims, …} (checked against the weights), training_metrics', {
        contentMediaType: 'application/json',
      }),
      age_group_min: age('Youngest'),
      age_group_max: age('Oldest'),
      export_format: exportFormat,
    },
    ['checkpoint', 'age_group_min', 'age_group_max', 'export_format'],
  ),
  ModelExportMetadata: obj(
    {
      model_id: str('autoencoder_{min}_{max}_{YYYYMMDD_HHMMSS}[_n]'),
      export_timestamp: str(undefined, { format: 'date-time' }),
      training_job_id: int('0 for a direct export'),
      model_type: str(undefined, { const: 'autoencoder' }),
      model_version: str(),
      architecture_hash: str(),
      parameter_count: int(),
      input_dimension: int(),
      output_dimension: int(),
      age_group_min: num(),
      age_group_max: num(),
      training_metrics: jsonObject(),
      compatibility_version: str(),
      export_format: exportFormat,
      file_size_bytes: int(),
      checksum: sha256('SHA-256 of the exported artifact'),
    },
    undefined,
    { description: "The original service's ModelExportMetadata.to_dict(): 16 snake_case fields." },
  ),
  ModelExportList: obj({ total: int(), page: int(), page_size: int(), exports: { type: 'array', items: ref('ModelExportMetadata') } }),
  ValidationRun: obj({
    id: str(),
    artifact_sha256: sha256(),
    is_valid: bool(),
    errors: { type: 'array', items: str() },
    warnings: { type: 'array', items: str() },
    compatibility_checks: jsonObject(),
    integrity_checks: jsonObject(),
    performance_checks: jsonObject(),
    created_at: str(undefined, { format: 'date-time' }),
    created_by: nullable(str()),
  }),
  ModelExportDetail: {
    allOf: [
      ref('ModelExportMetadata'),
      obj({
        export_path: str('exports/models/<model_id>.<ext>: the name to deploy it by'),
        download_url: str('Path of the download endpoint on this server'),
        validation_runs: { type: 'array', items: ref('ValidationRun') },
      }),
    ],
  },
  ValidateRequest: obj({ model_id: str() }),
  ValidationResult: obj({
    is_valid: bool(),
    errors: { type: 'array', items: str() },
    warnings: { type: 'array', items: str() },
    compatibility_checks: jsonObject(),
    integrity_checks: jsonObject(),
    performance_checks: jsonObject(),
    validation_run_id: str(),
  }),
  ModelDeploymentConfig: obj(
    {
      model_export_path: str('exports/models/<model_id>.<onnx|pth|pkl|safetensors>; never read from disk', { maxLength: 300 }),
      model_id: str('Alternative to model_export_path'),
      age_group_min: age('Youngest'),
      age_group_max: age('Oldest'),
      replace_existing: booleanParam('Replace the active model of the range', false),
      validate_before_deployment: booleanParam('Validate first and refuse an invalid model', true),
      backup_existing: booleanParam('Keep the replaced deployment as the backup to roll back to', true),
      deployment_environment: environment,
      break_glass_reason: str('Admins only: deploy without an approved request, for this written reason (at least 20 characters); flagged everywhere', {
        minLength: 20,
        maxLength: 2000,
      }),
    },
    ['age_group_min', 'age_group_max'],
    {
      description:
        'Name the export by model_export_path or model_id. It deploys the approved deployment request for this export, environment and age range (whose reviewed flags govern); without one the answer is 409 approval_required.',
    },
  ),
  DeployResult: obj({
    success: bool(),
    model_id: str(),
    deployment_id: int(),
    deployment_path: str(),
    backup_path: nullable(str()),
    validation_result: nullable(ref('ValidationResult')),
    database_updated: bool(),
    threshold: num('95th percentile of reconstruction MSE over the validation set’s normal samples'),
    sample_count: int(),
    warnings: { type: 'array', items: str() },
    request_id: str('The deployment request this deploy carried out'),
    break_glass: bool('Deployed by an admin without approvals'),
    break_glass_reason: nullable(str()),
  }),
  Person: obj({ id: str(), name: str(), email: str(undefined, { format: 'email' }) }),
  ReviewPolicy: obj({
    deployment_environment: environment,
    required_approvals: int(undefined, { minimum: 1, maximum: 10 }),
    require_preview_summary: bool('Each approval must carry the reviewer’s reconstruction preview summary of the bytes'),
    is_default: bool('No admin has set it: the defaults apply (staging 1, production 2, preview required)'),
  }),
  ReviewPolicyList: obj({
    policies: { type: 'array', items: { allOf: [ref('ReviewPolicy'), obj({ updated_at: nullable(str(undefined, { format: 'date-time' })), updated_by: nullable(str()) })] } },
  }),
  ReviewPolicyUpdate: obj(
    { required_approvals: int(undefined, { minimum: 1, maximum: 10 }), require_preview_summary: booleanParam('Require the preview summary on approvals', true) },
    [],
    { description: 'An omitted field keeps its current value.' },
  ),
  PolicyEvaluation: obj({
    satisfied: bool(),
    approvals: int('Approvals that count now'),
    required: int(),
    reasons: { type: 'array', items: str(), description: 'What is still missing, one sentence each' },
    notes: { type: 'array', items: str() },
    counted_review_ids: { type: 'array', items: str() },
    lapsed: { type: 'array', items: obj({ review_id: str(), reviewer_id: str(), cause: str(undefined, { enum: ['artifact_changed', 'validation_changed'] }) }) },
  }),
  DeploymentRequestCreate: obj(
    {
      model_id: str('The export to deploy; the age range is its own'),
      deployment_environment: environment,
      replace_existing: booleanParam('Replace the active model of the range', false),
      backup_existing: booleanParam('Keep the replaced deployment as the backup', true),
      validate_before_deployment: booleanParam('Validate again when deploying', true),
      rationale: str('Why, at least 10 characters', { minLength: 10, maxLength: 4000 }),
      submit: booleanParam('Open it for review now (false: keep a draft)', true),
    },
    ['model_id', 'rationale'],
  ),
  DeploymentRequest: obj({
    request_id: str(),
    state: str(undefined, { enum: [...REQUEST_STATES] }),
    deployment_environment: environment,
    model_id: str(),
    export_format: exportFormat,
    artifact_sha256: sha256('The bytes under review: approvals bind to them'),
    age_group_min: num(),
    age_group_max: num(),
    replace_existing: bool(),
    backup_existing: bool(),
    validate_before_deployment: bool(),
    rationale: str(),
    requester: ref('Person'),
    failure_reason: nullable(str()),
    created_at: str(undefined, { format: 'date-time' }),
    updated_at: str(undefined, { format: 'date-time' }),
    decided_at: nullable(str(undefined, { format: 'date-time' })),
    url: str('The request’s page in the console'),
  }),
  DeploymentRequestWithPolicy: {
    allOf: [ref('DeploymentRequest'), obj({ policy: ref('ReviewPolicy'), evaluation: ref('PolicyEvaluation') })],
  },
  DeploymentRequestDetail: {
    allOf: [
      ref('DeploymentRequest'),
      obj({
        policy: ref('ReviewPolicy'),
        evaluation: ref('PolicyEvaluation'),
        as_deployer: { ...nullable(ref('PolicyEvaluation')), description: 'The evaluation were the caller to deploy it (deployers only)' },
        latest_validation: nullable(obj({ validation_run_id: str(), is_valid: bool(), artifact_sha256: sha256(), created_at: str(undefined, { format: 'date-time' }) })),
        reviews: {
          type: 'array',
          items: obj({
            review_id: str(),
            reviewer: ref('Person'),
            decision: str(undefined, { enum: ['approve', 'request_changes', 'reject'] }),
            comment: str(),
            artifact_sha256: sha256(),
            validation_run_id: nullable(str()),
            preview_summary: nullable(jsonObject()),
            created_at: str(undefined, { format: 'date-time' }),
            lapsed_at: nullable(str(undefined, { format: 'date-time' })),
            lapse: nullable(str('Why the approval no longer binds', { enum: ['artifact_changed', 'validation_changed'] })),
            counted: bool('Counts towards the policy now'),
          }),
        },
        deployments: { type: 'array', items: ref('Deployment') },
        available_actions: { type: 'array', items: str(undefined, { enum: [...REQUEST_ACTIONS] }) },
      }),
    ],
  },
  DeploymentRequestList: obj({
    total: int(),
    page: int(),
    page_size: int(),
    requests: {
      type: 'array',
      items: obj({
        request_id: str(),
        state: str(undefined, { enum: [...REQUEST_STATES] }),
        deployment_environment: environment,
        model_id: str(),
        export_format: exportFormat,
        age_group_min: num(),
        age_group_max: num(),
        requester: ref('Person'),
        approvals: int(),
        required: int(),
        lapsed: int(),
        reasons: { type: 'array', items: str() },
        reviews: int(),
        comments: int(),
        awaiting_me: bool(),
        failure_reason: nullable(str()),
        created_at: str(undefined, { format: 'date-time' }),
        updated_at: str(undefined, { format: 'date-time' }),
      }),
    },
  }),
  ReviewCreate: obj(
    {
      decision: str(undefined, { enum: ['approve', 'request_changes', 'reject'] }),
      comment: str('Required to request changes or reject', { maxLength: 4000 }),
      preview_summary: jsonObject(
        'The reconstruction preview summary of these bytes (≤ 16 KiB; an artifact_sha256 field must be the export’s checksum). Attached before the review, so the approval carries it.',
      ),
    },
    ['decision'],
  ),
  ReviewResult: obj({
    review: obj({
      review_id: str(),
      decision: str(),
      comment: str(),
      artifact_sha256: sha256(),
      validation_run_id: nullable(str()),
      preview_summary_id: nullable(str()),
      has_preview_summary: bool(),
      created_at: str(undefined, { format: 'date-time' }),
    }),
    request: ref('DeploymentRequestWithPolicy'),
  }),
  BreakGlass: obj({ reason: str('Why this cannot wait for approvals', { minLength: 20, maxLength: 2000 }) }),
  Withdraw: obj({ reason: str(undefined, { maxLength: 2000 }) }, []),
  Deployment: obj({
    id: int(),
    age_min: num(),
    age_max: num(),
    model_type: str(),
    vision_model: nullable(str()),
    parameters: jsonObject(),
    sample_count: int(),
    threshold: num(),
    created_timestamp: str(undefined, { format: 'date-time' }),
    is_active: bool(),
    status: str(),
    deployment_environment: str(),
    model_id: nullable(str()),
    export_format: nullable(str()),
    artifact_sha256: sha256(),
    replaced_deployment_id: nullable(int()),
    break_glass_reason: nullable(str()),
    deployed_by: nullable(str()),
  }),
  UndeployResult: obj({ success: bool(undefined, { const: true }), deployment_id: int() }),
  RollbackRequest: obj({ age_group_min: age('Youngest'), age_group_max: age('Oldest'), deployment_environment: environment }, ['age_group_min', 'age_group_max']),
  RollbackResult: obj({ success: bool(), restored: ref('Deployment'), retired_deployment_id: nullable(int()) }),
};

const errorResponse = (description: string, schema: Schema = ref('Error')) => ({ description, content: json(schema) });

const paths = {
  '/api/health': {
    get: op('health', {
      summary: 'Liveness and database kind',
      tag: 'system',
      responses: { '200': ok(ref('Health')), '503': { description: 'The database is unreachable', content: json(ref('Health')) } },
    }),
  },
  '/api/v1/openapi.json': {
    get: op('openapi', { summary: 'This document', tag: 'system', responses: { '200': ok({ type: 'object' }) } }),
  },
  '/api/v1/me': {
    get: op('me', { summary: 'Who the token or session acts as, and its permissions', tag: 'system', permission: 'models.read', responses: { '200': ok(ref('Me')) } }),
  },
  '/api/v1/audit': {
    get: op('listAuditEvents', {
      summary: 'Audit events, newest first; or the whole matching log as JSON lines or CSV',
      description:
        'The JSON form pages newest first. `format=jsonl` (or `Accept: application/x-ndjson`) and `format=csv` (or `Accept: text/csv`) stream every matching event oldest first (chain order), hashes included, as an attachment; CSV cells are RFC 4180-quoted and a cell starting with = + - @ (or a tab or CR) gets a leading apostrophe so spreadsheets do not run it.',
      tag: 'system',
      permission: 'audit.read',
      parameters: [
        q('actor_id', str()),
        q('action', str('Prefix of the action')),
        q('subject_type', str()),
        q('subject_id', str()),
        q('page', int(undefined, { minimum: 1, maximum: 1_000_000 })),
        q('format', str(undefined, { enum: ['json', 'jsonl', 'csv'], default: 'json' })),
      ],
      responses: {
        '200': {
          description: 'A page of events (JSON), or the log (JSON lines: one AuditEvent per line; CSV: a header row, then the same fields)',
          content: {
            ...json(ref('AuditEventList')),
            'application/x-ndjson': { schema: str(undefined, { format: 'binary' }) },
            'text/csv': { schema: str(undefined, { format: 'binary' }) },
          },
        },
        ...errorResponses(422),
      },
    }),
  },
  '/api/v1/audit/verify': {
    get: op('verifyAuditChain', {
      summary: 'Check the audit hash chain; the first edited, deleted or reordered event',
      description: 'Walks every event in order. 200 either way: `intact` says which. `drawbridge audit verify` calls this over --server.',
      tag: 'system',
      permission: 'audit.read',
      responses: { '200': ok(ref('AuditChainReport')) },
    }),
  },
  '/api/v1/backup': {
    get: op('createBackup', {
      summary: 'A consistent archive (tar) of the database and every artifact, streamed',
      description:
        'manifest.json (format drawbridge-backup v1: migrations, tables with row counts, sequences, the SHA-256 and size of the dump and of every artifact), then database.jsonl (every row, one read-only REPEATABLE READ snapshot, dependency order), then artifacts/<sha256>. `drawbridge backup` calls this and verifies the archive before keeping it; `drawbridge restore` reads it. Audited (backup.create). A store that lost or changed a catalogued artifact answers 500 backup_failed, or ends the stream early.',
      tag: 'system',
      permission: 'backup.create',
      responses: {
        '200': {
          description: 'The archive',
          headers: {
            'Content-Length': { schema: int() },
            'Content-Disposition': { schema: str('attachment; filename="drawbridge-backup-<UTC time>.tar"') },
            'Cache-Control': { schema: str(undefined, { const: 'no-store' }) },
          },
          content: { 'application/x-tar': { schema: str(undefined, { format: 'binary' }) } },
        },
      },
    }),
  },
  '/api/v1/training/jobs': {
    get: op('listTrainingJobs', {
      summary: 'Training jobs with their reports, newest first',
      tag: 'training jobs',
      permission: 'jobs.read',
      parameters: [q('page', int(undefined, { minimum: 1, maximum: 1_000_000 })), q('page_size', int(undefined, { minimum: 1, maximum: 100 })), q('status', str())],
      responses: { '200': ok(ref('TrainingJobList')), ...errorResponses(422) },
    }),
    post: op('registerTrainingJob', {
      summary: 'Register a training job with its checkpoint and validation set',
      description:
        'Files are streamed into the content-addressed store. The checkpoint must parse as the AutoencoderModel and the validation set must match its input dimension; otherwise nothing is recorded (422).',
      tag: 'training jobs',
      permission: 'jobs.write',
      requestBody: {
        required: true,
        content: { 'multipart/form-data': { schema: ref('TrainingJobUpload') }, 'application/json': { schema: ref('TrainingJobMetadata') } },
      },
      responses: { '201': ok(ref('TrainingJob'), 'Created'), ...errorResponses(400, 413, 415, 422, 503) },
    }),
  },
  '/api/v1/training/jobs/{id}': {
    get: op('getTrainingJob', {
      summary: 'One training job',
      tag: 'training jobs',
      permission: 'jobs.read',
      parameters: [pathParam('id', int(undefined, { minimum: 1 }), 'Training job id')],
      responses: { '200': ok(ref('TrainingJob')), ...errorResponses(404, 422) },
    }),
  },
  '/api/v1/training/models/export': {
    post: op('exportModel', {
      summary: "Export a completed training job's model",
      tag: 'models',
      permission: 'models.export',
      parameters: [q('training_job_id', int()), ...ageQuery(false), q('export_format', exportFormat)],
      requestBody: paramsBody('ExportRequest', 'Export parameters.'),
      responses: { '200': ok(ref('ModelExportMetadata')), ...errorResponses(400, 404, 409, 415, 422, 503) },
    }),
  },
  '/api/v1/training/models/export/direct': {
    post: op('exportModelDirect', {
      summary: 'Export an uploaded checkpoint without a training job (training_job_id 0)',
      tag: 'models',
      permission: 'models.export',
      parameters: [...ageQuery(false), q('export_format', exportFormat)],
      requestBody: { required: true, content: { 'multipart/form-data': { schema: ref('DirectExportUpload') } } },
      responses: { '200': ok(ref('ModelExportMetadata')), ...errorResponses(400, 413, 415, 422, 503) },
    }),
  },
  '/api/v1/training/models/exports': {
    get: op('listExportedModels', {
      summary: 'Exported models, newest first',
      tag: 'models',
      permission: 'models.read',
      parameters: [
        q('page', int(undefined, { minimum: 1, maximum: 1_000_000, default: 1 })),
        q('page_size', int(undefined, { minimum: 1, maximum: 200, default: 25 })),
        ...ageQuery(false),
        q('export_format', exportFormat),
        q('training_job_id', int('0 lists direct exports')),
      ],
      responses: { '200': ok(ref('ModelExportList')), ...errorResponses(422) },
    }),
  },
  '/api/v1/training/models/exports/{model_id}': {
    get: op('getExportedModel', {
      summary: 'An export with its path, download URL and validation runs',
      tag: 'models',
      permission: 'models.read',
      parameters: [pathParam('model_id', str(), 'Model id')],
      responses: { '200': ok(ref('ModelExportDetail')), ...errorResponses(404) },
    }),
  },
  '/api/v1/training/models/exports/{model_id}/download': {
    get: op('downloadExportedModel', {
      summary: 'Download an exported artifact (attachment named <model_id><ext>)',
      tag: 'models',
      permission: 'models.read',
      parameters: [pathParam('model_id', str(), 'Model id'), ...artifactParams],
      responses: artifactResponses({ 'Content-Disposition': { schema: str('attachment; filename="<model_id><ext>"') } }),
    }),
  },
  '/api/v1/training/models/exports/{model_id}/reconstruction': {
    get: op('getServerReconstruction', {
      summary: "Per-sample reconstruction error on the training job's validation set, from onnxruntime-node",
      description: 'The server-side reference the browser preview is compared with (agreement within 1e-4 relative). Non-ONNX exports are converted to ONNX first.',
      tag: 'models',
      permission: 'models.read',
      parameters: [pathParam('model_id', str(), 'Model id')],
      responses: {
        '200': ok(
          obj({
            model_id: str(),
            export_format: str(),
            checksum: sha256(),
            validation_set_sha256: sha256(),
            samples: int('Number of validation samples'),
            errors: { type: 'array', items: num(), description: 'Mean squared reconstruction error per sample, in file order' },
            backend: str('Always onnxruntime-node'),
            converted_to_onnx: bool('The export was converted to ONNX for this run'),
            inference_ms: num(),
          }),
        ),
        ...errorResponses(404, 409, 422, 503),
      },
    }),
  },
  '/api/v1/training/models/validate': {
    post: op('validateExportedModel', {
      summary: 'Validate an export and record the run',
      tag: 'models',
      permission: 'models.validate',
      parameters: [q('model_id', str())],
      requestBody: paramsBody('ValidateRequest', 'The export to validate.'),
      responses: { '200': ok(ref('ValidationResult')), ...errorResponses(404, 415, 422, 503) },
    }),
  },
  '/api/v1/training/models/deploy': {
    post: op('deployModel', {
      summary: 'Deploy the approved deployment request for a ModelDeploymentConfig',
      description:
        'Deploys the approved request for this export, environment and age range (its reviewed flags govern; differing flags are reported in warnings): validates first (unless the request says not to), derives the threshold from the validation set, and activates in one serializable transaction. Without an approved request: 409 approval_required, unless an admin sends break_glass_reason.',
      tag: 'deployments',
      permission: 'deployments.write',
      parameters: [
        q('model_export_path', str()),
        q('model_id', str()),
        ...ageQuery(false),
        q('replace_existing', booleanParam('Replace the active model', false)),
        q('validate_before_deployment', booleanParam('Validate first', true)),
        q('backup_existing', booleanParam('Keep a backup', true)),
        q('deployment_environment', environment),
        q('break_glass_reason', str('Admins: deploy without approvals, for this reason (≥ 20 characters)')),
      ],
      requestBody: paramsBody('ModelDeploymentConfig', 'ModelDeploymentConfig.'),
      responses: { '200': ok(ref('DeployResult')), ...errorResponses(400, 404, 409, 415, 422, 503) },
    }),
  },
  '/api/v1/training/models/deployed': {
    get: op('listDeployedModels', {
      summary: 'Deployed models (active, or with history)',
      tag: 'deployments',
      permission: 'deployments.read',
      parameters: [q('environment', environment), q('include_inactive', booleanParam('Include inactive deployments', false))],
      responses: { '200': ok({ type: 'array', items: ref('Deployment') }), ...errorResponses(422) },
    }),
  },
  '/api/v1/training/models/{id}/undeploy': {
    post: op('undeployModel', {
      summary: 'Deactivate a deployment',
      tag: 'deployments',
      permission: 'deployments.write',
      parameters: [pathParam('id', int(undefined, { minimum: 1 }), 'Deployment id')],
      responses: { '200': ok(ref('UndeployResult')), ...errorResponses(404, 409, 422) },
    }),
  },
  '/api/v1/training/models/rollback': {
    post: op('rollbackDeployment', {
      summary: 'Re-activate the backup of an age range',
      tag: 'deployments',
      permission: 'deployments.write',
      parameters: [...ageQuery(false), q('deployment_environment', environment)],
      requestBody: paramsBody('RollbackRequest', 'The range to roll back.'),
      responses: { '200': ok(ref('RollbackResult')), ...errorResponses(409, 415, 422) },
    }),
  },
  '/api/v1/deployment-requests': {
    get: op('listDeploymentRequests', {
      summary: 'Deployment requests, open ones first, with their approvals against the policy',
      description: 'Drafts show only to their requester. awaiting: open requests of others without a current review of the caller.',
      tag: 'reviews',
      permission: 'reviews.read',
      parameters: [
        q('state', str(undefined, { enum: [...REQUEST_STATES] })),
        q('environment', str(undefined, { enum: [...ENVIRONMENTS] })),
        q('view', str(undefined, { enum: ['all', 'mine', 'awaiting'], default: 'all' })),
        q('page', int(undefined, { minimum: 1, maximum: 1_000_000, default: 1 })),
        q('page_size', int(undefined, { minimum: 1, maximum: 100, default: 25 })),
      ],
      responses: { '200': ok(ref('DeploymentRequestList')), ...errorResponses(422) },
    }),
    post: op('createDeploymentRequest', {
      summary: 'Open a request to deploy an export (or keep it as a draft)',
      tag: 'reviews',
      permission: 'requests.create',
      requestBody: paramsBody('DeploymentRequestCreate', 'The export, its ModelDeploymentConfig flags and why.', true),
      responses: { '201': ok(ref('DeploymentRequestWithPolicy'), 'Created'), ...errorResponses(404, 409, 415, 422) },
    }),
  },
  '/api/v1/deployment-requests/{id}': {
    get: op('getDeploymentRequest', {
      summary: 'A request, its reviews (with lapse status), the policy and the evaluation against it',
      tag: 'reviews',
      permission: 'reviews.read',
      parameters: [pathParam('id', str(), 'Request id')],
      responses: { '200': ok(ref('DeploymentRequestDetail')), ...errorResponses(404) },
    }),
  },
  '/api/v1/deployment-requests/{id}/reviews': {
    post: op('reviewDeploymentRequest', {
      summary: 'Approve, request changes or reject (never the requester)',
      description:
        'An approval binds to the request’s SHA-256 and the export’s latest (passing) validation run, and carries the reviewer’s preview summary of those bytes: send preview_summary to attach one, as the console’s “Attach to review” does. The requester’s own review is refused (403 self_review).',
      tag: 'reviews',
      permission: 'reviews.write',
      parameters: [pathParam('id', str(), 'Request id')],
      requestBody: paramsBody('ReviewCreate', 'The decision.', true),
      responses: { '201': ok(ref('ReviewResult'), 'Created'), ...errorResponses(404, 409, 413, 415, 422) },
    }),
  },
  '/api/v1/deployment-requests/{id}/deploy': {
    post: op('deployDeploymentRequest', {
      summary: 'Deploy an approved request',
      description: 'Re-checks the state, the reviewed hash, the latest validation and the whole policy (the deployer may not be its only approver) in the deploy’s transaction. A deploy that fails marks the request failed.',
      tag: 'reviews',
      permission: 'deployments.write',
      parameters: [pathParam('id', str(), 'Request id')],
      responses: { '200': ok(ref('DeployResult')), ...errorResponses(404, 409, 422, 503) },
    }),
  },
  '/api/v1/deployment-requests/{id}/break-glass': {
    post: op('breakGlassDeploy', {
      summary: 'Deploy a request without its approvals (admins, with a written reason; flagged)',
      tag: 'reviews',
      permission: 'deployments.break_glass',
      parameters: [pathParam('id', str(), 'Request id')],
      requestBody: paramsBody('BreakGlass', 'The reason.', true),
      responses: { '200': ok(ref('DeployResult')), ...errorResponses(404, 409, 415, 422, 503) },
    }),
  },
  '/api/v1/deployment-requests/{id}/withdraw': {
    post: op('withdrawDeploymentRequest', {
      summary: 'Withdraw a request (its requester)',
      tag: 'reviews',
      permission: 'requests.create',
      parameters: [pathParam('id', str(), 'Request id')],
      requestBody: paramsBody('Withdraw', 'Optional reason.'),
      responses: { '200': ok(ref('DeploymentRequestWithPolicy')), ...errorResponses(404, 409, 415, 422) },
    }),
  },
  '/api/v1/deployment-requests/{id}/submit': {
    post: op('submitDeploymentRequest', {
      summary: 'Open a draft (or a failed request) for review (its requester)',
      tag: 'reviews',
      permission: 'requests.create',
      parameters: [pathParam('id', str(), 'Request id')],
      responses: { '200': ok(ref('DeploymentRequestWithPolicy')), ...errorResponses(404, 409) },
    }),
  },
  '/api/v1/review-policies': {
    get: op('listReviewPolicies', {
      summary: 'Each environment’s review policy',
      tag: 'reviews',
      permission: 'reviews.read',
      responses: { '200': ok(ref('ReviewPolicyList')) },
    }),
  },
  '/api/v1/review-policies/{environment}': {
    put: op('setReviewPolicy', {
      summary: 'Set an environment’s review policy; requests under review there are re-evaluated',
      tag: 'reviews',
      permission: 'policy.manage',
      parameters: [pathParam('environment', str(undefined, { enum: [...ENVIRONMENTS] }), 'Deployment environment')],
      requestBody: paramsBody('ReviewPolicyUpdate', 'The rules.'),
      responses: { '200': ok(ref('ReviewPolicy')), ...errorResponses(409, 415, 422) },
    }),
  },
  '/api/v1/artifacts/{sha256}': {
    get: op('getArtifact', {
      summary: 'A catalogued artifact by SHA-256 (checkpoints, validation sets, exports)',
      tag: 'artifacts',
      permission: 'models.read',
      parameters: [pathParam('sha256', sha256(), 'SHA-256 of the artifact'), ...artifactParams],
      responses: artifactResponses(),
    }),
  },
};

export function openApiDocument() {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Drawbridge API',
      version: '1.0.0',
      description:
        'Registry and deployment API for the age-group autoencoders. Errors are `{"detail": …, "code": …}`; 422 validation errors carry a `detail` list of `{loc, msg, type}`.',
    },
    servers: [{ url: '/' }],
    security: [{ bearerAuth: [] }, { cookieAuth: [] }],
    tags: [{ name: 'system' }, { name: 'training jobs' }, { name: 'models' }, { name: 'deployments' }, { name: 'reviews' }, { name: 'artifacts' }],
    paths,
    components: {
      securitySchemes: {
        bearerAuth: {
          type: 'http',
          scheme: 'bearer',
          description:
            'An API token (dbt_…). The server that owns an embedded data directory also accepts its local-operator credential (dbl_…, kept in the data directory\'s lock file, new at every start) with an optional X-Drawbridge-Act-As: EMAIL header: how `drawbridge` in local mode works through it.',
        },
        cookieAuth: {
          type: 'apiKey',
          in: 'cookie',
          name: 'drawbridge_session',
          description:
            "A browser session. A POST, PUT, PATCH or DELETE it authenticates must come from the console: Origin this server's, Sec-Fetch-Site same-origin when sent, and X-Drawbridge-Request: 1 or an application/json body (else 403 csrf_refused); its parameters in the body, not the query string (else 400 query_parameters_refused).",
        },
      },
      schemas,
      responses: {
        BadRequest: errorResponse('Malformed request (bad JSON or multipart, an unusable parameter such as model_export_path, query-string parameters on a session-cookie mutation: query_parameters_refused)'),
        Unauthenticated: errorResponse('No valid token or session'),
        Forbidden: errorResponse('The role may not do this (forbidden), this user may not (self_review), or a session-cookie mutation does not show it comes from the console (csrf_refused)'),
        NotFound: errorResponse('Nothing by that name'),
        Conflict: errorResponse('The registry’s state does not allow it (active model exists, no backup, job not completed, approval_required, not_approved, policy_not_satisfied, …)'),
        PayloadTooLarge: errorResponse('Over DRAWBRIDGE_MAX_ARTIFACT_MB (artifact_too_large) or the body limit (payload_too_large)'),
        UnsupportedMediaType: errorResponse('A body type this endpoint does not read'),
        RangeNotSatisfiable: { description: 'The Range misses the object (Content-Range: bytes */size)' },
        TooManyAttempts: {
          ...errorResponse('Too many failed bearer tokens from this client address (too_many_attempts): refused, even a valid token, until Retry-After has passed'),
          headers: { 'Retry-After': { description: 'Seconds until a token from this address is checked again', schema: { type: 'integer', minimum: 1 } } },
        },
        WorkerUnavailable: errorResponse('The task worker processing the file crashed (worker_crashed) or every worker is busy (server_busy); try again'),
        Unprocessable: errorResponse('Invalid parameters, or bytes that are not an acceptable model or validation set', {
          anyOf: [ref('ValidationError'), ref('Error')],
        }),
      },
    },
  };
}
