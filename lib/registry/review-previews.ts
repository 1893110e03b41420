import 'server-only';
import type { Actor } from '../auth/permissions';
import { requirePermission } from '../auth/permissions';
import type { Db } from '../db';
import type { Prisma } from '../db/generated/client';
import { notFound } from '../errors';
import { recordAudit } from './audit';
import { WorkflowError } from './review-state';

/** A summary is numbers and labels, not data: capped so a reviewer cannot park megabytes in a review. */
export const PREVIEW_SUMMARY_MAX_BYTES = 16 * 1024;

/**
 * Stores the reconstruction preview's summary a reviewer ran in their browser, bound to the
 * export's bytes. When the summary names the SHA-256 it ran on (`artifact_sha256`), it must be
 * this export's: a summary of other bytes is refused. An approval later copies the reviewer's
 * latest summary of the request's bytes into the review.
 */
export async function attachPreviewSummary(db: Db, actor: Actor, modelId: string, summary: unknown) {
  requirePermission(actor, 'reviews.write');
  if (!summary || typeof summary !== 'object' || Array.isArray(summary)) {
    throw new WorkflowError('invalid_preview_summary', 'The preview summary must be a JSON object.', {
      field: 'summary',
    });
  }
  const text = JSON.stringify(summary);
  if (Buffer.byteLength(text) > PREVIEW_SUMMARY_MAX_BYTES) {
    throw new WorkflowError(
      'payload_too_large',
      `The preview summary is larger than ${PREVIEW_SUMMARY_MAX_BYTES / 1024} KiB.`,
      { field: 'summary' },
    );
  }
  const exp = await db.modelExport.findUnique({
    where: { modelId },
    select: { id: true, modelId: true, checksum: true },
  });
  if (!exp) throw notFound('Model', modelId, 'model_not_found');
  const claimed =
    (summary as Record<string, unknown>).artifact_sha256 ?? (summary as Record<string, unknown>).artifactSha256;
  if (claimed !== undefined && claimed !== exp.checksum) {
    throw new WorkflowError(
      'artifact_hash_mismatch',
      `This preview ran on other bytes (${String(claimed).slice(0, 12)}…) than ${exp.modelId} (${exp.checksum.slice(0, 12)}…); run it again.`,
      { field: 'summary' },
    );
  }
  return db.$transaction(async (tx) => {
    const row = await tx.previewSummary.create({
      data: {
        userId: actor.id,
        modelExportId: exp.id,
        artifactSha256: exp.checksum,
        summary: JSON.parse(text) as Prisma.InputJsonValue,
      },
    });
    await recordAudit(tx, actor, {
      action: 'preview.attach',
      subjectType: 'model_export',
      subjectId: exp.modelId,
      after: { previewSummaryId: row.id, artifactSha256: exp.checksum },
    });
    return row;
  });
}

/** Each user's latest preview summary of an export's current bytes. */
export async function latestPreviewSummaries(db: Db, actor: Actor, modelExportId: string) {
  requirePermission(actor, 'reviews.read');
  const exp = await db.modelExport.findUnique({ where: { id: modelExportId }, select: { checksum: true } });
  if (!exp) return [];
  const rows = await db.previewSummary.findMany({
    where: { modelExportId, artifactSha256: exp.checksum },
    orderBy: { createdAt: 'desc' },
    include: { user: { select: { id: true, name: true } } },
    take: 50,
  });
  const seen = new Set<string>();
  return rows.filter((r) => (seen.has(r.userId) ? false : (seen.add(r.userId), true)));
}
