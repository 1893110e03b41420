import 'server-only';
import { can, type Actor } from '../auth/permissions';
import type { Db } from '../db';
import type { Prisma } from '../db/generated/client';
import { awaitingReviewIds } from './listings';
import { CAPPED_TAKE, cappedTotal, splitPage } from './listings-count';
import { REVIEW_KINDS, TODO_KINDS } from './notifications-handled';
import { serializable } from './transactions';

/**
 * The inbox: notifications written by `emitEvent` (review requests awaiting me, my requests'
 * outcomes, mentions), plus "your review is needed" items derived from the Reviews page's own
 * "awaiting your review" rule. Every query is scoped by the actor's own user id; there is no way to
 * read or mark another user's rows, whatever ids are passed in.
 */

const PAGE_SIZE = 25;

/** all: everything; unread: not read yet; todo: still calls for action (not handled), read or not. */
export type InboxView = 'all' | 'unread' | 'todo';

function ownerOf(actor: Actor): string | null {
  // The system actor (seeding, maintenance) has no inbox.
  return actor.via === 'system' ? null : actor.id;
}

function viewWhere(userId: string, view: InboxView): Prisma.NotificationWhereInput {
  if (view === 'unread') return { userId, readAt: null };
  if (view === 'todo') return { userId, handledAt: null, kind: { in: [...TODO_KINDS] } };
  return { userId };
}

/**
 * Makes the actor's "review needed" items match the Reviews page's "awaiting your review" exactly:
 * a missing item is written, one for a request no longer awaiting them is marked handled.
 *
 * Why derive instead of fanning out when a user is created or promoted: the fan-out at submit time
 * reaches only the reviewers of that moment, and a fan-out per user change would have to know every
 * way someone comes to hold reviews.write (a new account, a role change, a re-enabled account, a
 * permission map edit). Deriving at read time from the one rule that decides "awaiting your review"
 * cannot miss anyone, and the inbox and the Reviews page cannot disagree.
 */
export async function syncReviewItems(db: Db, actor: Actor, now = new Date()): Promise<void> {
  const userId = ownerOf(actor);
  if (!userId) return;
  const awaiting = can(actor, 'reviews.write') ? await awaitingReviewIds(db, actor) : [];
  const pending = await db.notification.findMany({
    where: { userId, kind: { in: [...REVIEW_KINDS] }, handledAt: null, requestId: { not: null } },
    select: { id: true, requestId: true },
  });
  const want = new Set(awaiting);
  const have = new Set(pending.map((n) => n.requestId));
  const stale = pending.filter((n) => !want.has(n.requestId!)).map((n) => n.id);
  const missing = awaiting.filter((id) => !have.has(id));
  if (!stale.length && !missing.length) return;
  // Serializable: two page loads at once cannot both write the same missing item.
  await serializable(db, async (tx) => {
    if (stale.length)
      await tx.notification.updateMany({ where: { id: { in: stale }, handledAt: null }, data: { handledAt: now } });
    if (!missing.length) return;
    const present = await tx.notification.findMany({
      where: { userId, kind: { in: [...REVIEW_KINDS] }, handledAt: null, requestId: { in: missing } },
      select: { requestId: true },
    });
    const skip = new Set(present.map((n) => n.requestId));
    const rows = await tx.deploymentRequest.findMany({
      where: { id: { in: missing.filter((id) => !skip.has(id)) } },
      select: {
        id: true,
        environment: true,
        ageGroupMin: true,
        ageGroupMax: true,
        requester: { select: { name: true } },
        modelExport: { select: { modelId: true } },
      },
    });
    if (!rows.length) return;
    await tx.notification.createMany({
      data: rows.map((r) => ({
        userId,
        kind: REVIEW_KINDS[0],
        message: `${r.requester.name} asks to deploy ${r.modelExport.modelId} to ${r.environment} (ages ${r.ageGroupMin}–${r.ageGroupMax}): your review is needed.`,
        requestId: r.id,
        link: `/reviews/${encodeURIComponent(r.id)}`,
      })),
    });
  });
}

export async function listNotifications(
  db: Db,
  actor: Actor,
  opts: { unreadOnly?: boolean; view?: InboxView; page?: number; pageSize?: number } = {},
) {
  const pageSize = Math.min(Math.max(opts.pageSize ?? PAGE_SIZE, 1), 100);
  const page = Math.max(Math.floor(opts.page ?? 1), 1);
  const view: InboxView = opts.view ?? (opts.unreadOnly ? 'unread' : 'all');
  const userId = ownerOf(actor);
  if (!userId) {
    const none = { total: 0, totalExact: true, unread: 0, unreadExact: true, todo: 0, todoExact: true };
    return { ...none, hasMore: false, view, page, pageSize, notifications: [] };
  }
  await syncReviewItems(db, actor);
  const where = viewWhere(userId, view);
  const orderBy: Prisma.NotificationOrderByWithRelationInput[] = [{ createdAt: 'desc' }, { id: 'desc' }];
  // Each count in the list's own order, stopped at the cap: it reads the view's index, never all of a user's rows.
  const capped = (w: Prisma.NotificationWhereInput) => db.notification.count({ where: w, orderBy, take: CAPPED_TAKE });
  const [total, unread, todo, found] = await Promise.all([
    capped(where),
    capped(viewWhere(userId, 'unread')),
    capped(viewWhere(userId, 'todo')),
    db.notification.findMany({
      where,
      orderBy,
      skip: (page - 1) * pageSize,
      take: pageSize + 1,
      include: {
        request: {
          select: {
            id: true,
            state: true,
            environment: true,
            ageGroupMin: true,
            ageGroupMax: true,
            modelExport: { select: { modelId: true } },
          },
        },
      },
    }),
  ]);
  const { rows: notifications, hasMore } = splitPage(found, pageSize);
  // Totals are counted up to LIST_COUNT_CAP, each with its totalExact; hasMore says if a next page exists.
  const u = cappedTotal(unread);
  const d = cappedTotal(todo);
  return {
    ...cappedTotal(total),
    unread: u.total,
    unreadExact: u.totalExact,
    todo: d.total,
    todoExact: d.totalExact,
    hasMore,
    view,
    page,
    pageSize,
    notifications,
  };
}

/** The nav badge: unread items, after the derived review items are brought up to date. */
export async function countUnread(db: Db, actor: Actor): Promise<number> {
  const userId = ownerOf(actor);
  if (!userId) return 0;
  await syncReviewItems(db, actor);
  return db.notification.count({ where: viewWhere(userId, 'unread') });
}

/** Marks the actor's own notifications read (the given ids, or all); returns how many changed. */
export async function markRead(db: Db, actor: Actor, which: string[] | 'all', now = new Date()): Promise<number> {
  const userId = ownerOf(actor);
  if (!userId) return 0;
  if (which !== 'all' && which.length === 0) return 0;
  const { count } = await db.notification.updateMany({
    where: { userId, readAt: null, ...(which === 'all' ? {} : { id: { in: which.slice(0, 500) } }) },
    data: { readAt: now },
  });
  return count;
}

/**
 * Where a notification leads: its link when that is a path on this site, else its request's page.
 * Anything else (absolute URLs, `//host`, `javascript:`) is dropped, so a stored link can never
 * send someone off-site.
 */
export function notificationHref(n: { link: string | null; requestId: string | null }): string | null {
  if (n.link && /^\/(?![/\\])/.test(n.link)) return n.link;
  if (n.requestId) return `/reviews/${encodeURIComponent(n.requestId)}`;
  return null;
}
