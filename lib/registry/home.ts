import 'server-only';
import { can, requirePermission, type Actor } from '../auth/permissions';
import type { Db } from '../db';
import { awaitingReviewIds } from './listings';
import { notificationHref } from './notifications';
import { DEPLOY_KINDS, REVIEW_KINDS } from './notifications-handled';
import { requestWhereVisibleTo } from './requests';

/**
 * The home page: the team's situation as this actor may see it. What serves each age range in
 * production and staging; what awaits this actor (reviews, deploys, mentions, and for an admin the
 * webhooks that fail), each with its next step; and what the team did lately. Every query is
 * scoped by the actor's permissions and own id.
 */

const exportName = {
  select: {
    modelId: true,
    exportFormat: true,
    ageGroupMin: true,
    ageGroupMax: true,
    trainingJob: { select: { jobName: true } },
  },
} as const;
const requestRow = {
  id: true,
  environment: true,
  ageGroupMin: true,
  ageGroupMax: true,
  createdAt: true,
  updatedAt: true,
  requester: { select: { name: true } },
  modelExport: exportName,
} as const;

/** What the home page shows; `todo` lists only the kinds this actor's role acts on. */
export async function getHomeSituation(db: Db, actor: Actor) {
  requirePermission(actor, 'models.read');
  const [coverage, reviews, deploys, inbox, webhooks, activity] = await Promise.all([
    coverageOf(db, actor),
    can(actor, 'reviews.write') ? reviewsAwaiting(db, actor) : null,
    can(actor, 'deployments.write') ? deploysAwaiting(db, actor) : null,
    inboxItems(db, actor),
    can(actor, 'webhooks.manage') ? failingWebhooks(db) : null,
    recentActivity(db, actor),
  ]);
  return { coverage, todo: { reviews, deploys, inbox, webhooks }, activity };
}
export type HomeSituation = Awaited<ReturnType<typeof getHomeSituation>>;

/** The active deployment of each range, per environment (the coverage map's input). */
async function coverageOf(db: Db, actor: Actor) {
  if (!can(actor, 'deployments.read')) return { production: [], staging: [] };
  const rows = await db.ageGroupModel.findMany({
    where: { isActive: true, environment: { in: ['production', 'staging'] } },
    orderBy: [{ ageMin: 'asc' }, { ageMax: 'asc' }],
    select: {
      id: true,
      environment: true,
      ageMin: true,
      ageMax: true,
      createdTimestamp: true,
      modelExport: exportName,
    },
  });
  return {
    production: rows.filter((r) => r.environment === 'production'),
    staging: rows.filter((r) => r.environment === 'staging'),
  };
}

/** The Reviews page's own "awaiting your review" rule (listings.awaitingReviewIds), with what to show. */
async function reviewsAwaiting(db: Db, actor: Actor) {
  const ids = await awaitingReviewIds(db, actor);
  return db.deploymentRequest.findMany({
    where: { id: { in: ids } },
    orderBy: { createdAt: 'asc' },
    select: requestRow,
  });
}

/** Approved requests: any deployer may deploy them (one deploy exhausts a request). */
async function deploysAwaiting(db: Db, actor: Actor) {
  return db.deploymentRequest.findMany({
    where: { AND: [{ state: 'approved' }, requestWhereVisibleTo(actor)] },
    orderBy: { updatedAt: 'asc' },
    select: requestRow,
  });
}

/**
 * Unread inbox items other than the review and deploy items above (mentions, outcomes of my
 * requests, comments), newest first: the inbox keeps the rest.
 */
async function inboxItems(db: Db, actor: Actor) {
  if (actor.via === 'system') return { unread: 0, items: [] };
  const where = { userId: actor.id, readAt: null, kind: { notIn: [...REVIEW_KINDS, ...DEPLOY_KINDS] } };
  const [unread, rows] = await Promise.all([
    db.notification.count({ where }),
    db.notification.findMany({
      where,
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: 5,
      select: { id: true, kind: true, message: true, createdAt: true, link: true, requestId: true },
    }),
  ]);
  return { unread, items: rows.map((n) => ({ ...n, href: notificationHref(n) })) };
}

/** Webhooks with deliveries that gave up: their receivers miss deployment events until someone looks. */
async function failingWebhooks(db: Db) {
  const failed = await db.webhookDelivery.groupBy({
    by: ['webhookId'],
    where: { status: 'failed' },
    _count: { _all: true },
  });
  if (!failed.length) return [];
  const hooks = await db.webhook.findMany({
    where: { id: { in: failed.map((f) => f.webhookId) } },
    select: { id: true, url: true, environment: true },
  });
  return hooks.map((h) => ({ ...h, failed: failed.find((f) => f.webhookId === h.id)!._count._all }));
}

/** What is worth a line on the home page; the audit page keeps everything else (previews, lapses…). */
const ACTIVITY_ACTIONS = [
  'model.export',
  'model.validate',
  'model.deploy',
  'model.deploy.break_glass',
  'model.rollback',
  'model.undeploy',
  'request.create',
  'review.create',
  'comment.create',
  'model_card.save',
  'training_job.create',
];

