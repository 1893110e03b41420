import 'server-only';
import type { Actor } from '../auth/permissions';
import { publicUrl } from '../config';
import { serverOrigins } from './csrf';
import type { Db } from '../db';
import { notFound } from '../errors';
import { createShareLink, listShareLinks, revokeShareLink } from '../registry/share-links';
import { shareLinkCreateBody, type ShareLinkCreatedResponse, type ShareLinkResponse } from './contract/share-links';

type LinkRow = {
  id: string;
  createdAt: Date;
  expiresAt: Date | null;
  revokedAt: Date | null;
  accessCount: number;
  lastAccessedAt: Date | null;
  createdBy?: { name: string } | null;
  revokedBy?: { name: string } | null;
};

function shareLinkToJson(l: LinkRow, now = new Date()): ShareLinkResponse {
  return {
    id: l.id,
    created_at: l.createdAt.toISOString(),
    created_by: l.createdBy?.name ?? null,
    expires_at: l.expiresAt?.toISOString() ?? null,
    revoked_at: l.revokedAt?.toISOString() ?? null,
    revoked_by: l.revokedBy?.name ?? null,
    access_count: l.accessCount,
    last_accessed_at: l.lastAccessedAt?.toISOString() ?? null,
    // The rule resolveShareToken applies: an expiry at or before now no longer opens.
    active: !l.revokedAt && !(l.expiresAt && l.expiresAt <= now),
  };
}

/**
 * The public page a token opens: under DRAWBRIDGE_PUBLIC_URL when the deployment names it, else the
 * origin the request was addressed to (Host, or a proxy's X-Forwarded-Host/-Proto: what the console's
 * own links use), else (the CLI in local mode has no request) http://localhost:PORT.
 */
export function shareUrl(token: string, req?: Request): string {
  const configured = !!process.env.DRAWBRIDGE_PUBLIC_URL?.trim();
  const origin = (!configured && req && serverOrigins(req)[0]) || publicUrl().origin;
  return new URL(`/share/${encodeURIComponent(token)}`, origin).toString();
}

/** GET …/exports/{model_id}/share-links: newest first, without tokens. */
export async function shareLinksJson(db: Db, actor: Actor, modelId: string): Promise<ShareLinkResponse[]> {
  const now = new Date();
  return (await listShareLinks(db, actor, modelId)).map((l) => shareLinkToJson(l, now));
}

/** POST …/exports/{model_id}/share-links {expires_in_days?}: the new link with its token and URL (shown once). */
export async function createShareLinkJson(
  db: Db,
  actor: Actor,
  modelId: string,
  raw: Record<string, unknown>,
  req?: Request,
): Promise<ShareLinkCreatedResponse> {
  const body = shareLinkCreateBody.parse(raw);
  const { token, link } = await createShareLink(db, actor, modelId, { expiresInDays: body.expires_in_days });
  return { ...shareLinkToJson(link), token, url: shareUrl(token, req) };
}

/** DELETE /api/v1/share-links/{id}: an unknown or already revoked id is a 404, so a retry says so. */
export async function revokeShareLinkById(db: Db, actor: Actor, id: string): Promise<void> {
  if (!(await revokeShareLink(db, actor, id))) throw notFound('Share link', id, 'share_link_not_found');
}
