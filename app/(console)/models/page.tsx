import type { Metadata } from 'next';
import Link from 'next/link';
import { EmptyState, PageHeader, Pagination } from '@/components/ui';
import { TableScroll } from '@/components/table';
import { requirePageActor } from '@/lib/auth/current';
import { getDb } from '@/lib/db';
import { fmtAgeRange, fmtBytes, fmtDate, fmtModelName } from '@/lib/format-display';
import { listExportedModels, listExportsSchema, type ExportSort } from '@/lib/registry/exports';
import { FILTER_KEYS, ModelFilters, type Search } from './_components/model-filters';
import { ModelTags, StatusBadges } from './_components/model-tags';
import { SortableHead, type SortableColumn } from './_components/sortable-head';

export const metadata: Metadata = { title: 'Models' };

const COLUMNS: SortableColumn[] = [
  { label: 'Compare' },
  { label: 'Model', sort: ['name', 'name-desc'] },
  { label: 'Age group', sort: ['age', 'age-desc'] },
  { label: 'Status' },
  { label: 'Tags' },
  { label: 'Parameters', numeric: true, sort: ['params', 'params-asc'] },
  { label: 'Size', numeric: true, sort: ['size', 'size-asc'] },
  { label: 'Exported', sort: ['newest', 'oldest'] },
];

export default async function ModelsPage({ searchParams }: { searchParams: Promise<Search> }) {
  const actor = await requirePageActor('/models');
  const sp = await searchParams;
  const [ageMin, ageMax] = (sp.age ?? '').split('-').map(Number);
  // Unknown filter values are dropped rather than failing the page: URLs get hand-edited.
  const parsed = listExportsSchema.safeParse({
    page: sp.page || undefined,
    exportFormat: sp.format || undefined,
    validation: sp.validation || undefined,
    deployed: sp.deployed || undefined,
    environment: sp.env || undefined,
    tag: sp.tag || undefined,
    sort: sp.sort || undefined,
    q: sp.q || undefined,
    trainingJobId: sp.job || undefined,
    ...(ageMin && ageMax ? { ageGroupMin: ageMin, ageGroupMax: ageMax } : {}),
  });
  const { exports, total, page, pageSize, pages } = await listExportedModels(
    await getDb(),
    actor,
    parsed.success ? parsed.data : {},
  );
  const sort: ExportSort = parsed.success ? parsed.data.sort : 'newest';
  const url = (over: Record<string, string>) => `/models?${new URLSearchParams({ ...clean(sp), ...over })}`;
  const filtered = FILTER_KEYS.some((k) => sp[k]);
  return (
    <>
      <PageHeader
        title="Models"
        description="Every exported model: what serves production and staging, what is a candidate, its validation and tags. Tick two to compare them."
      />
      <ModelFilters sp={sp} filtered={filtered} />
      {exports.length === 0 ? (
        <ListEmpty
          total={total}
          filtered={filtered}
          page={page}
          pages={pages}
          lastHref={url({ page: String(pages) })}
        />
      ) : (
        <form action="/models/compare" method="get" aria-label="Compare models">
          <TableScroll label="Exported models" className="rounded-lg border border-slate-200 bg-white">
            <table className="min-w-full divide-y divide-slate-200 text-sm">
              <caption className="sr-only">Exported models; the column headers sort the list</caption>
              <SortableHead columns={COLUMNS} sort={sort} href={(s) => url({ sort: s, page: '1' })} />
              <tbody className="divide-y divide-slate-100">
                {exports.map((m) => (
                  <tr key={m.id} className="hover:bg-slate-50" data-model-id={m.modelId}>
                    <td className="px-4 py-2">
                      <input
                        type="checkbox"
                        name="m"
                        value={m.modelId}
                        aria-label={`Compare ${fmtModelName(m)}`}
                        className="h-4 w-4"
                      />
                    </td>
                    <td className="px-4 py-2">
                      <Link href={`/models/${m.modelId}`} className="font-medium text-indigo-800 hover:underline">
                        {fmtModelName(m)}
                      </Link>
                      <div className="font-mono text-xs text-slate-600">{m.modelId}</div>
                    </td>
                    <td className="px-4 py-2 whitespace-nowrap">{fmtAgeRange(m.ageGroupMin, m.ageGroupMax)}</td>
                    <td className="px-4 py-2">
                      <StatusBadges m={m} />
                    </td>
                    <td className="px-4 py-2">
                      <ModelTags m={m} />
                    </td>
                    <td className="px-4 py-2 text-right tabular-nums">{m.parameterCount.toLocaleString('en')}</td>
                    <td className="px-4 py-2 text-right tabular-nums">{fmtBytes(m.fileSizeBytes)}</td>
                    <td className="px-4 py-2 whitespace-nowrap">{fmtDate(m.exportTimestamp)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableScroll>
          <div className="mt-3 flex flex-wrap items-center gap-3 text-sm">
            <button className="rounded-md bg-indigo-700 px-3 py-1.5 font-medium text-white hover:bg-indigo-800">
              Compare selected
            </button>
            <span className="text-slate-600">
              Tick two models: the upper one is A (both run on its validation set).
            </span>
          </div>
        </form>
      )}
      <Pagination page={page} pageSize={pageSize} total={total} href={(p) => url({ page: String(p) })} />
    </>
  );
}

/** Three different emptinesses: nothing exported, nothing matching, or a page past the end. */
function ListEmpty(p: { total: number; filtered: boolean; page: number; pages: number; lastHref: string }) {
  if (p.total > 0) {
    return (
      <EmptyState
        title={`Page ${p.page} is past the end: there ${p.pages === 1 ? 'is 1 page' : `are ${p.pages} pages`}`}
      >
        <Link className="text-indigo-800 underline" href={p.lastHref}>
          Go to the last page (page {p.pages})
        </Link>{' '}
        of {p.total} {p.total === 1 ? 'model' : 'models'}.
      </EmptyState>
    );
  }
  if (p.filtered) {
    return (
      <EmptyState title="No models match these filters">
        <Link className="text-indigo-800 underline" href="/models">
          Clear filters
        </Link>{' '}
        to see every export.
      </EmptyState>
    );
  }
  return (
    <EmptyState title="No exported models yet">
      Export one from a{' '}
      <Link href="/training-jobs" className="text-indigo-800 underline">
        training job
      </Link>
      : open a completed job and export its checkpoint as ONNX, PyTorch, pickle or safetensors; the export appears here
      with its metadata and SHA-256.
    </EmptyState>
  );
}

function clean(sp: Search): Record<string, string> {
  return Object.fromEntries(
    Object.entries(sp).filter((e): e is [string, string] => typeof e[1] === 'string' && e[1] !== ''),
  );
}
