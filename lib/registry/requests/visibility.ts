import 'server-only';
import { can, type Actor } from '../../auth/permissions';
import type { Prisma } from '../../db/generated/client';

/**
 * Who sees which deployment requests, as a where-clause every reader adds (lists, the request page,
 * the model page's panel, the API, reviews): a draft is its requester's own until submitted, and
 * admins see drafts too (they manage the policy the draft will be judged by). Everything else is
 * visible to anyone who may read reviews. A request the actor may not see is not found, never
 * forbidden, so its existence does not leak.
 */
export function requestWhereVisibleTo(actor: Pick<Actor, 'id' | 'role'>): Prisma.DeploymentRequestWhereInput {
  if (can(actor, 'policy.manage')) return {};
  return { OR: [{ state: { not: 'draft' } }, { requesterId: actor.id }] };
}
