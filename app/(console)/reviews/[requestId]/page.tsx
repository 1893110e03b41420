import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { CommentThread } from '@/components/comment-thread';
import { addCommentAction } from '../actions';
import {
  AmendRequestForm,
  BreakGlassForm,
  DeployRequestButton,
  SubmitRequestButton,
  WithdrawRequestForm,
} from './_components/request-actions';
import { ReviewForm } from './_components/review-form';
import { ApprovalCount, RequestStateBadge } from '@/components/review-ui';
import { Badge, PageHeader, Sha } from '@/components/ui';
import { requirePageActor } from '@/lib/auth/current';
import { can } from '@/lib/auth/permissions';
import { getDb } from '@/lib/db';
import { DomainError } from '@/lib/errors';
import { fmtAgeRange, fmtDate, fmtNumber } from '@/lib/format-display';
import { userNames } from '@/lib/registry/comments';
import { getRequestDetail, type DiffSide, type RequestDetail } from '@/lib/registry/review-detail';

type Params = { params: Promise<{ requestId: string }> };

export const metadata: Metadata = { title: 'Deployment request' };

const DECISION = {
  approve: { label: 'approved', tone: 'green' },
  request_changes: { label: 'requested changes', tone: 'amber' },
  reject: { label: 'rejected', tone: 'red' },
} as const;

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
  const canReview = d.actions.includes('approve');
  const breakGlass = req.deployments.find((x) => x.breakGlassReason);
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
        <section aria-labelledby="req-h" className="rounded-lg border border-slate-200 bg-white p-5">
          <h2 id="req-h" className="text-base font-semibold">
            Request
          </h2>
          <dl className="mt-3 grid gap-x-6 gap-y-2 text-sm sm:grid-cols-2">
            <Kv k="Export">
              <Link className="font-mono text-xs text-indigo-800 underline" href={`/models/${req.modelExport.modelId}`}>
                {req.modelExport.modelId}
              </Link>{' '}
              ({req.modelExport.exportFormat})
            </Kv>
            <Kv k="Environment">{req.environment}</Kv>
            <Kv k="Age range">{fmtAgeRange(req.ageGroupMin, req.ageGroupMax)}</Kv>
            <Kv k="Options">
              {[
                req.validateBeforeDeployment ? 'validate again' : 'no re-validation',
                req.replaceExisting ? 'replace active' : 'do not replace',
                req.backupExisting ? 'keep backup' : 'no backup',
              ].join(' · ')}
            </Kv>
            <div className="sm:col-span-2">
              <dt className="text-xs text-slate-600">Reviewed bytes (SHA-256)</dt>
              <dd>
                <Sha value={req.artifactSha256} />
              </dd>
            </div>
            <div className="sm:col-span-2">
              <dt className="text-xs text-slate-600">Rationale</dt>
              <dd className="whitespace-pre-wrap">{req.rationale || '—'}</dd>
            </div>
            {req.failureReason && (
              <div className="sm:col-span-2" role="alert">
                <dt className="text-xs text-red-800">Last deploy failed</dt>
                <dd className="text-red-800">{req.failureReason}</dd>
              </div>
            )}
          </dl>
          {req.deployments.length > 0 && (
            <ul className="mt-3 space-y-1 text-sm">
              {req.deployments.map((x) => (
                <li key={x.id} className="flex flex-wrap items-center gap-2">
                  <Badge tone={x.isActive ? 'green' : 'slate'}>{x.status}</Badge>
                  {x.breakGlassReason && <Badge tone="red">break-glass</Badge>}
                  deployment {x.id}, {fmtDate(x.createdTimestamp)} by {x.deployedBy?.name ?? '—'}
                  {x.breakGlassReason && (
                    <span className="w-full text-xs text-red-800">Reason: {x.breakGlassReason}</span>
                  )}
                </li>
              ))}
            </ul>
          )}
        </section>

        <section aria-labelledby="policy-h" className="rounded-lg border border-slate-200 bg-white p-5">
          <h2 id="policy-h" className="text-base font-semibold">
            Policy for {req.environment}
          </h2>
          <p className="mt-1 text-sm text-slate-600">
            {d.policy.requiredApprovals} approval{d.policy.requiredApprovals === 1 ? '' : 's'} from people other than
            the requester; validation passing on these bytes;
            {d.policy.requirePreviewSummary
              ? ' each approval carries the reviewer’s reconstruction preview summary;'
              : ' preview summaries optional;'}{' '}
            the deployer may not be the only approver.
            {d.policy.isDefault && ' (Defaults: no admin has set this environment’s policy.)'}
          </p>
          {d.state === 'open' || d.state === 'approved' || d.state === 'draft' || d.state === 'failed' ? (
            d.evaluation.satisfied ? (
              <p className="mt-3 text-sm font-medium text-emerald-800" role="status">
                The policy is satisfied ({d.evaluation.approvals} of {d.evaluation.required} approvals).
              </p>
            ) : (
              <>
                <p className="mt-3 text-sm font-medium">Still missing:</p>
                <ul className="mt-1 list-disc pl-5 text-sm text-amber-900">
                  {d.evaluation.reasons.map((r) => (
                    <li key={r}>{r}</li>
                  ))}
                </ul>
              </>
            )
          ) : (
            <p className="mt-3 text-sm text-slate-600">This request is {d.state}; nothing more to evaluate.</p>
          )}
          {d.evaluation.notes.length > 0 && (
            <ul className="mt-2 list-disc pl-5 text-xs text-slate-600">
              {d.evaluation.notes.map((n) => (
                <li key={n}>{n}</li>
              ))}
            </ul>
          )}
          <p className="mt-3 text-xs text-slate-600">
            Latest validation:{' '}
            {d.latestValidation ? (
              <>
                <Badge tone={d.latestValidation.isValid ? 'green' : 'red'}>
                  {d.latestValidation.isValid ? 'valid' : 'invalid'}
                </Badge>{' '}
                {fmtDate(d.latestValidation.createdAt)}
              </>
            ) : (
              'none yet'
            )}
          </p>
        </section>
      </div>

      <RoleActions d={d} isRequester={isRequester} canBreakGlass={can(actor, 'deployments.break_glass')} />

      <section aria-labelledby="reviews-h" className="mt-6 rounded-lg border border-slate-200 bg-white p-5">
        <h2 id="reviews-h" className="text-base font-semibold">
          Reviews
        </h2>
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
                      {r.lapse === 'artifact_changed' ? 'lapsed: other bytes' : 'lapsed: newer validation run'}
                    </Badge>
                  )}
                  {r.previewSummary ? (
                    <Badge tone="indigo">preview attached</Badge>
                  ) : r.decision === 'approve' ? (
                    <Badge>no preview</Badge>
                  ) : null}
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
                previewNote={
                  d.myPreview ? (
                    <>Your preview summary of {fmtDate(d.myPreview.createdAt)} will be attached to an approval.</>
                  ) : (
                    <>
                      {d.policy.requirePreviewSummary
                        ? 'This environment requires your reconstruction preview summary on an approval: '
                        : 'Optionally attach your reconstruction preview summary: '}
                      run the preview on the{' '}
                      <Link className="text-indigo-800 underline" href={`/models/${req.modelExport.modelId}`}>
                        model page
                      </Link>{' '}
                      and choose “Attach to review”.
                    </>
                  )
                }
              />
            </div>
          </div>
        ) : isRequester && (d.state === 'open' || d.state === 'approved') ? (
          <p className="mt-4 text-sm text-slate-600">You requested this deployment, so teammates review it.</p>
        ) : null}
      </section>

      <Diff candidate={d.diff.candidate} replaced={d.diff.replaced} environment={req.environment} />

      <section aria-labelledby="history-h" className="mt-6 rounded-lg border border-slate-200 bg-white p-5">
        <h2 id="history-h" className="text-base font-semibold">
          History
        </h2>
        <ol className="mt-3 space-y-1 text-sm">
          {d.history.map((h) => (
            <li key={h.id} className="flex flex-wrap gap-2">
              <time className="text-slate-600" dateTime={h.createdAt.toISOString()}>
                {fmtDate(h.createdAt)}
              </time>
              <code className="text-xs">{h.action}</code>
              <span>{h.actorLabel}</span>
              <HistoryDetail before={h.before} after={h.after} />
            </li>
          ))}
        </ol>
      </section>

      <section aria-labelledby="comments-h" className="mt-6 rounded-lg border border-slate-200 bg-white p-5">
        <h2 id="comments-h" className="text-base font-semibold">
          Discussion
        </h2>
        <div className="mt-3">
          <CommentThread
            comments={d.comments}
            names={names}
            target={{ requestId: req.id }}
            commentAction={can(actor, 'comments.write') ? addCommentAction : undefined}
          />
        </div>
      </section>
    </>
  );
}