export type ActivityItem = {
  id: string;
  at: Date;
  who: string;
  /** The sentence after the name: "deployed … to production". */
  did: string;
  subject: { label: string; href: string } | null;
};

/**
 * The latest events, readable. With audit.read (deployers, admins) from the audit log; without
 * it, from what everyone may read anyway: deployments and exports, never the audit rows.
 */
async function recentActivity(db: Db, actor: Actor, take = 8): Promise<ActivityItem[]> {
  if (can(actor, 'audit.read')) {
    const events = await db.auditEvent.findMany({
      where: { action: { in: ACTIVITY_ACTIONS } },
      orderBy: { id: 'desc' },
      take,
    });
    return events.map(describeAuditEvent);
  }
  const [deployments, exports] = await Promise.all([
    can(actor, 'deployments.read')
      ? db.ageGroupModel.findMany({
          orderBy: { createdTimestamp: 'desc' },
          take,
          select: {
            id: true,
            environment: true,
            createdTimestamp: true,
            deployedBy: { select: { name: true } },
            modelExport: { select: { modelId: true } },
          },
        })
      : [],
    db.modelExport.findMany({
      orderBy: { exportTimestamp: 'desc' },
      take,
      select: {
        id: true,
        modelId: true,
        exportFormat: true,
        exportTimestamp: true,
        createdBy: { select: { name: true } },
      },
    }),
  ]);
  const items: ActivityItem[] = [
    ...deployments.map((d) => ({
      id: `deployment-${d.id}`,
      at: d.createdTimestamp,
      who: d.deployedBy?.name ?? 'Drawbridge',
      did: `deployed to ${d.environment}`,
      subject: modelSubject(d.modelExport.modelId),
    })),
    ...exports.map((e) => ({
      id: `export-${e.id}`,
      at: e.exportTimestamp,
      who: e.createdBy?.name ?? 'Drawbridge',
      did: `exported (${e.exportFormat})`,
      subject: modelSubject(e.modelId),
    })),
  ];
  return items.sort((a, b) => b.at.getTime() - a.at.getTime()).slice(0, take);
}

const modelSubject = (modelId: string) => ({ label: modelId, href: `/models/${encodeURIComponent(modelId)}` });

type AuditRow = {
  id: number;
  actorLabel: string;
  action: string;
  subjectType: string;
  subjectId: string;
  after: unknown;
  createdAt: Date;
};

/** One audit event as a sentence with its subject linked ("Dana Deployer deployed … to production"). */
export function describeAuditEvent(e: AuditRow): ActivityItem {
  const a = (e.after ?? {}) as Record<string, unknown>;
  const str = (k: string) => (typeof a[k] === 'string' ? (a[k] as string) : null);
  const request = { label: 'the request', href: `/reviews/${encodeURIComponent(e.subjectId)}` };
  const model = str('modelId');
  const decisions: Record<string, string> = {
    approve: 'approved',
    request_changes: 'requested changes to',
    reject: 'rejected',
  };
  let did: string = e.action;
  let subject: ActivityItem['subject'] = null;
  switch (e.action) {
    case 'model.export':
      [did, subject] = [`exported (${str('format') ?? 'a model'})`, modelSubject(e.subjectId)];
      break;
    case 'model.validate':
      [did, subject] = [a.isValid ? 'validated (passed)' : 'validated (failed)', modelSubject(e.subjectId)];
      break;
    case 'model.deploy':
    case 'model.deploy.break_glass':
      did = `deployed to ${str('environment') ?? 'an environment'}${e.action.endsWith('break_glass') ? ' with break-glass' : ''}`;
      subject = model ? modelSubject(model) : null;
      break;
    case 'model.rollback':
      [did, subject] = ['rolled back to', model ? modelSubject(model) : null];
      break;
    case 'model.undeploy':
      [did, subject] = [`undeployed deployment ${e.subjectId}`, { label: 'Deployments', href: '/deployments' }];
      break;
    case 'request.create':
      did = `asked to deploy ${model ?? 'a model'} to ${str('environment') ?? 'an environment'}`;
      subject = request;
      break;
    case 'review.create':
      [did, subject] = [decisions[str('decision') ?? ''] ?? 'reviewed', request];
      break;
    case 'comment.create':
      did = 'commented on';
      subject = e.subjectType === 'deployment_request' ? request : modelSubject(e.subjectId);
      break;
    case 'model_card.save':
      [did, subject] = ['updated the model card of', modelSubject(e.subjectId)];
      break;
    case 'training_job.create':
      did = 'registered a training job';
      subject = { label: `job ${e.subjectId}`, href: `/training-jobs/${encodeURIComponent(e.subjectId)}` };
      break;
  }
  // The label is "Name <email>" (it outlives the account): the name is enough here.
  return { id: `audit-${e.id}`, at: e.createdAt, who: e.actorLabel.replace(/\s*<.*$/, ''), did, subject };
}
