import 'server-only';
import type { Prisma } from '../db/generated/client';
import type { Tx } from './audit';

/**
 * Which inbox items call for action, and when they stop calling for it. Handled is not read: a
 * read item can still be to do (an unanswered review request), a handled one can still be unread
 * (the request was withdrawn before its reviewer looked). This module imports nothing of the
 * workflow, so the workflow (requests/*, comments) can call `markHandled` without a cycle.
 */

/** "Your review is needed": handled by the user's review, or for everyone when the request leaves open. */
export const REVIEW_KINDS = ['request.opened'] as const;
/**
 * "Approved and ready to deploy": handled for everyone who could deploy it once it is deployed (or
 * leaves approved some other way): one deploy exhausts the request, so nobody else still has it to do.
 */
export const DEPLOY_KINDS = ['request.approved'] as const;
/** "Changes requested" to the requester: handled by amending or resubmitting, or when the request closes. */
export const CHANGES_KINDS = ['request.changes_requested'] as const;
/** Handled by the mentioned user's next comment in that thread (a reply or not). */
export const MENTION_KINDS = ['comment.mention'] as const;

/** Everything else (rejected, deployed, lapsed, comments…) is news: it is read, never to do. */
export const TODO_KINDS: readonly string[] = [...REVIEW_KINDS, ...DEPLOY_KINDS, ...CHANGES_KINDS, ...MENTION_KINDS];

const CLOSED_STATES = new Set(['deployed', 'withdrawn', 'rejected', 'failed']);

export type HandledBy =
  /** The user acted: their own items of these kinds about this request (or this model's thread). */
  | { userId: string; kinds: readonly string[]; requestId?: string; modelId?: string }
  /** The request moved to `state` by `action`: everyone's items that this step no longer calls for. */
  | { requestId: string; state: string; action?: string };

/** Marks items handled (never un-handles, never touches read state); returns how many changed. */
export async function markHandled(tx: Tx, by: HandledBy, now = new Date()): Promise<number> {
  let where: Prisma.NotificationWhereInput;
  if ('state' in by) {
    const kinds: string[] = [];
    if (by.state !== 'open') kinds.push(...REVIEW_KINDS);
    if (by.state !== 'approved') kinds.push(...DEPLOY_KINDS);
    // Amending or resubmitting is the answer to "changes requested"; closing makes it moot.
    if (CLOSED_STATES.has(by.state) || by.action === 'amend' || by.action === 'submit') kinds.push(...CHANGES_KINDS);
    where = { requestId: by.requestId, kind: { in: kinds } };
  } else {
    if (!by.requestId && !by.modelId) return 0;
    where = {
      userId: by.userId,
      kind: { in: [...by.kinds] },
      // A model page's thread has no request: its mentions link to `/models/<id>#comment-…`.
      ...(by.requestId
        ? { requestId: by.requestId }
        : { requestId: null, link: { startsWith: `/models/${by.modelId}#` } }),
    };
  }
  const { count } = await tx.notification.updateMany({
    where: { ...where, handledAt: null },
    data: { handledAt: now },
  });
  return count;
}
