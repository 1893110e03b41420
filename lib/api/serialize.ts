/**
 * The original service's snake_case JSON, typed against the contract (lib/api/contract): a field
 * the contract names and a serializer leaves out, or spells differently, is a type error here.
 */
import type { ExportFormat } from '../formats/export';
import { ageRangeOverrideToJson } from '../registry/age-range';
import type { deploymentToDict } from '../registry/deploy';
import { exportMetadataToDict, type ExportMetadataDict } from '../registry/exports';
import type { AuditEventResponse } from './contract/system';
import type { DeploymentResponse } from './contract/deployments';
import type { ModelExportDetailResponse, ModelExportMetadataResponse, ValidationRunResponse } from './contract/models';
import type { TrainingJobResponse } from './contract/training-jobs';

// JSON columns hold what the registry validated on the way in (objects; lists of messages).
type JsonObject = Record<string, unknown>;

type JobRow = {
  id: number;
  jobName: string;
  environment: string;
  configParameters: unknown;
  datasetPath: string | null;
  status: string;
  startTimestamp: Date | null;
  endTimestamp: Date | null;
  sagemakerJobArn: string | null;
  checkpointSha256: string | null;
  validationSha256: string | null;
  ageGroupMin: number | null;
  ageGroupMax: number | null;
  createdAt: Date;
  report?: {
    finalLoss: number;
    validationAccuracy: number | null;
    bestEpoch: number | null;
    trainingTimeSeconds: number | null;
    modelParametersSha256: string | null;
    metricsSummary: unknown;
    reportFilePath: string | null;
  } | null;
};

export function trainingJobToJson(j: JobRow): TrainingJobResponse {
  return {
    id: j.id,
    job_name: j.jobName,
    environment: j.environment,
    config_parameters: j.configParameters as JsonObject,
    dataset_path: j.datasetPath,
    status: j.status,
    start_timestamp: j.startTimestamp?.toISOString() ?? null,
    end_timestamp: j.endTimestamp?.toISOString() ?? null,
    sagemaker_job_arn: j.sagemakerJobArn,
    checkpoint_sha256: j.checkpointSha256,
    validation_set_sha256: j.validationSha256,
    age_group_min: j.ageGroupMin,
    age_group_max: j.ageGroupMax,
    created_at: j.createdAt.toISOString(),
    report: j.report
      ? {
          final_loss: j.report.finalLoss,
          validation_accuracy: j.report.validationAccuracy,
          best_epoch: j.report.bestEpoch,
          training_time_seconds: j.report.trainingTimeSeconds,
          model_parameters_sha256: j.report.modelParametersSha256,
          metrics_summary: j.report.metricsSummary as JsonObject,
          report_file_path: j.report.reportFilePath,
        }
      : null,
  };
}

type ValidationRunRow = {
  id: string;
  artifactSha256: string;
  isValid: boolean;
  errors: unknown;
  warnings: unknown;
  compatibilityChecks: unknown;
  integrityChecks: unknown;
  performanceChecks: unknown;
  createdAt: Date;
  createdBy?: { name: string } | null;
};

export function validationRunToJson(r: ValidationRunRow): ValidationRunResponse {
  return {
    id: r.id,
    artifact_sha256: r.artifactSha256,
    is_valid: r.isValid,
    errors: r.errors as string[],
    warnings: r.warnings as string[],
    compatibility_checks: r.compatibilityChecks as JsonObject,
    integrity_checks: r.integrityChecks as JsonObject,
    performance_checks: r.performanceChecks as JsonObject,
    created_at: r.createdAt.toISOString(),
    created_by: r.createdBy?.name ?? null,
  };
}

/** Where an export's bytes can be fetched over the API (relative to the server's origin). */
export function exportDownloadUrl(modelId: string): string {
  return `/api/v1/training/models/exports/${encodeURIComponent(modelId)}/download`;
}

type ExportRow = Parameters<typeof exportMetadataToDict>[0];

/**
 * An export on the wire: the registry's to_dict() (its string columns narrowed to what they hold)
 * and whether it was made for other ages than its job's, with the exporter's reason.
 */
export function exportToJson(e: ExportRow): ModelExportMetadataResponse {
  const d: ExportMetadataDict = exportMetadataToDict(e);
  return {
    ...d,
    model_type: d.model_type as ModelExportMetadataResponse['model_type'],
    export_format: d.export_format as ExportFormat,
    training_metrics: d.training_metrics as JsonObject,
    age_range_override: ageRangeOverrideToJson(e),
  };
}

/** GET /api/v1/training/models/exports/{model_id}: the export, where to deploy and fetch it from, its runs. */
export function exportDetailToJson(
  e: ExportRow,
  exportPath: string,
  runs: ValidationRunRow[],
): ModelExportDetailResponse {
  return {
    ...exportToJson(e),
    export_path: exportPath,
    download_url: exportDownloadUrl(e.modelId),
    validation_runs: runs.map(validationRunToJson),
  };
}

type AuditEventRow = Omit<AuditEventResponse, 'createdAt' | 'before' | 'after'> & {
  createdAt: Date;
  before: unknown;
  after: unknown;
};

/** An audit event as the database holds it (camelCase, as the hash chain covers it). */
export function auditEventToJson(e: AuditEventRow): AuditEventResponse {
  return {
    id: e.id,
    actorId: e.actorId,
    actorLabel: e.actorLabel,
    action: e.action,
    subjectType: e.subjectType,
    subjectId: e.subjectId,
    before: e.before as JsonObject | null,
    after: e.after as JsonObject | null,
    createdAt: e.createdAt.toISOString(),
    prevHash: e.prevHash,
    hash: e.hash,
  };
}

/** A deployment (the registry's AgeGroupModel dict) with the name of whoever deployed it. */
export function deploymentToJson(
  dict: ReturnType<typeof deploymentToDict>,
  deployedBy: { name: string } | null | undefined,
): DeploymentResponse {
  return { ...dict, parameters: dict.parameters as JsonObject, deployed_by: deployedBy?.name ?? null };
}
