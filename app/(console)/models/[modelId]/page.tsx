import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { BreakGlassDeployForm, DeployApprovedRequests, ValidateButton } from './_components/model-actions';
import { PreviewSection } from '@/components/preview/preview-section';
import { AgeRangeOverrideFlag, ExportMetadata, LayerTable } from '@/components/model-overview';
import { Badge, PageHeader, Sha } from '@/components/ui';
import { requirePageActor } from '@/lib/auth/current';
import { can } from '@/lib/auth/permissions';
import { getDb } from '@/lib/db';
import { DomainError } from '@/lib/errors';
import { fmtAgeRange, fmtBytes, fmtDate, fmtNumber } from '@/lib/format-display';
import { exportPathOf } from '@/lib/registry/deploy';
import { getModelDetail } from '@/lib/registry/model-page';
import { listShareLinks } from '@/lib/registry/share-links';
import { SharePanel } from './_components/share-panel';
import { CommentThread } from '@/components/comment-thread';
import { RequestDeploymentForm } from './_components/request-form';
import { RequestStateBadge } from '@/components/review-ui';
import { getModelReviewPanel } from '@/lib/registry/review-detail';
import { getPreviewSources } from '@/lib/registry/reconstruction';
import { addCommentAction, attachPreviewSummaryAction } from '../../reviews/actions';
import { publicUrl } from '@/lib/config';

type Params = { params: Promise<{ modelId: string }> };

export async function generateMetadata({ params }: Params): Promise<Metadata> {
  const { modelId } = await params;
  // The permalink; its card image (opengraph-image.tsx) is generated per model.
  return {
    metadataBase: publicUrl(),
    title: modelId,
    openGraph: { title: `${modelId} · Drawbridge`, url: `/models/${modelId}`, type: 'website' },
    twitter: { card: 'summary_large_image', title: `${modelId} · Drawbridge` },
  };
}

