import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { BreakGlassDeployForm, DeployApprovedRequests, ValidateButton } from './_components/model-actions';
import { PreviewSection } from '@/components/preview/preview-section';
import { AgeRangeOverrideFlag, ExportMetadata, LayerTable } from '@/components/model-overview';
import { CardSection } from './_components/card-section';
import { PageNav, PageSection } from './_components/page-nav';
import { ValidationRuns } from './_components/validation-runs';
import { Badge, PageHeader, Sha } from '@/components/ui';
import { requirePageActor } from '@/lib/auth/current';
import { can } from '@/lib/auth/permissions';
import { getDb } from '@/lib/db';
import { DomainError } from '@/lib/errors';
import { fmtAgeRange, fmtBytes, fmtDate, fmtFormat, fmtModelName, fmtNumber } from '@/lib/format-display';
import {
  getModelCard,
  listModelCardVersions,
  MODEL_CARD_MAX_CHARS,
  MODEL_CARD_TEMPLATE,
} from '@/lib/registry/model-card';
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
  const [card, cardVersions] = await Promise.all([getModelCard(db, exp.id), listModelCardVersions(db, actor, exp.id)]);
  const latest = exp.validationRuns[0];
  const active = exp.deployments.filter((d) => d.isActive);
  const approved = reviewPanel.requests.filter((r) => r.state === 'approved');
  const pending = reviewPanel.requests.filter((r) => r.state === 'open');
  const sections = [
    { id: 'overview', title: 'Overview' },
    { id: 'model-card', title: 'Model card' },
    { id: 'preview', title: 'Preview' },
    { id: 'validation', title: 'Validation' },
    { id: 'deployments', title: 'Deployments' },
    { id: 'reviews', title: 'Reviews' },
    ...(can(actor, 'share.manage') ? [{ id: 'share', title: 'Share' }] : []),
  ];
  return (
    <>
      <PageHeader
        title={fmtModelName(exp)}
        description={`Autoencoder for ${fmtAgeRange(exp.ageGroupMin, exp.ageGroupMax)}, exported as ${fmtFormat(exp.exportFormat)}${exp.trainingJob ? ` from training job ${exp.trainingJob.id}` : ' directly from an uploaded checkpoint'}.`}
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
      <p className="-mt-4 mb-6 font-mono text-xs break-all text-slate-600">{exp.modelId}</p>
      <AgeRangeOverrideFlag exp={exp} />
      <div className="lg:grid lg:grid-cols-[10rem_minmax(0,1fr)] lg:gap-6">
        <PageNav sections={sections} />
        <div className="min-w-0 space-y-6">
          <PageSection id="overview" title="Overview">
            <div className="mt-3 grid gap-6 lg:grid-cols-3">
              <ExportMetadata exp={exp} headingLevel={3} />
              <DownloadPanel exp={exp} />
            </div>
            <LayerTable exp={exp} headingLevel={3} />
          </PageSection>

          <PageSection id="model-card" title="Model card">
            <CardSection
              modelId={exp.modelId}
              card={card}
              versions={cardVersions}
              canWrite={can(actor, 'model_cards.write')}
              template={MODEL_CARD_TEMPLATE}
              maxChars={MODEL_CARD_MAX_CHARS}
            />
          </PageSection>

          <section
            id="preview"
            aria-labelledby="preview-h"
            className="min-w-0 scroll-mt-4 rounded-lg border border-slate-200 bg-white p-5"
          >
            <PreviewSection
              sources={previewSources}
              attachAction={can(actor, 'reviews.write') ? attachPreviewSummaryAction : undefined}
            />
          </section>

          <PageSection
            id="validation"
            title="Validation"
            actions={can(actor, 'models.validate') && <ValidateButton modelId={exp.modelId} />}
          >
            <ValidationRuns runs={exp.validationRuns} />
          </PageSection>

          <PageSection id="deployments" title="Deployments">
            <div className="mt-3 grid gap-6 lg:grid-cols-2">
              <div className="min-w-0">
                <h3 id="dep-h" className="text-base font-semibold">
                  Deployment history
                </h3>
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
                        {d.environment}, deployment {d.id}, {fmtDate(d.createdTimestamp)} by {d.deployedBy?.name ?? '—'}
                        ; threshold {fmtNumber(d.threshold)} ({d.sampleCount} samples)
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
                <div className="min-w-0">
                  <h3 className="text-base font-semibold">Deploy</h3>
                  <p className="mt-1 text-sm text-slate-600">
                    Deploys carry out approved deployment requests, with the options their reviewers approved, in one
                    transaction; the threshold is the 95th percentile of reconstruction error on the validation set’s
                    normal samples.
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
                      <h4 id="break-glass-h" className="flex items-center gap-2 text-sm font-semibold text-red-900">
                        <Badge tone="red">break-glass</Badge> Deploy without approvals (admins)
                      </h4>
                      <p className="mt-1 text-xs text-red-900">
                        For emergencies only: opens a request for this export and deploys it at once, skipping review.
                        The deployment is flagged on this page, on the deployments page and in its request, and audited
                        as model.deploy.break_glass with your reason.
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
            </div>
          </PageSection>

          <PageSection id="reviews" title="Reviews">
            <div className="mt-3 grid gap-6 lg:grid-cols-2">
              <div className="min-w-0">
                <h3 id="requests-h" className="text-base font-semibold">
                  Deployment requests
                </h3>
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
                <div id="request-deployment" className="min-w-0 scroll-mt-6">
                  <h3 className="text-base font-semibold">Request deployment</h3>
                  <div className="mt-3">
                    <RequestDeploymentForm
                      modelId={exp.modelId}
                      ageGroupMin={exp.ageGroupMin}
                      ageGroupMax={exp.ageGroupMax}
                    />
                  </div>
                </div>
              )}
            </div>
            <div className="mt-6 border-t border-slate-100 pt-4">
              <h3 id="discussion-h" className="text-base font-semibold">
                Discussion
              </h3>
              <div className="mt-3">
                <CommentThread
                  comments={reviewPanel.comments}
                  names={reviewPanel.names}
                  target={{ modelId: exp.modelId }}
                  commentAction={can(actor, 'comments.write') ? addCommentAction : undefined}
                />
              </div>
            </div>
          </PageSection>

          {can(actor, 'share.manage') && (
            <PageSection id="share" title="Share">
              <p className="mt-1 text-sm text-slate-600">
                Permalink: <code className="text-xs">/models/{exp.modelId}</code> (signed-in team members). A public
                link opens this page read-only, without sign-in, until it is revoked; every link is audited.
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
            </PageSection>
          )}
        </div>
      </div>
    </>
  );
}

/** Where the export's bytes are: the download, its checksums and the path deploy configs name. */
function DownloadPanel({ exp }: { exp: Awaited<ReturnType<typeof getModelDetail>>['exp'] }) {
  return (
    <section aria-labelledby="dl-h" className="min-w-0 rounded-lg border border-slate-200 bg-white p-5">
      <h3 id="dl-h" className="text-base font-semibold">
        Download
      </h3>
      <p className="mt-2 text-sm">
        <a
          className="font-medium break-all text-indigo-800 underline"
          href={`/api/v1/training/models/exports/${exp.modelId}/download`}
        >
          {exp.artifact.originalName ?? exp.modelId}
        </a>{' '}
        <span className="text-slate-600">({fmtBytes(exp.fileSizeBytes)})</span>
      </p>
      <p className="mt-2 text-xs text-slate-600">SHA-256</p>
      <Sha value={exp.checksum} />
      <p className="mt-2 text-xs text-slate-600">Export path (for deploy configs)</p>
      <code className="text-xs break-all">{exportPathOf(exp)}</code>
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
  );
}
