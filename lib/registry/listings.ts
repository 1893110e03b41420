import 'server-only';
import type { Actor } from '../auth/permissions';
import { can, requirePermission } from '../auth/permissions';
import type { Db } from '../db';
import type { Prisma } from '../db/generated/client';
import { getReviewPolicy, requestInclude, requestWhereVisibleTo, reviewFacts } from './requests';
import { approvalLapse, evaluatePolicy, type FailedRunFacts, type PolicyRules } from './review-policy';
import { CAPPED_TAKE, cappedTotal, splitPage } from './listings-count';
import { REQUEST_STATES, type RequestState } from './review-state';

export type RequestListFilter = {
  state?: RequestState;
  environment?: string;
  /** mine: requests I opened; awaiting: open requests of others that have no current review of mine. */
  view?: 'all' | 'mine' | 'awaiting';
};
export type RequestPaging = { page?: number; pageSize?: number };

/** People still act on these, in this order; the rest are history. */
const STATE_ORDER: readonly RequestState[] = [
  'open',
  'approved',
  'draft',
  'failed',
  'rejected',
  'withdrawn',
  'deployed',
];
/** The console's reviews page shows one long page (it has no pager). */
const CONSOLE_PAGE_SIZE = 500;

type LatestRun = { id: string; modelExportId: string; isValid: boolean; artifactSha256: string };
type MyReview = { decision: string; artifactSha256: string; createdAt: Date };
/** An export's latest run, with its failing runs (they lapse the approvals given before them). */
type ExportRuns = LatestRun & { failed: FailedRunFacts[] };

/** Does my latest review of a request still stand (an approval that has not lapsed, or any other on these bytes)? */
function isCurrent(mine: MyReview | undefined, requestSha256: string, run: ExportRuns | null): boolean {
  if (!mine) return false;
  return mine.decision === 'approve'
    ? approvalLapse(mine, requestSha256, run?.failed) === null
    : mine.artifactSha256 === requestSha256;
}

async function latestRuns(db: Db, exportIds: string[]): Promise<Map<string, ExportRuns>> {
  const runs = exportIds.length
    ? await db.validationRun.findMany({
        where: { modelExportId: { in: exportIds } },
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
        select: { id: true, modelExportId: true, isValid: true, artifactSha256: true, createdAt: true },
      })
    : [];
  const latest = new Map<string, ExportRuns>();
  for (const run of runs) if (!latest.has(run.modelExportId)) latest.set(run.modelExportId, { ...run, failed: [] });
  for (const run of runs) if (!run.isValid) latest.get(run.modelExportId)!.failed.push(run);
  return latest;
}

/**
 * The list's where-clause. "Awaiting my review" depends on each export's validation runs, which no
 * column comparison expresses: it is decided over the open requests of others (the small set under
 * review) and becomes an id list, so paging and the total stay in SQL.
 */
async function listWhere(db: Db, actor: Actor, filter: RequestListFilter): Promise<Prisma.DeploymentRequestWhereInput> {
  const where = columnWhere(actor, filter);
  if (filter.view !== 'awaiting') return where;
  return { id: { in: await awaitingIds(db, actor, where) } };
}

function columnWhere(actor: Actor, filter: RequestListFilter): Prisma.DeploymentRequestWhereInput {
  return {
    AND: [
      filter.state && (REQUEST_STATES as readonly string[]).includes(filter.state) ? { state: filter.state } : {},
      filter.environment ? { environment: filter.environment } : {},
      filter.view === 'mine' ? { requesterId: actor.id } : {},
      filter.view === 'awaiting' ? { state: 'open', requesterId: { not: actor.id } } : {},
      requestWhereVisibleTo(actor),
    ],
  };
}

/** The requests matching `where` that still await `actor`'s review (none for a role that may not review). */
async function awaitingIds(db: Db, actor: Actor, where: Prisma.DeploymentRequestWhereInput): Promise<string[]> {
  if (!can(actor, 'reviews.write')) return [];
  const open = await db.deploymentRequest.findMany({
    where,
    select: {
      id: true,
      artifactSha256: true,
      modelExportId: true,
      reviews: {
        where: { reviewerId: actor.id },
        orderBy: { createdAt: 'desc' },
        take: 1,
        select: { decision: true, artifactSha256: true, createdAt: true },
      },
    },
  });
  const runs = await latestRuns(db, [...new Set(open.map((r) => r.modelExportId))]);
  return open
    .filter((r) => !isCurrent(r.reviews[0], r.artifactSha256, runs.get(r.modelExportId) ?? null))
    .map((r) => r.id);
}

/**
 * Ids of every request awaiting `actor`'s review: the Reviews page's "awaiting your review" rule
 * without building its rows (the inbox checks it on every page load), and without a page limit.
 */
export async function awaitingReviewIds(db: Db, actor: Actor): Promise<string[]> {
  requirePermission(actor, 'reviews.read');
  return awaitingIds(db, actor, columnWhere(actor, { view: 'awaiting' }));
}

