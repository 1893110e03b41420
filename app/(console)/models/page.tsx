import type { Metadata } from 'next';
import Link from 'next/link';
import { Badge, EmptyState, PageHeader, Pagination } from '@/components/ui';
import { requirePageActor } from '@/lib/auth/current';
import { getDb } from '@/lib/db';
import { fmtAgeRange, fmtBytes, fmtDate } from '@/lib/format-display';
import { listExportedModels, listExportsSchema } from '@/lib/registry/exports';
import { CardTable, TableHead } from '@/components/table';

export const metadata: Metadata = { title: 'Models' };

type Search = Record<string, string | undefined>;

const AGE_GROUPS = ['2-3', '3-4', '4-5', '5-6', '6-7', '7-8', '8-9', '9-12'];

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
    sort: sp.sort || undefined,
    q: sp.q || undefined,
    trainingJobId: sp.job || undefined,
    ...(ageMin && ageMax ? { ageGroupMin: ageMin, ageGroupMax: ageMax } : {}),
  });
  const { exports, total, page, pageSize } = await listExportedModels(
    await getDb(),
    actor,
    parsed.success ? parsed.data : {},
  );
  const href = (p: number) => `/models?${new URLSearchParams({ ...clean(sp), page: String(p) })}`;
  const filtered = ['q', 'age', 'format', 'validation', 'deployed', 'job'].some((k) => sp[k]);
  return (
    <>
      <PageHeader
        title="Models"
        description="Every exported model artifact, with its validation status, deployments and checksum."
      />
      <form className="mb-4 flex flex-wrap items-end gap-3" role="search" aria-label="Filter models">
        <Filter id="q" label="Model id contains">
          <input
            id="q"
            name="q"
            defaultValue={sp.q}
            className="rounded-md border border-slate-300 px-2 py-1.5 text-sm"
          />
        </Filter>
        <Filter id="age" label="Age group">
          <Select id="age" value={sp.age} options={AGE_GROUPS.map((a) => [a, `${a} years`])} />
        </Filter>
        <Filter id="format" label="Format">
          <Select
            id="format"
            value={sp.format}
            options={['onnx', 'pytorch', 'pickle', 'safetensors'].map((f) => [f, f])}
          />
        </Filter>
        <Filter id="validation" label="Validation">
          <Select
            id="validation"
            value={sp.validation}
            options={[
              ['valid', 'valid'],
              ['invalid', 'invalid'],
              ['none', 'not validated'],
            ]}
          />
        </Filter>
        <Filter id="deployed" label="Deployed">
          <Select
            id="deployed"
            value={sp.deployed}
            options={[
              ['yes', 'deployed'],
              ['no', 'not deployed'],
            ]}
          />
        </Filter>
        <Filter id="job" label="Training job id">
          <input
            id="job"
            name="job"
            inputMode="numeric"
            defaultValue={sp.job}
            className="w-24 rounded-md border border-slate-300 px-2 py-1.5 text-sm"
          />
        </Filter>
        <Filter id="sort" label="Sort">
          <select
            id="sort"
            name="sort"
            defaultValue={sp.sort ?? 'newest'}
            className="rounded-md border border-slate-300 px-2 py-1.5 text-sm"
          >
            <option value="newest">Newest first</option>
            <option value="oldest">Oldest first</option>
            <option value="age">Age group</option>
            <option value="size">Largest first</option>
          </select>
        </Filter>
        <button className="rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm hover:bg-slate-50">
          Apply
        </button>
        {filtered && (
          <Link href="/models" className="px-2 py-1.5 text-sm text-indigo-800 underline">
            Clear filters
          </Link>
        )}
      </form>
      {exports.length === 0 ? (
        filtered ? (
          <EmptyState title="No models match these filters">
            <Link className="text-indigo-800 underline" href="/models">
              Clear the filters
            </Link>{' '}
            to see every export.
          </EmptyState>
        ) : (
          <EmptyState title="No exported models yet">
            Open a completed{' '}
            <Link href="/training-jobs" className="text-indigo-800 underline">
              training job
            </Link>{' '}
            and export its checkpoint as ONNX, PyTorch, pickle or safetensors; the export appears here with its metadata
            and SHA-256.
          </EmptyState>
        )
      ) : (
        <CardTable caption="Exported models">
          <TableHead
            columns={[
              'Model',
              'Age group',
              'Format',
              'Validation',
              'Deployed',
              { label: 'Parameters', numeric: true },
              { label: 'Size', numeric: true },
              'Exported',
            ]}
          />
          <tbody className="divide-y divide-slate-100">
            {exports.map((m) => {
              const v = m.validationRuns[0];
              return (
                <tr key={m.id} className="hover:bg-slate-50">
                  <td className="px-4 py-2 font-mono text-xs">
                    <Link href={`/models/${m.modelId}`} className="text-indigo-800 hover:underline">
                      {m.modelId}
                    </Link>
                  </td>
                  <td className="px-4 py-2 whitespace-nowrap">{fmtAgeRange(m.ageGroupMin, m.ageGroupMax)}</td>
                  <td className="px-4 py-2">
                    <Badge tone="indigo">{m.exportFormat}</Badge>
                  </td>
                  <td className="px-4 py-2">
                    {v ? (
                      <Badge tone={v.isValid ? 'green' : 'red'}>{v.isValid ? 'valid' : 'invalid'}</Badge>
                    ) : (
                      <span className="text-slate-500">—</span>
                    )}
                  </td>
                  <td className="px-4 py-2">
                    {m.deployments.length ? (
                      m.deployments.map((d) => (
                        <Badge key={d.environment} tone="green">
                          {d.environment}
                        </Badge>
                      ))
                    ) : (
                      <span className="text-slate-500">—</span>
                    )}
                  </td>
                  <td className="px-4 py-2 text-right tabular-nums">{m.parameterCount.toLocaleString('en')}</td>
                  <td className="px-4 py-2 text-right tabular-nums">{fmtBytes(m.fileSizeBytes)}</td>
                  <td className="px-4 py-2 whitespace-nowrap">{fmtDate(m.exportTimestamp)}</td>
                </tr>
              );
            })}
          </tbody>
        </CardTable>
      )}
      <Pagination page={page} pageSize={pageSize} total={total} href={href} />
    </>
  );
}

function clean(sp: Search): Record<string, string> {
  return Object.fromEntries(
    Object.entries(sp).filter((e): e is [string, string] => typeof e[1] === 'string' && e[1] !== ''),
  );
}

function Filter({ id, label, children }: { id: string; label: string; children: React.ReactNode }) {
  return (
    <div>
      <label htmlFor={id} className="block text-xs font-medium text-slate-700">
        {label}
      </label>
      <div className="mt-1">{children}</div>
    </div>
  );
}

function Select({ id, value, options }: { id: string; value?: string; options: string[][] }) {
  return (
    <select
      id={id}
      name={id}
      defaultValue={value ?? ''}
      className="rounded-md border border-slate-300 px-2 py-1.5 text-sm"
    >
      <option value="">Any</option>
      {options.map(([v, l]) => (
        <option key={v} value={v}>
          {l}
        </option>
      ))}
    </select>
  );
}
