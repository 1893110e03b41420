import Link from 'next/link';
import { Badge, Panel } from '@/components/ui';
import { fmtDate } from '@/lib/format-display';
import type { RequestDetail } from '@/lib/registry/review-detail';
import { reviewPreviewOf } from '@/lib/registry/review-previews';
import type { PreviewRun } from '@/components/preview/preview-section';
import { ReviewForm } from './review-form';

/** "preview verified · wasm, 4 threads · 12 of 200 flagged": what the server checked, on the reviewer's backend. */
function PreviewBadge({ json, approve }: { json: unknown; approve: boolean }) {
  const p = reviewPreviewOf(json);
  if (!p) return approve ? <Badge>no preview</Badge> : null;
  const threads = p.threads ? `, ${p.threads} thread${p.threads === 1 ? '' : 's'}` : '';
  const label = [
    p.verified ? 'preview verified' : 'preview not verified',
    p.backend ? `${p.backend}${threads}` : null,
    p.flagged !== null && p.samples !== null ? `${p.flagged} of ${p.samples} flagged` : null,
  ];
  return <Badge tone={p.verified ? 'indigo' : 'amber'}>{label.filter(Boolean).join(' · ')}</Badge>;
}

const DECISION = {
  approve: { label: 'approved', tone: 'green' },
  request_changes: { label: 'requested changes', tone: 'amber' },
  reject: { label: 'rejected', tone: 'red' },
} as const;

/**
 * Every review with what it is bound to (bytes, validation run) and whether it still counts, then
 * the viewer's own review form when the workflow offers them one.
 */
export function ReviewList({
  detail: d,
  isRequester,
  preview,
}: {
  detail: RequestDetail;
  isRequester: boolean;
  /** The candidate's preview, run inline above the viewer's review form. */
  preview?: PreviewRun;
}) {
  const req = d.request;
  const canReview = d.actions.includes('approve');
  return (
    <Panel id="reviews-h" title="Reviews" className="mt-6">
      {d.reviews.length === 0 ? (
        <p className="mt-2 text-sm text-slate-600">No reviews yet.</p>
      ) : (
        <ol className="mt-3 space-y-3">
          {d.reviews.map((r) => (
            <li key={r.id} className="rounded border border-slate-100 p-3 text-sm">
              <div className="flex flex-wrap items-center gap-2">
                <span className="font-medium">{r.reviewer.name}</span>
                <Badge tone={DECISION[r.decision].tone}>{DECISION[r.decision].label}</Badge>
                {r.counted && <Badge tone="green">counts</Badge>}
                {r.lapse && (
                  <Badge tone="amber">
                    {r.lapse === 'artifact_changed'
                      ? 'lapsed: other bytes'
                      : 'lapsed: a validation run of these bytes failed'}
                  </Badge>
                )}
                <PreviewBadge json={r.previewSummary} approve={r.decision === 'approve'} />
                <span className="text-slate-600">{fmtDate(r.createdAt)}</span>
              </div>
              {r.comment && <p className="mt-1 whitespace-pre-wrap">{r.comment}</p>}
              <p className="mt-1 text-xs text-slate-600">
                Bound to <code className="font-mono">{r.artifactSha256.slice(0, 16)}…</code>
                {r.validationRunId && (
                  <>
                    {' '}
                    and validation run <code className="font-mono">{r.validationRunId}</code>
                  </>
                )}
              </p>
            </li>
          ))}
        </ol>
      )}
      {canReview ? (
        <div className="mt-4 border-t border-slate-100 pt-4">
          <h3 className="text-sm font-semibold">Your review</h3>
          <div className="mt-2">
            <ReviewForm
              requestId={req.id}
              preview={preview}
              previewNote={
                d.myPreview ? (
                  <>Your preview summary of {fmtDate(d.myPreview.createdAt)} will be attached to an approval.</>
                ) : (
                  <>
                    {d.policy.requirePreviewSummary
                      ? 'This environment requires your reconstruction preview summary on an approval: '
                      : 'Optionally attach your reconstruction preview summary: '}
                    {preview ? (
                      'run the preview above; an approval then attaches its summary.'
                    ) : (
                      <>
                        run the preview on the{' '}
                        <Link className="text-indigo-800 underline" href={`/models/${req.modelExport.modelId}`}>
                          model page
                        </Link>{' '}
                        and choose “Attach to review”.
                      </>
                    )}
                  </>
                )
              }
            />
          </div>
        </div>
      ) : isRequester && (d.state === 'open' || d.state === 'approved') ? (
        <p className="mt-4 text-sm text-slate-600">You requested this deployment, so teammates review it.</p>
      ) : null}
    </Panel>
  );
}
