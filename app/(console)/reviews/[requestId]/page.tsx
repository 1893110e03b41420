import type { Metadata } from 'next';
import { notFound } from 'next/navigation';
import { CommentThread } from '@/components/comment-thread';
import { addCommentAction } from '../actions';
import { ExportDiff } from './_components/export-diff';
import { PolicyPanel, RequestPanel } from './_components/request-overview';
import { RequestHistory } from './_components/request-history';
import { ReviewList } from './_components/review-list';
import { RoleActions } from './_components/role-actions';
import { ApprovalCount, RequestStateBadge } from '@/components/review-ui';
import { Badge, PageHeader, Panel } from '@/components/ui';
import { requirePageActor } from '@/lib/auth/current';
import { can } from '@/lib/auth/permissions';
import { getDb } from '@/lib/db';
import { DomainError } from '@/lib/errors';
import { fmtAgeRange, fmtDate } from '@/lib/format-display';
import { userNames } from '@/lib/registry/comments';
import { getRequestDetail, type RequestDetail } from '@/lib/registry/review-detail';
import { getPreviewSources } from '@/lib/registry/reconstruction';
import { previewRunOf } from '@/components/preview/preview-section';

type Params = { params: Promise<{ requestId: string }> };

export const metadata: Metadata = { title: 'Deployment request' };

// The page fetches once (the detail, the mentioned users' names) and hands each section its slice;
// the sections under _components are server components that only render what they are given.
export default async function RequestPage({ params }: Params) {
  const { requestId } = await params;
  const actor = await requirePageActor(`/reviews/${requestId}`);
  const db = await getDb();
  let d: RequestDetail;
  try {
    d = await getRequestDetail(db, actor, requestId);
  } catch (e) {
    if (e instanceof DomainError && e.code === 'request_not_found') notFound();
    throw e;
  }
  const req = d.request;
  const isRequester = req.requesterId === actor.id;
  const names = await userNames(db, collectMentions(d.comments));
  const breakGlass = req.deployments.find((x) => x.breakGlassReason);
  // A reviewer decides here: the candidate's preview against production runs above their review form.
  const preview = d.actions.includes('approve')
    ? previewRunOf(await getPreviewSources(db, actor, req.modelExport.modelId))
    : undefined;
  return (
    <>
      <PageHeader
        title={`Deploy ${req.modelExport.modelId} to ${req.environment}`}
        description={`${fmtAgeRange(req.ageGroupMin, req.ageGroupMax)} · requested by ${req.requester.name} on ${fmtDate(req.createdAt)}`}
        actions={
          <div className="flex flex-wrap items-center gap-2">
            <RequestStateBadge state={d.state} />
            {breakGlass && <Badge tone="red">break-glass</Badge>}
            {(d.state === 'open' || d.state === 'approved') && (
              <ApprovalCount
                approvals={d.evaluation.approvals}
                required={d.evaluation.required}
                lapsed={d.evaluation.lapsed.length}
              />
            )}
          </div>
        }
      />

      <div className="grid gap-6 lg:grid-cols-2">
        <RequestPanel request={req} />
        <PolicyPanel detail={d} />
      </div>

      <RoleActions d={d} isRequester={isRequester} canBreakGlass={can(actor, 'deployments.break_glass')} />

      <ReviewList detail={d} isRequester={isRequester} preview={preview} />

      <ExportDiff candidate={d.diff.candidate} replaced={d.diff.replaced} environment={req.environment} />

      <RequestHistory history={d.history} />

      <Panel id="comments-h" title="Discussion" className="mt-6">
        <div className="mt-3">
          <CommentThread
            comments={d.comments}
            names={names}
            target={{ requestId: req.id }}
            commentAction={can(actor, 'comments.write') ? addCommentAction : undefined}
          />
        </div>
      </Panel>
    </>
  );
}

function collectMentions(nodes: RequestDetail['comments']): string[] {
  return nodes.flatMap((n) => [...n.mentions, ...collectMentions(n.replies)]);
}
