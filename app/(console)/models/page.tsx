import type { Metadata } from 'next';
import Link from 'next/link';
import { CursorPaging } from '@/components/cursor-paging';
import { EmptyState, PageHeader } from '@/components/ui';
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
    cursor: sp.cursor || undefined,
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
  const { exports, total, totalExact, page, pageSize, nextCursor, prevCursor } = await listExportedModels(
    await getDb(),
    actor,
    parsed.success ? parsed.data : {},
  );
  const sort: ExportSort = parsed.success ? parsed.data.sort : 'newest';
  // A cursor or page belongs to one sort and one set of filters: links that change them start over.
  const kept = clean(sp);
  delete kept.cursor;
  delete kept.page;
  const url = (over: Record<string, string>) => `/models?${new URLSearchParams({ ...kept, ...over })}`;
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
          // Past the end by offset, and the count is exact: the number of pages is known.
          pastPage={!sp.cursor && totalExact ? { page, pages: Math.max(1, Math.ceil(total / pageSize)) } : undefined}
          firstHref={url({})}
        />
      ) : (
        <form action="/models/compare" method="get" aria-label="Compare models">
          <TableScroll label="Exported models" className="rounded-lg border border-slate-200 bg-white">
            <table className="min-w-full divide-y divide-slate-200 text-sm">
              <caption className="sr-only">Exported models; the column headers sort the list</caption>
              <SortableHead columns={COLUMNS} sort={sort} href={(s) => url({ sort: s })} />
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
      <CursorPaging
        prevHref={prevCursor && url({ cursor: prevCursor })}
        nextHref={nextCursor && url({ cursor: nextCursor })}
        total={total}
        totalExact={totalExact}
        noun={['model', 'models']}
      />
    </>
  );
}

/** Three different emptinesses: nothing exported, nothing matching, or a page past the end. */
function ListEmpty(p: {
  total: number;
  filtered: boolean;
  pastPage?: { page: number; pages: number };
  firstHref: string;
}) {
  if (p.total > 0 && p.pastPage) {
    const { page, pages } = p.pastPage;
    return (
      <EmptyState title={`Page ${page} is past the end: there ${pages === 1 ? 'is 1 page' : `are ${pages} pages`}`}>
        <Link className="text-indigo-800 underline" href={p.firstHref}>
          Go to the first page
        </Link>{' '}
        of {p.total} {p.total === 1 ? 'model' : 'models'}.
      </EmptyState>
    );
  }
  if (p.total > 0) {
    return (
      <EmptyState title="This page is past the end of the list">
        <Link className="text-indigo-800 underline" href={p.firstHref}>
          Go to the first page
        </Link>{' '}
        and use Next to page through the models.
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