export default async function ModelPage({ params }: Params) {
  const { modelId } = await params;
  const actor = await requirePageActor(`/models/${modelId}`);
  const db = await getDb();
  let detail;
  try {
    detail = await getModelDetail(db, actor, modelId);
  } catch (e) {
    if (e instanceof DomainError && e.code === 'model_not_found') notFound();
    throw e;
  }
  const { exp, production } = detail;
  const shareLinks = can(actor, 'share.manage') ? await listShareLinks(db, actor, exp.modelId) : [];
  const reviewPanel = await getModelReviewPanel(db, actor, exp.id);
  const previewSources = await getPreviewSources(db, actor, exp.modelId);
  const latest = exp.validationRuns[0];
  const active = exp.deployments.filter((d) => d.isActive);
  const approved = reviewPanel.requests.filter((r) => r.state === 'approved');
  const pending = reviewPanel.requests.filter((r) => r.state === 'open');
  return (
    <>
      <PageHeader
        title={exp.modelId}
        description={`Autoencoder for ${fmtAgeRange(exp.ageGroupMin, exp.ageGroupMax)}, exported as ${exp.exportFormat}${exp.trainingJob ? ` from training job ${exp.trainingJob.id}` : ' directly from an uploaded checkpoint'}.`}
        actions={
          <div className="flex flex-wrap gap-2">
            <Badge tone="indigo">{exp.exportFormat}</Badge>
            {latest ? (
              <Badge tone={latest.isValid ? 'green' : 'red'}>{latest.isValid ? 'valid' : 'invalid'}</Badge>
            ) : (
              <Badge tone="amber">not validated</Badge>
            )}
            {active.map((d) => (
              <Badge key={d.id} tone="green">
                active in {d.environment}
              </Badge>
            ))}
          </div>
        }
      />
      <AgeRangeOverrideFlag exp={exp} />
      <div className="grid gap-6 lg:grid-cols-3">
        <ExportMetadata exp={exp} />
        <section aria-labelledby="dl-h" className="rounded-lg border border-slate-200 bg-white p-5">
          <h2 id="dl-h" className="text-base font-semibold">
            Download
          </h2>
          <p className="mt-2 text-sm">
            <a
              className="font-medium text-indigo-800 underline"
              href={`/api/v1/training/models/exports/${exp.modelId}/download`}
            >
              {exp.artifact.originalName ?? exp.modelId}
            </a>{' '}
            <span className="text-slate-600">({fmtBytes(exp.fileSizeBytes)})</span>
          </p>
          <p className="mt-2 text-xs text-slate-600">SHA-256</p>
          <Sha value={exp.checksum} />
          <p className="mt-2 text-xs text-slate-600">Export path (for deploy configs)</p>
          <code className="break-all text-xs">{exportPathOf(exp)}</code>
          {exp.sourceChecksum && (
            <>
              <p className="mt-2 text-xs text-slate-600">Source checkpoint SHA-256</p>
              <Sha value={exp.sourceChecksum} />
            </>
          )}
          {exp.trainingJob && (
            <p className="mt-3 text-sm">
              From{' '}
              <Link className="text-indigo-800 underline" href={`/training-jobs/${exp.trainingJob.id}`}>
                {exp.trainingJob.jobName}
              </Link>
            </p>
          )}
        </section>
      </div>

      <LayerTable exp={exp} />

      <section aria-labelledby="val-h" className="mt-6 rounded-lg border border-slate-200 bg-white p-5">
        <div className="flex flex-wrap items-center justify-between gap-3">
          <h2 id="val-h" className="text-base font-semibold">
            Validation
          </h2>
          {can(actor, 'models.validate') && <ValidateButton modelId={exp.modelId} />}
        </div>
        {exp.validationRuns.length === 0 ? (
          <p className="mt-2 text-sm text-slate-600">
            Not validated yet. Validation re-hashes the artifact, parses it with Drawbridge’s own readers and runs it in
            onnxruntime against the source weights.
          </p>
        ) : (
          <ol className="mt-3 space-y-3">
            {exp.validationRuns.map((v) => {
              const perf = v.performanceChecks as Record<string, unknown>;
              const vs = perf.validation_set as Record<string, number> | undefined;
              return (
                <li key={v.id} className="rounded border border-slate-100 p-3 text-sm">
                  <div className="flex flex-wrap items-center gap-2">
                    <Badge tone={v.isValid ? 'green' : 'red'}>{v.isValid ? 'valid' : 'invalid'}</Badge>
                    <span className="text-slate-600">
                      {fmtDate(v.createdAt)} by {v.createdBy?.name ?? 'Drawbridge'}
                    </span>
                  </div>
                  {(v.errors as string[]).length > 0 && (
                    <ul className="mt-2 list-disc pl-5 text-red-800">
                      {(v.errors as string[]).map((e) => (
                        <li key={e}>{e}</li>
                      ))}
                    </ul>
                  )}
                  {(v.warnings as string[]).length > 0 && (
                    <ul className="mt-2 list-disc pl-5 text-amber-900">
                      {(v.warnings as string[]).map((w) => (
                        <li key={w}>{w}</li>
                      ))}
                    </ul>
                  )}
                  <dl className="mt-2 grid gap-x-6 gap-y-1 text-xs sm:grid-cols-3">
                    {perf.onnxruntime_max_rel_diff !== undefined && (
                      <Kv k="onnxruntime vs source (max rel.)" v={fmtNumber(perf.onnxruntime_max_rel_diff as number)} />
                    )}
                    {perf.inference_ms !== undefined && (
                      <Kv
                        k={`inference, batch ${perf.probe_batch_size}`}
                        v={`${fmtNumber(perf.inference_ms as number, 2)} ms`}
                      />
                    )}
                    {vs && (
                      <Kv
                        k="median error normal / anomalous"
                        v={`${fmtNumber(vs.normal_error_median)} / ${fmtNumber(vs.anomalous_error_median)}`}
                      />
                    )}
                    {vs && (
                      <Kv
                        k="anomalies above p95 of normal"
                        v={`${vs.anomalies_above_p95} of ${vs.anomalous_samples}`}
                      />
                    )}
                  </dl>
                </li>
              );
            })}
          </ol>
        )}
      </section>

      <section aria-labelledby="preview-h" className="mt-6 rounded-lg border border-slate-200 bg-white p-5">
        <PreviewSection
          sources={previewSources}
          attachAction={can(actor, 'reviews.write') ? attachPreviewSummaryAction : undefined}
        />
      </section>

      <section aria-labelledby="dep-h" className="mt-6 grid gap-6 lg:grid-cols-2">
        <div className="rounded-lg border border-slate-200 bg-white p-5">
          <h2 id="dep-h" className="text-base font-semibold">
            Deployment history
          </h2>
          <p className="mt-1 text-sm text-slate-600">
            Production for {fmtAgeRange(exp.ageGroupMin, exp.ageGroupMax)}:{' '}
            {production ? (
              <Link className="text-indigo-800 underline" href={`/models/${production.modelExport.modelId}`}>
                {production.modelExport.modelId}
              </Link>
            ) : (
              'no active model'
            )}
          </p>
          {exp.deployments.length === 0 ? (
            <p className="mt-2 text-sm text-slate-600">This export has never been deployed.</p>
          ) : (
            <ul className="mt-3 space-y-2 text-sm">
              {exp.deployments.map((d) => (
                <li key={d.id} className="flex flex-wrap items-center gap-2">
                  <Badge tone={d.isActive ? 'green' : 'slate'}>{d.status}</Badge>
                  {d.breakGlassReason && <Badge tone="red">break-glass</Badge>}
                  {d.environment}, deployment {d.id}, {fmtDate(d.createdTimestamp)} by {d.deployedBy?.name ?? '—'};
                  threshold {fmtNumber(d.threshold)} ({d.sampleCount} samples)
                  {d.requestId && (
                    <Link className="text-indigo-800 underline" href={`/reviews/${d.requestId}`}>
                      request
                    </Link>
                  )}
                  {d.breakGlassReason && (
                    <span className="w-full text-xs text-red-800">
                      Deployed without approvals. Reason: {d.breakGlassReason}
                    </span>
                  )}
                </li>
              ))}
            </ul>
          )}
        </div>
        {can(actor, 'deployments.write') && (
          <div className="rounded-lg border border-slate-200 bg-white p-5">
            <h2 className="text-base font-semibold">Deploy</h2>
            <p className="mt-1 text-sm text-slate-600">
              Deploys carry out approved deployment requests, with the options their reviewers approved, in one
              transaction; the threshold is the 95th percentile of reconstruction error on the validation set’s normal
              samples.
            </p>
            <DeployApprovedRequests
              modelId={exp.modelId}
              awaitingReview={pending.length}
              requests={approved.map((r) => ({
                id: r.id,
                environment: r.environment,
                requesterName: r.requester.name,
                options: [
                  r.replaceExisting ? 'replaces the active model' : 'only if no model is active',
                  r.backupExisting ? 'keeps a backup' : 'no backup',
                  r.validateBeforeDeployment ? 'validates again' : 'without validating again',
                ].join(', '),
              }))}
            />
            {can(actor, 'deployments.break_glass') && (
              <div className="mt-5 rounded-md border-2 border-red-300 bg-red-50 p-4">
                <h3 id="break-glass-h" className="flex items-center gap-2 text-sm font-semibold text-red-900">
                  <Badge tone="red">break-glass</Badge> Deploy without approvals (admins)
                </h3>
                <p className="mt-1 text-xs text-red-900">
                  For emergencies only: opens a request for this export and deploys it at once, skipping review. The
                  deployment is flagged on this page, on the deployments page and in its request, and audited as
                  model.deploy.break_glass with your reason.
                </p>
                <div className="mt-3">
                  <BreakGlassDeployForm
                    modelId={exp.modelId}
                    ageGroupMin={exp.ageGroupMin}
                    ageGroupMax={exp.ageGroupMax}
                  />
                </div>
              </div>
            )}
          </div>
        )}
      </section>
      <section aria-labelledby="requests-h" className="mt-6 grid gap-6 lg:grid-cols-2">
        <div className="rounded-lg border border-slate-200 bg-white p-5">
          <h2 id="requests-h" className="text-base font-semibold">
            Deployment requests
          </h2>
          {reviewPanel.requests.length === 0 ? (
            <p className="mt-2 text-sm text-slate-600">No one has requested deploying this export yet.</p>
          ) : (
            <ul className="mt-3 space-y-2 text-sm">
              {reviewPanel.requests.map((r) => (
                <li key={r.id} className="flex flex-wrap items-center gap-2">
                  <RequestStateBadge state={r.state} />
                  <Link className="text-indigo-800 underline" href={`/reviews/${r.id}`}>
                    {r.environment}
                  </Link>
                  <span className="text-slate-600">
                    by {r.requester.name}, {fmtDate(r.createdAt)}
                  </span>
                </li>
              ))}
            </ul>
          )}
        </div>
        {can(actor, 'requests.create') && (
          <div id="request-deployment" className="scroll-mt-6 rounded-lg border border-slate-200 bg-white p-5">
            <h2 className="text-base font-semibold">Request deployment</h2>
            <div className="mt-3">
              <RequestDeploymentForm
                modelId={exp.modelId}
                ageGroupMin={exp.ageGroupMin}
                ageGroupMax={exp.ageGroupMax}
              />
            </div>
          </div>
        )}
      </section>

      <section aria-labelledby="discussion-h" className="mt-6 rounded-lg border border-slate-200 bg-white p-5">
        <h2 id="discussion-h" className="text-base font-semibold">
          Discussion
        </h2>
        <div className="mt-3">
          <CommentThread
            comments={reviewPanel.comments}
            names={reviewPanel.names}
            target={{ modelId: exp.modelId }}
            commentAction={can(actor, 'comments.write') ? addCommentAction : undefined}
          />
        </div>
      </section>

      {can(actor, 'share.manage') && (
        <section aria-labelledby="share-h" className="mt-6 rounded-lg border border-slate-200 bg-white p-5">
          <h2 id="share-h" className="text-base font-semibold">
            Share
          </h2>
          <p className="mt-1 text-sm text-slate-600">
            Permalink: <code className="text-xs">/models/{exp.modelId}</code> (signed-in team members). A public link
            opens this page read-only, without sign-in, until it is revoked; every link is audited.
          </p>
          <div className="mt-3">
            <SharePanel
              modelId={exp.modelId}
              links={shareLinks.map((l) => ({
                id: l.id,
                createdAt: fmtDate(l.createdAt),
                createdBy: l.createdBy?.name ?? '—',
                expiresAt: l.expiresAt ? fmtDate(l.expiresAt) : null,
                revokedAt: l.revokedAt ? fmtDate(l.revokedAt) : null,
                accessCount: l.accessCount,
              }))}
            />
          </div>
        </section>
      )}
    </>
  );
}

function Kv({ k, v }: { k: string; v: string }) {
  return (
    <div>
      <dt className="text-slate-600">{k}</dt>
      <dd className="tabular-nums">{v}</dd>
    </div>
  );
}
