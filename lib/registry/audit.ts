import type { Actor } from '../auth/permissions';
import { requirePermission } from '../auth/permissions';
import type { Db } from '../db';
import type { Prisma } from '../db/generated/client';

/** A Prisma client or an interactive-transaction client: audit rows join the caller's transaction. */
export type Tx = Prisma.TransactionClient | Db;

export type AuditInput = {
  action: string; // verb.noun, e.g. 'training_job.create', 'model.deploy'
  subjectType: string;
  subjectId: string | number;
  before?: unknown;
  after?: unknown;
};

export async function recordAudit(tx: Tx, actor: Actor, input: AuditInput): Promise<void> {
  await tx.auditEvent.create({
    data: {
      actorId: actor.via === 'system' ? null : actor.id,
      actorLabel: `${actor.name} <${actor.email}>${actor.via === 'token' ? ' (API token)' : ''}`,
      action: input.action,
      subjectType: input.subjectType,
      subjectId: String(input.subjectId),
      before: toJson(input.before),
      after: toJson(input.after),
    },
  });
}

// BigInt and Date are not JSON; audit payloads must survive a round trip through the database.
function toJson(v: unknown): Prisma.InputJsonValue | undefined {
  if (v === undefined) return undefined;
  return JSON.parse(JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? Number(x) : x))) as Prisma.InputJsonValue;
}

export type AuditFilter = { actorId?: string; action?: string; subjectType?: string; subjectId?: string; page?: number; pageSize?: number };

export async function listAuditEvents(db: Db, actor: Actor, filter: AuditFilter = {}) {
  requirePermission(actor, 'audit.read');
  const pageSize = Math.min(Math.max(filter.pageSize ?? 50, 1), 200);
  const page = Math.max(filter.page ?? 1, 1);
  const where: Prisma.AuditEventWhereInput = {
    ...(filter.actorId ? { actorId: filter.actorId } : {}),
    ...(filter.action ? { action: { startsWith: filter.action } } : {}),
    ...(filter.subjectType ? { subjectType: filter.subjectType } : {}),
    ...(filter.subjectId ? { subjectId: filter.subjectId } : {}),
  };
  const [total, events] = await Promise.all([
    db.auditEvent.count({ where }),
    db.auditEvent.findMany({ where, orderBy: { id: 'desc' }, skip: (page - 1) * pageSize, take: pageSize }),
  ]);
  return { total, page, pageSize, events };
}

/** The system actor: for seeding and maintenance; never has a session. */
export const SYSTEM_ACTOR: Actor = { id: 'system', email: 'system@drawbridge.local', name: 'Drawbridge', role: 'admin', via: 'system' };
