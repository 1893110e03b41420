/**
 * What the in-browser reconstruction preview needs, and the server's own answer to compare with.
 *
 * The preview runs the exact exported artifact in the reviewer's browser (lib/preview); the page
 * hands it content addresses and checksums only, never bytes, so the browser verifies what it
 * downloaded itself. `computeServerReconstruction` is the reference the e2e test compares against:
 * the same artifact on the same samples through onnxruntime-node.
 */
import 'server-only';
import type { Actor } from '../auth/permissions';
import { requirePermission } from '../auth/permissions';
import type { Db } from '../db';
import { ModelDeploymentError } from '../formats/errors';
import type { ExportFormat } from '../formats/export';
import type { ArtifactStore } from '../storage/types';
import { notFound } from '../errors';
import { runTask, transferable } from '../workers';

/** Where the browser fetches an artifact: the content-addressed, immutable, session-checked route. */
export function artifactUrl(sha256: string): string {
  return `/api/v1/artifacts/${sha256}`;
}

export type PreviewArtifact = {
  sha256: string;
  sizeBytes: number;
  url: string;
};

export type PreviewModel = PreviewArtifact & {
  modelId: string;
  format: ExportFormat;
};

export type PreviewSources = {
  candidate: PreviewModel;
  /** The training job's validation set; null for direct exports or jobs that registered none. */
  validationSet: PreviewArtifact | null;
  /** The threshold this export was deployed with (active deployment first, else its latest). */
  deploymentThreshold: { value: number; environment: string; deploymentId: number; active: boolean } | null;
  /** The active production model of the same age range, unless it is this export. */
  production: (PreviewModel & { threshold: number; deploymentId: number }) | null;
  ageGroupMin: number;
  ageGroupMax: number;
};

/** The data the model page passes to the preview (one scoped read). */
export async function getPreviewSources(db: Db, actor: Actor, modelId: string): Promise<PreviewSources> {
  requirePermission(actor, 'models.read');
  const exp = await db.modelExport.findUnique({
    where: { modelId },
    include: {
      artifact: { select: { sizeBytes: true } },
      trainingJob: { select: { validationSet: { select: { sha256: true, sizeBytes: true } } } },
      deployments: {
        orderBy: { createdTimestamp: 'desc' },
        select: { id: true, threshold: true, environment: true, isActive: true },
      },
    },
  });
  if (!exp) throw notFound('Model', modelId, 'model_not_found');
  const prod = await db.ageGroupModel.findFirst({
    where: { environment: 'production', ageMin: exp.ageGroupMin, ageMax: exp.ageGroupMax, isActive: true },
    include: {
      modelExport: {
        select: { modelId: true, exportFormat: true, checksum: true, artifact: { select: { sizeBytes: true } } },
      },
    },
  });
  // Prefer the deployment that serves production now; else the most recent one of any status.
  const dep =
    exp.deployments.find((d) => d.isActive && d.environment === 'production') ??
    exp.deployments.find((d) => d.isActive) ??
    exp.deployments[0];
  const vs = exp.trainingJob?.validationSet ?? null;
  return {
    candidate: {
      modelId: exp.modelId,
      format: exp.exportFormat as ExportFormat,
      sha256: exp.checksum,
      sizeBytes: Number(exp.artifact.sizeBytes),
      url: artifactUrl(exp.checksum),
    },
    validationSet: vs ? { sha256: vs.sha256, sizeBytes: Number(vs.sizeBytes), url: artifactUrl(vs.sha256) } : null,
    deploymentThreshold: dep
      ? { value: dep.threshold, environment: dep.environment, deploymentId: dep.id, active: dep.isActive }
      : null,
    production:
      prod && prod.modelExport.modelId !== exp.modelId
        ? {
            modelId: prod.modelExport.modelId,
            format: prod.modelExport.exportFormat as ExportFormat,
            // The deployment pins the bytes it serves; they equal the export's checksum.
            sha256: prod.artifactSha256,
            sizeBytes: Number(prod.modelExport.artifact.sizeBytes),
            url: artifactUrl(prod.artifactSha256),
            threshold: prod.threshold,
            deploymentId: prod.id,
          }
        : null,
    ageGroupMin: exp.ageGroupMin,
    ageGroupMax: exp.ageGroupMax,
  };
}

export type ServerReconstruction = {
  model_id: string;
  export_format: ExportFormat;
  checksum: string;
  validation_set_sha256: string;
  samples: number;
  /** Per-sample mean squared reconstruction error over the input dimensions, in sample order. */
  errors: number[];
  /** The validation set's labels (1 = anomalous), null when it carries none. */
  is_anomaly: number[] | null;
  backend: 'onnxruntime-node';
  /** True when a non-ONNX export was converted with writeOnnx first (as the browser does). */
  converted_to_onnx: boolean;
  inference_ms: number;
};

/**
 * The export on its training job's validation set through onnxruntime-node: the numbers the
 * browser preview must reproduce (within 1e-4 relative). Non-ONNX exports are converted with the
 * same pure-TS writer the browser uses, so both sides run the same graph.
 */
export async function computeServerReconstruction(
  db: Db,
  store: ArtifactStore,
  actor: Actor,
  modelId: string,
): Promise<ServerReconstruction> {
  requirePermission(actor, 'models.read');
  const exp = await db.modelExport.findUnique({
    where: { modelId },
    include: { trainingJob: { select: { validationSha256: true } } },
  });
  if (!exp) throw notFound('Model', modelId, 'model_not_found');
  const vsSha = exp.trainingJob?.validationSha256;
  if (!vsSha) {
    throw new ModelDeploymentError(
      'validation_set_missing',
      `Model ${exp.modelId} has no validation set (its training job registered none).`,
    );
  }
  const format = exp.exportFormat as ExportFormat;
  // Parsing, conversion and onnxruntime-node run in a worker (lib/workers/tasks.ts).
  const { samples, errors, isAnomaly, ms } = await runTask('reconstruction', {
    artifact: transferable(await store.get(exp.checksum)),
    format,
    validationSet: transferable(await store.get(vsSha)),
    modelId: exp.modelId,
  });
  return {
    model_id: exp.modelId,
    export_format: format,
    checksum: exp.checksum,
    validation_set_sha256: vsSha,
    samples,
    errors: Array.from(errors),
    is_anomaly: isAnomaly ? Array.from(isAnomaly) : null,
    backend: 'onnxruntime-node',
    converted_to_onnx: format !== 'onnx',
    inference_ms: Math.round(ms * 1000) / 1000,
  };
}
