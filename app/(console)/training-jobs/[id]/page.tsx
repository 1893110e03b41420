import type { Metadata } from 'next';
import { notFound } from 'next/navigation';
import { ExportForm } from './_components/export-form';
import { LossChart } from './_components/loss-chart';
import { LabelledValues } from '@/components/model-overview';
import { Badge, PageHeader, Sha } from '@/components/ui';
import { requirePageActor } from '@/lib/auth/current';
import { getDb } from '@/lib/db';
import { DomainError } from '@/lib/errors';
import { fmtAgeRange, fmtBytes, fmtDate, fmtDuration, fmtNumber } from '@/lib/format-display';
import { getTrainingJob } from '@/lib/registry/training-jobs';
import { can } from '@/lib/auth/permissions';
import { TableHead, TableScroll } from '@/components/table';

type Params = { params: Promise<{ id: string }> };

export async function generateMetadata({ params }: Params): Promise<Metadata> {
  return { title: `Training job ${(await params).id}` };
}

function numbers(v: unknown): number[] {
  return Array.isArray(v) ? v.filter((x): x is number => typeof x === 'number') : [];
}

export default async function TrainingJobPage({ params }: Params) {
  const { id } = await params;
  const actor = await requirePageActor(`/training-jobs/${id}`);
  if (!/^\d+$/.test(id)) notFound();
  let job;
  try {
    job = await getTrainingJob(await getDb(), actor, Number(id));
  } catch (e) {
    if (e instanceof DomainError && e.code === 'training_job_not_found') notFound();
    throw e;
  }
  const r = job.report;
  const summary = (r?.metricsSummary ?? {}) as Record<string, unknown>;
  const ages =
    job.ageGroupMin !== null && job.ageGroupMax !== null ? { min: job.ageGroupMin, max: job.ageGroupMax } : null;
  const artifacts = [
    { label: 'Checkpoint', a: job.checkpoint },
    { label: 'Validation set', a: job.validationSet },
  ];
  return (
    <>
      <PageHeader
        title={job.jobName}
        description={`Training job ${job.id} · ${job.environment} · ${job.datasetPath ?? 'no dataset path recorded'}`}
      />
      <div className="grid gap-6 lg:grid-cols-3">
        <section aria-labelledby="report-h" className="rounded-lg border border-slate-200 bg-white p-5 lg:col-span-2">
          <h2 id="report-h" className="text-base font-semibold">
            Report
          </h2>
          {r ? (
            <>
              <dl className="mt-3 grid grid-cols-2 gap-4 sm:grid-cols-4">
                <Metric label="Final loss" value={fmtNumber(r.finalLoss)} />
                <Metric
                  label="Validation accuracy"
                  value={r.validationAccuracy != null ? `${(r.validationAccuracy * 100).toFixed(1)} %` : '—'}
                />
                <Metric label="Best epoch" value={String(r.bestEpoch ?? '—')} />
                <Metric label="Training time" value={fmtDuration(r.trainingTimeSeconds)} />
              </dl>
              <h3 className="mt-6 text-sm font-medium text-slate-700">Loss curve</h3>
              <div className="mt-2">
                <LossChart train={numbers(summary.train_loss)} validation={numbers(summary.val_loss)} />
              </div>
            </>
          ) : (
            <p className="mt-2 text-sm text-slate-600">
              This job has no report yet; it cannot be exported until it has one.
            </p>
          )}
        </section>
        <section aria-labelledby="job-h" className="rounded-lg border border-slate-200 bg-white p-5">
          <h2 id="job-h" className="text-base font-semibold">
            Job
          </h2>
          <dl className="mt-3 space-y-2 text-sm">
            <Row label="Status">
              <Badge tone={job.status === 'completed' ? 'green' : 'slate'}>{job.status}</Badge>
            </Row>
            <Row label="Trained for ages">
              {ages ? fmtAgeRange(ages.min, ages.max) : <span className="text-amber-900">not recorded</span>}
            </Row>
            <Row label="Started">{fmtDate(job.startTimestamp)}</Row>
            <Row label="Finished">{fmtDate(job.endTimestamp)}</Row>
            <Row label="Registered by">{job.createdBy?.name ?? 'Drawbridge (seed)'}</Row>
            {job.sagemakerJobArn && (
              <Row label="SageMaker ARN">
                <code className="break-all text-xs">{job.sagemakerJobArn}</code>
              </Row>
            )}
          </dl>
          <h3 className="mt-4 text-sm font-medium text-slate-700">Configuration</h3>
          <LabelledValues values={(job.configParameters ?? {}) as Record<string, unknown>} />
        </section>
      </div>
      {can(actor, 'models.export') && job.status === 'completed' && r && (
        <section aria-labelledby="export-h" className="mt-6 rounded-lg border border-slate-200 bg-white p-5">
          <h2 id="export-h" className="text-base font-semibold">
            Export
          </h2>
          <p className="mt-1 text-sm text-slate-600">
            Converts this job’s checkpoint into a verified artifact for one age group.
          </p>
          <div className="mt-4">
            <ExportForm trainingJobId={job.id} jobAgeRange={ages} />
          </div>
        </section>
      )}
      <section aria-labelledby="art-h" className="mt-6 rounded-lg border border-slate-200 bg-white p-5">
        <h2 id="art-h" className="text-base font-semibold">
          Artifacts
        </h2>
        <TableScroll label="Artifacts" className="mt-3">
          <table className="min-w-full text-sm">
            <TableHead columns={['Artifact', 'File', 'Size', 'SHA-256']} variant="inline" />
            <tbody>
              {artifacts.map(({ label, a }) => (
                <tr key={label} className="border-t border-slate-100">
                  <td className="py-2 pr-4 font-medium">{label}</td>
                  <td className="py-2 pr-4">{a?.originalName ?? (a ? a.mediaType : 'none')}</td>
                  <td className="py-2 pr-4 tabular-nums">{fmtBytes(a?.sizeBytes)}</td>
                  <td className="py-2">
                    <Sha value={a?.sha256} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      </section>
    </>
  );
}

function Metric({ label, value }: { label: string; value: string }) {
  return (
    <div>
      <dt className="text-xs text-slate-600">{label}</dt>
      <dd className="text-lg font-semibold tabular-nums">{value}</dd>
    </div>
  );
}

function Row({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <div className="flex justify-between gap-3">
      <dt className="text-slate-600">{label}</dt>
      <dd className="text-right">{children}</dd>
    </div>
  );
}
