/** snake_case JSON shapes of the original service. */
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

export function trainingJobToJson(j: JobRow) {
  return {
    id: j.id,
    job_name: j.jobName,
    environment: j.environment,
    config_parameters: j.configParameters,
    dataset_path: j.datasetPath,
    status: j.status,
    start_timestamp: j.startTimestamp?.toISOString() ?? null,
    end_timestamp: j.endTimestamp?.toISOString() ?? null,
    sagemaker_job_arn: j.sagemakerJobArn,
    checkpoint_sha256: j.checkpointSha256,
    validation_set_sha256: j.validationSha256,
    created_at: j.createdAt.toISOString(),
    report: j.report
      ? {
          final_loss: j.report.finalLoss,
          validation_accuracy: j.report.validationAccuracy,
          best_epoch: j.report.bestEpoch,
          training_time_seconds: j.report.trainingTimeSeconds,
          model_parameters_sha256: j.report.modelParametersSha256,
          metrics_summary: j.report.metricsSummary,
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

export function validationRunToJson(r: ValidationRunRow) {
  return {
    id: r.id,
    artifact_sha256: r.artifactSha256,
    is_valid: r.isValid,
    errors: r.errors,
    warnings: r.warnings,
    compatibility_checks: r.compatibilityChecks,
    integrity_checks: r.integrityChecks,
    performance_checks: r.performanceChecks,
    created_at: r.createdAt.toISOString(),
    created_by: r.createdBy?.name ?? null,
  };
}

/** Where an export's bytes can be fetched over the API (relative to the server's origin). */
export function exportDownloadUrl(modelId: string): string {
  return `/api/v1/training/models/exports/${encodeURIComponent(modelId)}/download`;
}
