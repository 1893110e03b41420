import Link from 'next/link';
import { Field, secondaryButton } from '@/components/field';

export type Search = Record<string, string | undefined>;

/** The filter keys the list reads from the URL (sort and page travel too, but do not count as filters). */
export const FILTER_KEYS = ['q', 'env', 'age', 'format', 'validation', 'tag', 'deployed', 'job'] as const;

const AGE_GROUPS = ['2-3', '3-4', '4-5', '5-6', '6-7', '7-8', '8-9', '9-12'];
const input = 'rounded-md border border-slate-300 px-2 py-1.5 text-sm';

/** Each select: URL key, label, [value, text] options ("Any" comes first). */
const SELECTS: [key: string, label: string, options: string[][]][] = [
  [
    'env',
    'Environment',
    [
      ['production', 'in production'],
      ['staging', 'in staging'],
      ['candidate', 'candidate (not deployed)'],
    ],
  ],
  ['age', 'Age group', AGE_GROUPS.map((a) => [a, `${a} years`])],
  [
    'format',
    'Format',
    [
      ['onnx', 'ONNX'],
      ['pytorch', 'PyTorch state dict'],
      ['pickle', 'pickle'],
      ['safetensors', 'safetensors'],
    ],
  ],
  [
    'validation',
    'Validation',
    [
      ['valid', 'validated'],
      ['invalid', 'invalid'],
      ['none', 'not validated'],
    ],
  ],
  [
    'tag',
    'Tag',
    [
      ['age-override', 'age range override'],
      ['shared', 'shared by link'],
    ],
  ],
];

/** A plain GET form: filters live in the URL, so a filtered list is a link to share. */
export function ModelFilters({ sp, filtered }: { sp: Search; filtered: boolean }) {
  return (
    <form className="mb-4 flex flex-wrap items-end gap-3" role="search" aria-label="Filter models">
      <Field id="q" label="Name or model id contains">
        <input id="q" name="q" defaultValue={sp.q} className={input} />
      </Field>
      {SELECTS.map(([id, label, options]) => (
        <Field key={id} id={id} label={label}>
          <Select id={id} value={sp[id]} options={options} />
        </Field>
      ))}
      <Field id="job" label="Training job id">
        <input id="job" name="job" inputMode="numeric" defaultValue={sp.job} className={`w-24 ${input}`} />
      </Field>
      {sp.sort && <input type="hidden" name="sort" value={sp.sort} />}
      <button className={secondaryButton}>Apply</button>
      {filtered && (
        <Link href="/models" className="px-2 py-1.5 text-sm text-indigo-800 underline">
          Clear filters
        </Link>
      )}
    </form>
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
