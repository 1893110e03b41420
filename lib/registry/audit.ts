import 'server-only';
import type { Actor } from '../auth/permissions';
import { requirePermission } from '../auth/permissions';
import type { Db } from '../db';
import type { Prisma } from '../db/generated/client';
import { appendAuditEvent } from './audit-chain';
import { jsonClone } from '../json-clone';
import { CAPPED_TAKE, cappedTotal, splitPage } from './listings-count';

/** A Prisma client or an interactive-transaction client: audit rows join the caller's transaction. */
export type Tx = Prisma.TransactionClient | Db;

export type AuditInput = {
  action: string; // verb.noun, e.g. 'training_job.create', 'model.deploy'
  subjectType: string;
  subjectId: string | number;
  before?: unknown;
  after?: unknown;
};

/**
 * Appends an event to the hash chain (audit-chain.ts) in the caller's transaction, so the event
 * commits or rolls back with the change it records. Given the client itself, it opens one.
 */
export async function recordAudit(tx: Tx, actor: Actor, input: AuditInput): Promise<void> {
  const event = {
    actorId: actor.via === 'system' ? null : actor.id,
    actorLabel: `${actor.name} <${actor.email}>${actor.via === 'token' ? ' (API token)' : ''}`,
    action: input.action,
    subjectType: input.subjectType,
    subjectId: String(input.subjectId),
    // Audit payloads as the database will store them (BigInt and Date are not JSON).
    before: jsonClone<Prisma.InputJsonValue | undefined>(input.before),
    after: jsonClone<Prisma.InputJsonValue | undefined>(input.after),
  };
  // As long as serializable() waits: the head may be held by a busy writer for a moment.
  if ('$transaction' in tx)
    await tx.$transaction((t) => appendAuditEvent(t, event), { timeout: 30_000, maxWait: 30_000 });
  else await appendAuditEvent(tx, event);
}

export type AuditFilter = {
  actorId?: string;
  action?: string;
  subjectType?: string;
  subjectId?: string;
  page?: number;
  pageSize?: number;
};

export function auditWhere(filter: AuditFilter): Prisma.AuditEventWhereInput {
  return {
    ...(filter.actorId ? { actorId: filter.actorId } : {}),
    ...(filter.action ? { action: { startsWith: filter.action } } : {}),
    ...(filter.subjectType ? { subjectType: filter.subjectType } : {}),
    ...(filter.subjectId ? { subjectId: filter.subjectId } : {}),
  };
}

export async function listAuditEvents(db: Db, actor: Actor, filter: AuditFilter = {}) {
  requirePermission(actor, 'audit.read');
  const pageSize = Math.min(Math.max(filter.pageSize ?? 50, 1), 200);
  const page = Math.max(filter.page ?? 1, 1);
  const where = auditWhere(filter);
  const orderBy = { id: 'desc' } as const;
  const [counted, found] = await Promise.all([
    db.auditEvent.count({ where, orderBy, take: CAPPED_TAKE }),
    db.auditEvent.findMany({ where, orderBy, skip: (page - 1) * pageSize, take: pageSize + 1 }),
  ]);
  const { rows: events, hasMore } = splitPage(found, pageSize);
  // The total is counted up to LIST_COUNT_CAP (totalExact false beyond): hasMore says if a next page exists.
  return { ...cappedTotal(counted), hasMore, page, pageSize, events };
}

/** Everyone who can appear as an event's actor, for the audit page's filter (id and name only). */
export async function listAuditActors(db: Db, actor: Actor): Promise<{ id: string; name: string }[]> {
  requirePermission(actor, 'audit.read');
  return db.user.findMany({ orderBy: { name: 'asc' }, select: { id: true, name: true } });
}

/** The system actor: for seeding and maintenance; never has a session. */
export const SYSTEM_ACTOR: Actor = {
  id: 'system',
  email: 'system@drawbridge.local',
  name: 'Drawbridge',
  role: 'admin',
  via: 'system',
};
