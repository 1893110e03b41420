import 'server-only';
import crypto from 'node:crypto';
import type { Actor } from '../auth/permissions';
import { requirePermission } from '../auth/permissions';
import { sign, verifySignature } from '../auth/server-secret';
import type { Db } from '../db';
import { invalidField, notFound } from '../errors';
import { recordAudit } from './audit';

/**
 * Public read-only links to a model page. The token is `<random id>.<HMAC(id)>`: the signature
 * rejects forged or mangled tokens without touching the database; the row (stored by the token's
 * hash) makes links revocable and counts their use.
 */
const hashToken = (token: string) => crypto.createHash('sha256').update(token).digest('hex');

/** Who made and who revoked a link, by name, as every reader of a link shows them. */
const LINK_PEOPLE = { createdBy: { select: { name: true } }, revokedBy: { select: { name: true } } } as const;

export async function createShareLink(db: Db, actor: Actor, modelId: string, opts: { expiresInDays?: number } = {}) {
  requirePermission(actor, 'share.manage');
  const exp = await db.modelExport.findUnique({ where: { modelId }, select: { id: true } });
  if (!exp) throw notFound('Model', modelId, 'model_not_found');
  if (opts.expiresInDays !== undefined && !(opts.expiresInDays >= 1 && opts.expiresInDays <= 365)) {
    throw invalidField('A share link lasts between 1 and 365 days.', 'expiresInDays');
  }
  const id = crypto.randomBytes(16).toString('base64url');
  const token = `${id}.${await sign(db, `share:${id}`)}`;
  return db.$transaction(async (tx) => {
    const link = await tx.shareLink.create({
      data: {
        modelExportId: exp.id,
        tokenHash: hashToken(token),
        createdById: actor.id,
        expiresAt: opts.expiresInDays ? new Date(Date.now() + opts.expiresInDays * 86_400_000) : null,
      },
      include: LINK_PEOPLE,
    });
    await recordAudit(tx, actor, {
      action: 'share_link.create',
      subjectType: 'model_export',
      subjectId: modelId,
      after: { shareLinkId: link.id, expiresAt: link.expiresAt },
    });
    return { token, link };
  });
}

export async function revokeShareLink(db: Db, actor: Actor, shareLinkId: string): Promise<boolean> {
  requirePermission(actor, 'share.manage');
  return db.$transaction(async (tx) => {
    const link = await tx.shareLink.findUnique({
      where: { id: shareLinkId },
      include: { modelExport: { select: { modelId: true } } },
    });
    if (!link || link.revokedAt) return false;
    await tx.shareLink.update({ where: { id: link.id }, data: { revokedAt: new Date(), revokedById: actor.id } });
    await recordAudit(tx, actor, {
      action: 'share_link.revoke',
      subjectType: 'model_export',
      subjectId: link.modelExport.modelId,
      before: { shareLinkId: link.id },
    });
    return true;
  });
}

/** The model's links, newest first. An unknown model is a 404 (not []): a typo must not read as "never shared". */
export async function listShareLinks(db: Db, actor: Actor, modelId: string) {
  requirePermission(actor, 'share.manage');
  const exp = await db.modelExport.findUnique({ where: { modelId }, select: { id: true } });
  if (!exp) throw notFound('Model', modelId, 'model_not_found');
  return db.shareLink.findMany({
    where: { modelExportId: exp.id },
    orderBy: { createdAt: 'desc' },
    include: LINK_PEOPLE,
  });
}

/**
 * The model a public token opens, or null (forged, revoked, expired). Counts the access. Needs no
 * actor: the token is the credential, and it opens exactly one model page.
 */
export async function resolveShareToken(db: Db, token: string, opts: { count?: boolean } = {}) {
  const [id, signature] = token.split('.');
  if (!id || !signature || !(await verifySignature(db, `share:${id}`, signature))) return null;
  const link = await db.shareLink.findUnique({ where: { tokenHash: hashToken(token) } });
  if (!link || link.revokedAt || (link.expiresAt && link.expiresAt <= new Date())) return null;
  if (opts.count !== false) {
    await db.shareLink.update({
      where: { id: link.id },
      data: { accessCount: { increment: 1 }, lastAccessedAt: new Date() },
    });
  }
  return db.modelExport.findUnique({
    where: { id: link.modelExportId },
    include: {
      validationRuns: { orderBy: { createdAt: 'desc' }, take: 1 },
      deployments: { where: { isActive: true }, select: { id: true, environment: true, threshold: true } },
      artifact: { select: { sizeBytes: true } },
      trainingJob: { select: { jobName: true, validationSet: { select: { sha256: true, sizeBytes: true } } } },
    },
  });
}

/**
 * An artifact a public token may fetch for its page's preview: the export's own bytes or its
 * training job's validation set, nothing else (another model's hash answers null even though it
 * exists). Not counted: the page view was.
 */
export async function resolveShareArtifact(db: Db, token: string, sha256: string) {
  const exp = await resolveShareToken(db, token, { count: false });
  const allowed = exp && (sha256 === exp.checksum || sha256 === exp.trainingJob?.validationSet?.sha256);
  if (!allowed) return null;
  return db.artifact.findUnique({ where: { sha256 }, select: { sha256: true, mediaType: true } });
}
