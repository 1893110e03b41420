import type { Metadata } from 'next';
import Link from 'next/link';
import { OffsetPaging } from '@/components/offset-paging';
import { Badge, EmptyState, PageHeader } from '@/components/ui';
import { requirePageActor } from '@/lib/auth/current';
import { getDb } from '@/lib/db';
import { fmtDate, fmtDuration, fmtNumber } from '@/lib/format-display';
import { listTrainingJobs } from '@/lib/registry/training-jobs';
import { CardTable, TableHead } from '@/components/table';
import { TrainingJobUploadForm } from './_components/training-job-upload-form';
import { can } from '@/lib/auth/permissions';
import { maxArtifactBytes } from '@/lib/config';

export const metadata: Metadata = { title: 'Training jobs' };

const STATUS_TONE = {
  completed: 'green',
  running: 'indigo',
  pending: 'slate',
  failed: 'red',
  cancelled: 'amber',
} as const;

export default async function TrainingJobsPage({
  searchParams,
}: {
  searchParams: Promise<{ page?: string; status?: string; q?: string }>;
}) {
  const actor = await requirePageActor('/training-jobs');
  const sp = await searchParams;
  const { jobs, ...paging } = await listTrainingJobs(await getDb(), actor, {
    page: Number(sp.page) || 1,
    status: sp.status,
    q: sp.q,
  });
  const qs = (p: number) => `/training-jobs?${new URLSearchParams({ ...sp, page: String(p) })}`;
  return (
    <>
      <PageHeader
        title="Training jobs"
        description="Runs of the training pipeline and their reports. Each completed job's checkpoint can be exported, validated and reviewed for deployment."
      />
      {can(actor, 'jobs.write') && (
        <details className="mb-6 rounded-lg border border-slate-200 bg-white p-4 [&[open]>summary]:mb-4">
          <summary className="cursor-pointer text-sm font-semibold text-indigo-800">Register a training job</summary>
          <TrainingJobUploadForm maxArtifactBytes={maxArtifactBytes()} />
        </details>
      )}
      <form className="mb-4 flex flex-wrap items-end gap-3" role="search">
        <div>
          <label htmlFor="q" className="block text-xs font-medium text-slate-700">
            Job name
          </label>
          <input
            id="q"
            name="q"
            defaultValue={sp.q}
            className="mt-1 rounded-md border border-slate-300 px-2 py-1.5 text-sm"
          />
        </div>
        <div>
          <label htmlFor="status" className="block text-xs font-medium text-slate-700">
            Status
          </label>
          <select
            id="status"
            name="status"
            defaultValue={sp.status ?? ''}
            className="mt-1 rounded-md border border-slate-300 px-2 py-1.5 text-sm"
          >
            <option value="">Any</option>
            {Object.keys(STATUS_TONE).map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </div>
        <button className="rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm hover:bg-slate-50">
          Filter
        </button>
      </form>
      {jobs.length === 0 ? (
        <EmptyState title={sp.q || sp.status ? 'No training jobs match these filters' : 'No training jobs yet'}>
          Pipelines register jobs with <code>npx drawbridge jobs push</code> or <code>POST /api/v1/training/jobs</code>.
        </EmptyState>
      ) : (
        <CardTable caption="Training jobs with their report metrics">
          <TableHead
            columns={[
              'ID',
              'Job',
              'Status',
              'Trained for ages',
              'Environment',
              { label: 'Final loss', numeric: true },
              { label: 'Val. accuracy', numeric: true },
              { label: 'Best epoch', numeric: true },
              { label: 'Training time', numeric: true },
              'Finished',
              { label: 'Exports', numeric: true },
            ]}
          />
          <tbody className="divide-y divide-slate-100">
            {jobs.map((j) => (
              <tr key={j.id} className="hover:bg-slate-50">
                <td className="px-4 py-2 tabular-nums text-slate-600">{j.id}</td>
                <td className="px-4 py-2">
                  <Link href={`/training-jobs/${j.id}`} className="font-medium text-indigo-800 hover:underline">
                    {j.jobName}
                  </Link>
                </td>
                <td className="px-4 py-2">
                  <Badge tone={STATUS_TONE[j.status]}>{j.status}</Badge>
                </td>
                <td className="px-4 py-2 whitespace-nowrap">
                  {j.ageGroupMin !== null && j.ageGroupMax !== null ? `${j.ageGroupMin}–${j.ageGroupMax}` : '—'}
                </td>
                <td className="px-4 py-2">{j.environment}</td>
                <td className="px-4 py-2 text-right tabular-nums">{fmtNumber(j.report?.finalLoss)}</td>
                <td className="px-4 py-2 text-right tabular-nums">
                  {j.report?.validationAccuracy != null ? `${(j.report.validationAccuracy * 100).toFixed(1)} %` : '—'}
                </td>
                <td className="px-4 py-2 text-right tabular-nums">{j.report?.bestEpoch ?? '—'}</td>
                <td className="px-4 py-2 text-right tabular-nums">{fmtDuration(j.report?.trainingTimeSeconds)}</td>
                <td className="px-4 py-2 whitespace-nowrap">{fmtDate(j.endTimestamp)}</td>
                <td className="px-4 py-2 text-right tabular-nums">{j._count.exports}</td>
              </tr>
            ))}
          </tbody>
        </CardTable>
      )}
      <OffsetPaging {...paging} href={qs} noun={['job', 'jobs']} />
    </>
  );
}