function RoleActions({
  d,
  isRequester,
  canBreakGlass,
}: {
  d: RequestDetail;
  isRequester: boolean;
  canBreakGlass: boolean;
}) {
  const a = d.actions;
  const req = d.request;
  const blocks: React.ReactNode[] = [];
  if (a.includes('submit'))
    blocks.push(
      <Block key="submit" title={d.state === 'failed' ? 'Resubmit' : 'Submit'}>
        <SubmitRequestButton
          requestId={req.id}
          label={d.state === 'failed' ? 'Resubmit for review' : 'Submit for review'}
        />
      </Block>,
    );
  if (a.includes('amend'))
    blocks.push(
      <Block key="amend" title="Amend">
        <AmendRequestForm
          requestId={req.id}
          exports={d.siblings.map((s) => ({
            modelId: s.modelId,
            label: `${s.modelId} (${s.exportFormat}, ${s.checksum.slice(0, 8)}…)`,
          }))}
        />
      </Block>,
    );
  if (a.includes('deploy'))
    blocks.push(
      <Block key="deploy" title="Deploy">
        <DeployRequestButton requestId={req.id} blocked={d.asDeployer?.reasons ?? []} />
      </Block>,
    );
  if (a.includes('break_glass') && canBreakGlass)
    blocks.push(
      <Block key="bg" title="Break-glass (admins)">
        <p className="mb-2 text-sm text-slate-600">
          Deploys without approvals. Flagged on the deployment, the model page and the audit log, with your reason.
        </p>
        <BreakGlassForm requestId={req.id} />
      </Block>,
    );
  if (a.includes('withdraw'))
    blocks.push(
      <Block key="withdraw" title="Withdraw">
        <WithdrawRequestForm requestId={req.id} />
      </Block>,
    );
  if (!blocks.length) return null;
  return (
    <section aria-labelledby="actions-h" className="mt-6 rounded-lg border border-slate-200 bg-white p-5">
      <h2 id="actions-h" className="text-base font-semibold">
        {isRequester ? 'Your request' : 'Actions'}
      </h2>
      <div className="mt-3 grid gap-6 lg:grid-cols-2">{blocks}</div>
    </section>
  );
}

