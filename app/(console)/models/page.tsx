import type { Metadata } from 'next';
import Link from 'next/link';
import { Badge, EmptyState, PageHeader, Pagination, Sha } from '@/components/ui';
import { requirePageActor } from '@/lib/auth/current';
import { getDb } from '@/lib/db';
import { fmtAgeRange, fmtBytes, fmtDate } from '@/lib/format-display';
import { listExportedModels } from '@/lib/registry/exports';

export const metadata: Metadata = { title: 'Models' };

export default async function ModelsPage({ searchParams }: { searchParams: Promise<{ page?: string }> }) {
  const actor = await requirePageActor('/models');
  const sp = await searchParams;
  const { exports, total, page, pageSize } = await listExportedModels(await getDb(), actor, { page: Number(sp.page) || 1 });
  return (
    <>
      <PageHeader title="Models" description="Every exported model artifact, newest first, with its checksum." />
      {exports.length === 0 ? (
        <EmptyState title="No exported models yet">
          Open a completed <Link href="/training-jobs" className="text-indigo-800 underline">training job</Link> and export its
          checkpoint as ONNX, PyTorch, pickle or safetensors; the export appears here with its metadata and SHA-256.
        </EmptyState>
      ) : (
        <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white">
          <table className="min-w-full divide-y divide-slate-200 text-sm">
            <caption className="sr-only">Exported models</caption>
            <thead className="bg-slate-50 text-left text-xs uppercase tracking-wide text-slate-600">
              <tr>
                <th scope="col" className="px-4 py-2">Model</th>
                <th scope="col" className="px-4 py-2">Age group</th>
                <th scope="col" className="px-4 py-2">Format</th>
                <th scope="col" className="px-4 py-2">Parameters</th>
                <th scope="col" className="px-4 py-2">Size</th>
                <th scope="col" className="px-4 py-2">Exported</th>
                <th scope="col" className="px-4 py-2">SHA-256</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {exports.map((m) => (
                <tr key={m.id}>
                  <td className="px-4 py-2 font-mono text-xs">{m.modelId}</td>
                  <td className="px-4 py-2">{fmtAgeRange(m.ageGroupMin, m.ageGroupMax)}</td>
                  <td className="px-4 py-2"><Badge tone="indigo">{m.exportFormat}</Badge></td>
                  <td className="px-4 py-2 tabular-nums">{m.parameterCount.toLocaleString('en')}</td>
                  <td className="px-4 py-2 tabular-nums">{fmtBytes(m.fileSizeBytes)}</td>
                  <td className="px-4 py-2 whitespace-nowrap">{fmtDate(m.exportTimestamp)}</td>
                  <td className="max-w-xs px-4 py-2"><Sha value={m.checksum} /></td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pagination page={page} pageSize={pageSize} total={total} href={(p) => `/models?page=${p}`} />
    </>
  );
}
