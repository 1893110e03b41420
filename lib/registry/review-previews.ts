import 'server-only';
import type { Actor } from '../auth/permissions';
import { requirePermission } from '../auth/permissions';
import type { Db } from '../db';
import type { Prisma } from '../db/generated/client';
import { notFound } from '../errors';
import { quantile } from '../formats/validation-set';
import { previewSummarySchema, type CheckedPreviewSummary } from '../preview/summary-schema';
import {
  comparePreviewNumbers,
  PREVIEW_RELATIVE_TOLERANCE,
  previewNumbers,
  type PreviewMismatch,
} from '../preview/summary';
import type { ArtifactStore } from '../storage/types';
import { recordAudit } from './audit';
import { computeServerReconstruction, type ServerReconstruction } from './reconstruction';
import { WorkflowError } from './review-state';

/** A summary is numbers and labels, not data: capped so a reviewer cannot park megabytes in a review. */
export const PREVIEW_SUMMARY_MAX_BYTES = 16 * 1024;

function parseSummary(summary: unknown): CheckedPreviewSummary {
  if (!summary || typeof summary !== 'object' || Array.isArray(summary)) {
    throw new WorkflowError('invalid_preview_summary', 'The preview summary must be a JSON object.', {
      field: 'summary',
    });
  }
  if (Buffer.byteLength(JSON.stringify(summary)) > PREVIEW_SUMMARY_MAX_BYTES) {
    throw new WorkflowError(
      'payload_too_large',
      `The preview summary is larger than ${PREVIEW_SUMMARY_MAX_BYTES / 1024} KiB.`,
      { field: 'summary' },
    );
  }
  const r = previewSummarySchema.safeParse(summary);
  if (!r.success) {
    const issues = r.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || 'summary'}: ${i.message}`);
    throw new WorkflowError(
      'invalid_preview_summary',
      `This is not a preview summary the server can check (${issues.join('; ')}). Run the preview on the model page and attach what it produces.`,
      { field: 'summary', issues },
    );
  }
  return r.data;
}

function fmt(v: number | null): string {
  return v === null ? 'none' : String(Number(v.toPrecision(8)));
}

function mismatchError(m: PreviewMismatch): WorkflowError {
  return new WorkflowError(
    'preview_mismatch',
    `The preview's ${m.field} is ${fmt(m.got)}; the server's recomputation (onnxruntime-node, same artifact and validation set) gives ${fmt(m.expected)}, more than ${PREVIEW_RELATIVE_TOLERANCE} relative apart. Run the preview again and attach the new summary.`,
    { field: m.field, expected: m.expected, got: m.got, tolerance: PREVIEW_RELATIVE_TOLERANCE },
  );
}

/** The threshold a summary used must be one the preview could have chosen (lib/preview/stats chooseThreshold). */
function expectedThreshold(s: CheckedPreviewSummary, server: ServerReconstruction, deployed: number[]): number | null {
  if (s.threshold_source === 'deployment') {
    return deployed.find((t) => Math.abs(t - s.threshold) <= PREVIEW_RELATIVE_TOLERANCE * Math.abs(t)) ?? null;
  }
  const labels = server.is_anomaly;
  const basis =
    s.threshold_source === 'p95-normal' ? server.errors.filter((_, i) => labels && !labels[i]) : server.errors;
  return basis.length ? quantile(basis, 0.95) : null;
}

/**
 * Recomputes a summary's numbers from the server's own reconstruction and refuses it at the first
 * disagreement; returns what the server found, for the stored row.
 */
async function verifySummary(
  db: Db,
  store: ArtifactStore,
  actor: Actor,
  exp: { modelId: string; deployments: { threshold: number }[] },
  s: CheckedPreviewSummary,
) {
  const server = await computeServerReconstruction(db, store, actor, exp.modelId);
  const threshold = expectedThreshold(
    s,
    server,
    exp.deployments.map((d) => d.threshold),
  );
  if (threshold === null || Math.abs(threshold - s.threshold) > PREVIEW_RELATIVE_TOLERANCE * Math.abs(threshold)) {
    throw mismatchError({ field: 'threshold', expected: threshold, got: s.threshold });
  }
  const expected = previewNumbers(server.errors, server.is_anomaly, s.threshold);
  const cmp = comparePreviewNumbers(s, expected, server.errors, server.is_anomaly);
  if (cmp.mismatch) throw mismatchError(cmp.mismatch);
  return {
    verifier: server.backend,
    tolerance: PREVIEW_RELATIVE_TOLERANCE,
    max_relative_difference: cmp.maxRelativeDifference,
    threshold_source: s.threshold_source,
    server: expected,
    inference_ms: server.inference_ms,
  };
}

/**
 * Stores the reconstruction preview's summary a reviewer ran in their browser, once the server has
 * vouched for it: the summary must name this export's bytes and its training job's validation set,
 * and every number must match the server's onnxruntime-node recomputation (1e-4 relative). An
 * approval later copies the reviewer's latest verified summary of the request's bytes into the review.
 */
export async function attachPreviewSummary(
  db: Db,
  store: ArtifactStore,
  actor: Actor,
  modelId: string,
  summary: unknown,
) {
  requirePermission(actor, 'reviews.write');
  const s = parseSummary(summary);
  const exp = await db.modelExport.findUnique({
    where: { modelId },
    select: {
      id: true,
      modelId: true,
      checksum: true,
      trainingJob: { select: { validationSha256: true } },
      deployments: { select: { threshold: true } },
    },
  });
  if (!exp) throw notFound('Model', modelId, 'model_not_found');
  if (s.artifact_sha256 !== exp.checksum) {
    throw new WorkflowError(
      'artifact_hash_mismatch',
      `This preview ran on other bytes (${s.artifact_sha256.slice(0, 12)}…) than ${exp.modelId} (${exp.checksum.slice(0, 12)}…); run it again.`,
      { field: 'summary' },
    );
  }
  const vsSha = exp.trainingJob?.validationSha256 ?? null;
  if (!vsSha) {
    throw new WorkflowError(
      'validation_set_missing',
      `${exp.modelId} has no validation set (its training job registered none), so the server cannot check a preview of it. Register the job again with its validation set, or ask an admin to lift the preview requirement for this environment.`,
      { field: 'summary' },
    );
  }
  if (s.validation_set_sha256 !== vsSha) {
    throw new WorkflowError(
      'validation_set_mismatch',
      s.validation_set_sha256 === null
        ? `This preview ran on a file you chose; the server can only check a preview on ${exp.modelId}'s validation set. Run it on the validation set and attach that.`
        : `This preview ran on another validation set (${s.validation_set_sha256.slice(0, 12)}…) than ${exp.modelId}'s (${vsSha.slice(0, 12)}…); run it again on the model page.`,
      { field: 'summary', expected: vsSha, got: s.validation_set_sha256 },
    );
  }
  const verification = await verifySummary(db, store, actor, exp, s);
  return db.$transaction(async (tx) => {
    const row = await tx.previewSummary.create({
      data: {
        userId: actor.id,
        modelExportId: exp.id,
        artifactSha256: exp.checksum,
        summary: s as Prisma.InputJsonValue,
        verifiedAt: new Date(),
        backend: s.backend,
        validationSetSha256: vsSha,
        verification: verification as Prisma.InputJsonValue,
      },
    });
    await recordAudit(tx, actor, {
      action: 'preview.attach',
      subjectType: 'model_export',
      subjectId: exp.modelId,
      after: {
        previewSummaryId: row.id,
        artifactSha256: exp.checksum,
        validationSetSha256: vsSha,
        verified: true,
        maxRelativeDifference: verification.max_relative_difference,
      },
    });
    return row;
  });
}

