import Link from 'next/link';

export type Search = Record<string, string | undefined>;

/** The filter keys the list reads from the URL (sort and page travel too, but do not count as filters). */
export const FILTER_KEYS = ['q', 'env', 'age', 'format', 'validation', 'tag', 'deployed', 'job'] as const;

const AGE_GROUPS = ['2-3', '3-4', '4-5', '5-6', '6-7', '7-8', '8-9', '9-12'];
const input = 'rounded-md border border-slate-300 px-2 py-1.5 text-sm';

/** A plain GET form: filters live in the URL, so a filtered list is a link to share. */
export function ModelFilters({ sp, filtered }: { sp: Search; filtered: boolean }) {
  return (
    <form className="mb-4 flex flex-wrap items-end gap-3" role="search" aria-label="Filter models">
      <Filter id="q" label="Name or model id contains">
        <input id="q" name="q" defaultValue={sp.q} className={input} />
      </Filter>
      <Filter id="env" label="Environment">
        <Select
          id="env"
          value={sp.env}
          options={[
            ['production', 'in production'],
            ['staging', 'in staging'],
            ['candidate', 'candidate (not deployed)'],
          ]}
        />
      </Filter>
      <Filter id="age" label="Age group">
        <Select id="age" value={sp.age} options={AGE_GROUPS.map((a) => [a, `${a} years`])} />
      </Filter>
      <Filter id="format" label="Format">
        <Select
          id="format"
          value={sp.format}
          options={[
            ['onnx', 'ONNX'],
            ['pytorch', 'PyTorch state dict'],
            ['pickle', 'pickle'],
            ['safetensors', 'safetensors'],
          ]}
        />
      </Filter>
      <Filter id="validation" label="Validation">
        <Select
          id="validation"
          value={sp.validation}
          options={[
            ['valid', 'validated'],
            ['invalid', 'invalid'],
            ['none', 'not validated'],
          ]}
        />
      </Filter>
      <Filter id="tag" label="Tag">
        <Select
          id="tag"
          value={sp.tag}
          options={[
            ['age-override', 'age range override'],
            ['shared', 'shared by link'],
          ]}
        />
      </Filter>
      <Filter id="job" label="Training job id">
        <input id="job" name="job" inputMode="numeric" defaultValue={sp.job} className={`w-24 ${input}`} />
      </Filter>
      {sp.sort && <input type="hidden" name="sort" value={sp.sort} />}
      <button className="rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm hover:bg-slate-50">
        Apply
      </button>
      {filtered && (
        <Link href="/models" className="px-2 py-1.5 text-sm text-indigo-800 underline">
          Clear filters
        </Link>
      )}
    </form>
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
    <select id={id} name={id} defaultValue={value ?? ''} className={input}>
      <option value="">Any</option>
      {options.map(([v, l]) => (
        <option key={v} value={v}>
          {l}
        </option>
      ))}
    </select>
  );
}
