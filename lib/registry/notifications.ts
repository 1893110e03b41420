import 'server-only';
import type { Actor } from '../auth/permissions';
import type { Db } from '../db';
import type { Prisma } from '../db/generated/client';

/**
 * The inbox: notifications written by `emitEvent` (review requests awaiting me, my requests'
 * outcomes, mentions). Every query is scoped by the actor's own user id; there is no way to read
 * or mark another user's rows, whatever ids are passed in.
 */

const PAGE_SIZE = 25;

function ownerOf(actor: Actor): string | null {
  // The system actor (seeding, maintenance) has no inbox.
  return actor.via === 'system' ? null : actor.id;
}

export async function listNotifications(
  db: Db,
  actor: Actor,
  opts: { unreadOnly?: boolean; page?: number; pageSize?: number } = {},
) {
  const pageSize = Math.min(Math.max(opts.pageSize ?? PAGE_SIZE, 1), 100);
  const page = Math.max(Math.floor(opts.page ?? 1), 1);
  const userId = ownerOf(actor);
  if (!userId) return { total: 0, unread: 0, page, pageSize, notifications: [] };
  const where: Prisma.NotificationWhereInput = { userId, ...(opts.unreadOnly ? { readAt: null } : {}) };
  const [total, unread, notifications] = await Promise.all([
    db.notification.count({ where }),
    db.notification.count({ where: { userId, readAt: null } }),
    db.notification.findMany({
      where,
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      skip: (page - 1) * pageSize,
      take: pageSize,
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
  return { total, unread, page, pageSize, notifications };
}

export async function countUnread(db: Db, actor: Actor): Promise<number> {
  const userId = ownerOf(actor);
  return userId ? db.notification.count({ where: { userId, readAt: null } }) : 0;
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