/** Newest first within a state; id breaks ties, so offsets name one position. */
const ROW_ORDER: Prisma.DeploymentRequestOrderByWithRelationInput[] = [{ createdAt: 'desc' }, { id: 'desc' }];

/**
 * One page of rows in STATE_ORDER, newest first within a state: each state's slice is its own
 * index range. Nothing is counted in full: a state wholly before the page is counted only up to
 * the offset still to skip, and the total up to LIST_COUNT_CAP (issue 14).
 */
async function pageRows(db: Db, where: Prisma.DeploymentRequestWhereInput, page: number, pageSize: number) {
  let skip = (page - 1) * pageSize;
  const rows = [];
  for (const state of STATE_ORDER) {
    // pageSize + 1: the extra row says whether a next page exists.
    if (rows.length > pageSize) break;
    const inState = { AND: [where, { state }] };
    if (skip > 0) {
      const before = await db.deploymentRequest.count({ where: inState, orderBy: ROW_ORDER, take: skip });
      if (before < skip) {
        skip -= before;
        continue;
      }
    }
    rows.push(
      ...(await db.deploymentRequest.findMany({
        where: inState,
        orderBy: ROW_ORDER,
        skip,
        take: pageSize + 1 - rows.length,
        include: requestInclude,
      })),
    );
    skip = 0;
  }
  const paged = splitPage(rows, pageSize);
  // The page's comments counted for its own requests: a `_count` include aggregates the whole Comment table.
  const ids = paged.rows.map((r) => r.id);
  const comments = ids.length
    ? await db.comment.groupBy({ by: ['requestId'], where: { requestId: { in: ids } }, _count: { _all: true } })
    : [];
  const commentsOf = new Map(comments.map((c) => [c.requestId, c._count._all]));
  const counted = await db.deploymentRequest.count({ where, orderBy: ROW_ORDER, take: CAPPED_TAKE });
  return {
    ...cappedTotal(counted),
    hasMore: paged.hasMore,
    rows: paged.rows.map((r) => ({ ...r, _count: { comments: commentsOf.get(r.id) ?? 0 } })),
  };
}

/**
 * The reviews page and the API's list: requests with their approvals against the policy (evaluated
 * now, so lapsed approvals do not count), open ones first, a page at a time with the total.
 */
export async function listRequestPage(
  db: Db,
  actor: Actor,
  filter: RequestListFilter = {},
  paging: RequestPaging = {},
) {
  requirePermission(actor, 'reviews.read');
  const page = Math.max(1, Math.trunc(paging.page ?? 1));
  const pageSize = Math.max(1, Math.trunc(paging.pageSize ?? CONSOLE_PAGE_SIZE));
  const { total, totalExact, hasMore, rows } = await pageRows(db, await listWhere(db, actor, filter), page, pageSize);
  const latest = await latestRuns(db, [...new Set(rows.map((r) => r.modelExportId))]);
  const policies = new Map<string, PolicyRules>();
  for (const env of new Set(rows.map((r) => r.environment))) policies.set(env, await getReviewPolicy(db, env));

  const items = rows.map((r) => {
    const run = latest.get(r.modelExportId) ?? null;
    const evaluation = evaluatePolicy({
      policy: policies.get(r.environment)!,
      requesterId: r.requesterId,
      requestSha256: r.artifactSha256,
      exportSha256: r.modelExport.checksum,
      latestValidation: run,
      failedRuns: run?.failed ?? [],
      reviews: r.reviews.map(reviewFacts),
    });
    const mine = [...r.reviews].reverse().find((x) => x.reviewerId === actor.id);
    const awaitingMe =
      r.state === 'open' &&
      r.requesterId !== actor.id &&
      can(actor, 'reviews.write') &&
      !isCurrent(mine, r.artifactSha256, run);
    return {
      id: r.id,
      state: r.state,
      environment: r.environment,
      ageGroupMin: r.ageGroupMin,
      ageGroupMax: r.ageGroupMax,
      modelId: r.modelExport.modelId,
      exportFormat: r.modelExport.exportFormat,
      requester: r.requester,
      createdAt: r.createdAt,
      updatedAt: r.updatedAt,
      approvals: evaluation.approvals,
      required: evaluation.required,
      lapsed: evaluation.lapsed.length,
      reasons: evaluation.reasons,
      reviews: r.reviews.length,
      comments: r._count.comments,
      awaitingMe,
      failureReason: r.failureReason,
    };
  });
  // The total is counted up to LIST_COUNT_CAP (totalExact false beyond): hasMore says if a next page exists.
  return { total, totalExact, hasMore, page, pageSize, items };
}
export type RequestListItem = Awaited<ReturnType<typeof listRequestPage>>['items'][number];

/** The first page, as the console's reviews page shows it. */
export async function listDeploymentRequests(
  db: Db,
  actor: Actor,
  filter: RequestListFilter = {},
  paging: RequestPaging = {},
) {
  return (await listRequestPage(db, actor, filter, paging)).items;
}
