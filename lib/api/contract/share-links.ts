/**
 * Wire shapes of share links: public read-only links to one model page
 * (/api/v1/training/models/exports/{model_id}/share-links and /api/v1/share-links/{id}).
 */
import { z } from 'zod';
import { positiveIntParam } from '../params';
import { dateTime } from './common';
import type { Operation, PathTable } from './operation';

/** The longest a link may last, in days (the registry refuses more too). */
export const SHARE_LINK_MAX_DAYS = 365;

/** Body of POST …/share-links. */
export const shareLinkCreateBody = z.object({
  expires_in_days: positiveIntParam(SHARE_LINK_MAX_DAYS)
    .optional()
    .describe(`Days until the link stops opening (1–${SHARE_LINK_MAX_DAYS}); omitted: it lasts until revoked`),
});

/** One link as listed: never its token, which is shown once, when the link is made. */
export const shareLinkResponse = z.object({
  id: z.string().describe('The link’s id (what revoking names; not the token)'),
  created_at: dateTime(),
  created_by: z.string().nullable().describe('Who made it'),
  expires_at: dateTime().nullable().describe('When it stops opening; null: when revoked'),
  revoked_at: dateTime().nullable(),
  revoked_by: z.string().nullable(),
  access_count: z.int().min(0).describe('Page views through the link'),
  last_accessed_at: dateTime().nullable(),
  active: z.boolean().describe('Opens the page now: neither revoked nor expired'),
});
export type ShareLinkResponse = z.infer<typeof shareLinkResponse>;

/** The answer to POST …/share-links: the link, and (this once) its token and absolute URL. */
export const shareLinkCreatedResponse = shareLinkResponse.extend({
  token: z.string().describe('The credential itself; shown only in this answer'),
  url: z.url().describe('The public page, `<this server’s public origin>/share/<token>`'),
});
export type ShareLinkCreatedResponse = z.infer<typeof shareLinkCreatedResponse>;

export const shareLinkSchemas = {
  ShareLink: shareLinkResponse,
  ShareLinkCreated: shareLinkCreatedResponse,
  ShareLinkCreate: shareLinkCreateBody,
};

const modelIdParam = z.object({ model_id: z.string().describe('The export’s model id') });
const linkIdParam = z.object({ id: z.string().describe('The share link’s id (from the list), not its token') });

const revokeOperation: Operation = {
  operationId: 'revokeShareLink',
  summary: 'Revoke a share link: it stops opening the page at once (deployers and admins)',
  description: 'An unknown or already revoked id answers 404 share_link_not_found. The revocation is audited.',
  tag: 'models',
  permission: 'share.manage',
  pathParams: linkIdParam,
  responses: { '204': { raw: { description: 'Revoked' } } },
  errors: [404],
};

export const shareLinkPaths: PathTable = {
  '/api/v1/training/models/exports/{model_id}/share-links': {
    get: {
      operationId: 'listShareLinks',
      summary: 'An export’s share links, newest first, without their tokens (deployers and admins)',
      tag: 'models',
      permission: 'share.manage',
      pathParams: modelIdParam,
      responses: { '200': { schema: 'ShareLink', list: true } },
      errors: [404],
    },
    post: {
      operationId: 'createShareLink',
      summary: 'Make a public read-only link to an export’s page (deployers and admins)',
      description:
        'Answers the token and the absolute URL once; they are never shown again (the list has neither). The creation is audited.',
      tag: 'models',
      permission: 'share.manage',
      pathParams: modelIdParam,
      body: { schema: 'ShareLinkCreate', as: 'params', description: 'How long the link lasts.' },
      responses: { '201': { schema: 'ShareLinkCreated' } },
      errors: [404, 415, 422],
    },
  },
  '/api/v1/share-links/{id}': { delete: revokeOperation },
};