function Block({ title, children }: { title: string; children: React.ReactNode }) {
  return (
    <div>
      <h3 className="mb-2 text-sm font-semibold">{title}</h3>
      {children}
    </div>
  );
}

function Diff({
  candidate,
  replaced,
  environment,
}: {
  candidate: DiffSide;
  replaced: (DiffSide & { deployment?: DiffSide['deployment'] }) | null;
  environment: string;
}) {
  const metricKeys = [
    ...new Set([...Object.keys(candidate.trainingMetrics), ...Object.keys(replaced?.trainingMetrics ?? {})]),
  ].filter((k) => isScalar(candidate.trainingMetrics[k]) || isScalar(replaced?.trainingMetrics[k]));
  const rows: [string, (s: DiffSide) => React.ReactNode][] = [
    [
      'Model',
      (s) => (
        <Link className="font-mono text-xs text-indigo-800 underline" href={`/models/${s.modelId}`}>
          {s.modelId}
        </Link>
      ),
    ],
    ['Format', (s) => s.exportFormat],
    [
      'SHA-256',
      (s) => (
        <code className="font-mono text-xs" title={s.checksum}>
          {s.checksum.slice(0, 16)}…
        </code>
      ),
    ],
    ['Architecture', (s) => `${s.inputDim} → [${s.hiddenDims.join(', ')}] → ${s.inputDim}`],
    ['Parameters', (s) => s.parameterCount.toLocaleString('en')],
    ['Architecture hash', (s) => <code className="font-mono text-xs">{s.architectureHash.slice(0, 16)}</code>],
    ...metricKeys.map((k): [string, (s: DiffSide) => React.ReactNode] => [
      k.replaceAll('_', ' '),
      (s) => fmtScalar(s.trainingMetrics[k]),
    ]),
    [
      'Latest validation',
      (s) =>
        s.validation ? (
          <>
            <Badge tone={s.validation.isValid ? 'green' : 'red'}>{s.validation.isValid ? 'valid' : 'invalid'}</Badge>{' '}
            {fmtDate(s.validation.at)}
          </>
        ) : (
          'not validated'
        ),
    ],
    [
      'Median error, normal / anomalous',
      (s) =>
        s.validation?.normalMedian != null
          ? `${fmtNumber(s.validation.normalMedian)} / ${fmtNumber(s.validation.anomalousMedian)}`
          : '—',
    ],
    ['Anomalies above p95 of normal', (s) => s.validation?.anomaliesAboveP95 ?? '—'],
    ['onnxruntime vs source (max rel.)', (s) => fmtNumber(s.validation?.onnxMaxRelDiff ?? null)],
    [
      'Preview summaries',
      (s) =>
        s.previews.length ? (
          <ul className="space-y-1">
            {s.previews.map((p) => (
              <li key={p.userName}>
                <span className="font-medium">{p.userName}</span> <PreviewGist summary={p.summary} />
              </li>
            ))}
          </ul>
        ) : (
          '—'
        ),
    ],
  ];
  return (
    <section aria-labelledby="diff-h" className="mt-6 rounded-lg border border-slate-200 bg-white p-5">
      <h2 id="diff-h" className="text-base font-semibold">
        Compared with the model it would replace
      </h2>
      {!replaced && (
        <p className="mt-1 text-sm text-slate-600">
          Nothing serves this age range in {environment} now: this would be its first model.
        </p>
      )}
      {replaced?.deployment && (
        <p className="mt-1 text-sm text-slate-600">
          Now serving: deployment {replaced.deployment.id}, threshold {fmtNumber(replaced.deployment.threshold)} from{' '}
          {replaced.deployment.sampleCount} samples, since {fmtDate(replaced.deployment.deployedAt)}
          {replaced.deployment.breakGlassReason && (
            <>
              {' '}
              <Badge tone="red">break-glass</Badge>
            </>
          )}
          .
        </p>
      )}
      <div className="mt-3 overflow-x-auto">
        <table className="min-w-full text-sm">
          <caption className="sr-only">
            This request’s export side by side with the active model of the same age range and environment
          </caption>
          <thead className="text-left text-xs uppercase tracking-wide text-slate-600">
            <tr>
              <th scope="col" className="py-1 pr-4">
                &nbsp;
              </th>
              <th scope="col" className="py-1 pr-4">
                This request
              </th>
              <th scope="col" className="py-1 pr-4">
                Serving {environment} now
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map(([label, f]) => {
              const a = f(candidate);
              const b = replaced ? f(replaced) : '—';
              return (
                <tr key={label} className="border-t border-slate-100 align-top">
                  <th scope="row" className="py-1.5 pr-4 text-left font-normal text-slate-600">
                    {label}
                  </th>
                  <td className="py-1.5 pr-4">{a}</td>
                  <td className="py-1.5 pr-4">{b}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function PreviewGist({ summary }: { summary: unknown }) {
  const s = summary && typeof summary === 'object' ? (summary as Record<string, unknown>) : {};
  const pairs = Object.entries(s)
    .filter(([k, v]) => isScalar(v) && k !== 'artifact_sha256')
    .slice(0, 6);
  return (
    <span className="text-xs text-slate-700">
      {pairs.map(([k, v]) => `${k.replaceAll('_', ' ')} ${fmtScalar(v)}`).join(' · ') || 'attached'}
    </span>
  );
}

function HistoryDetail({ before, after }: { before: unknown; after: unknown }) {
  const b = (before ?? {}) as Record<string, unknown>;
  const a = (after ?? {}) as Record<string, unknown>;
  const bits: string[] = [];
  if (b.state && a.state && b.state !== a.state) bits.push(`${b.state} → ${a.state}`);
  if (a.decision) bits.push(String(a.decision).replace('_', ' '));
  if (b.modelId && a.modelId && b.modelId !== a.modelId) bits.push(`${b.modelId} → ${a.modelId}`);
  if (a.breakGlassReason) bits.push(`break-glass: ${a.breakGlassReason}`);
  if (a.failureReason) bits.push(`failed: ${a.failureReason}`);
  if (a.cause) bits.push(`because ${a.cause}`);
  return bits.length ? <span className="text-slate-600">({bits.join('; ')})</span> : null;
}

function Kv({ k, children }: { k: string; children: React.ReactNode }) {
  return (
    <div>
      <dt className="text-xs text-slate-600">{k}</dt>
      <dd>{children}</dd>
    </div>
  );
}

function isScalar(v: unknown): v is number | string | boolean {
  return typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean';
}

function fmtScalar(v: unknown): string {
  if (typeof v === 'number') return fmtNumber(v);
  if (v === undefined || v === null) return '—';
  return String(v);
}

function collectMentions(nodes: RequestDetail['comments']): string[] {
  return nodes.flatMap((n) => [...n.mentions, ...collectMentions(n.replies)]);
}