/** How a review shows its preview: what the approval copied from the verified summary. */
export type ReviewPreview = {
  verified: boolean;
  backend: string | null;
  threads: number | null;
  samples: number | null;
  flagged: number | null;
  verified_at: string | null;
};

/** Reads the preview an approval carries (Review.previewSummary); unverified for rows older than verification. */
export function reviewPreviewOf(json: unknown): ReviewPreview | null {
  if (!json || typeof json !== 'object') return null;
  const j = json as { verified?: unknown; verified_at?: unknown; summary?: Record<string, unknown> };
  const s = j.summary ?? {};
  const num = (v: unknown) => (typeof v === 'number' ? v : null);
  return {
    verified: j.verified === true,
    backend: typeof s.backend === 'string' ? s.backend : null,
    threads: num(s.threads),
    samples: num(s.samples),
    flagged: num(s.flagged),
    verified_at: typeof j.verified_at === 'string' ? j.verified_at : null,
  };
}

/** Each user's latest verified preview summary of an export's current bytes (what an approval would carry). */
export async function latestPreviewSummaries(db: Db, actor: Actor, modelExportId: string) {
  requirePermission(actor, 'reviews.read');
  const exp = await db.modelExport.findUnique({ where: { id: modelExportId }, select: { checksum: true } });
  if (!exp) return [];
  const rows = await db.previewSummary.findMany({
    where: { modelExportId, artifactSha256: exp.checksum, verifiedAt: { not: null } },
    orderBy: { createdAt: 'desc' },
    include: { user: { select: { id: true, name: true } } },
    take: 50,
  });
  const seen = new Set<string>();
  return rows.filter((r) => (seen.has(r.userId) ? false : (seen.add(r.userId), true)));
}
