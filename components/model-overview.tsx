import type { ModelExport } from '@/lib/db/generated/client';
import { describeLayers } from '@/lib/formats/architecture';
import { fmtAgeRange } from '@/lib/format-display';
import { ageRangeOverrideToJson } from '@/lib/registry/age-range';
import { exportMetadataToDict } from '@/lib/registry/exports';
import { TableHead } from '@/components/table';

/** Read-only parts of a model page, shared by the console page and the public share page. */
export function ExportMetadata({ exp }: { exp: ModelExport }) {
  const meta = exportMetadataToDict(exp);
  return (
    <section aria-labelledby="meta-h" className="rounded-lg border border-slate-200 bg-white p-5 lg:col-span-2">
      <h2 id="meta-h" className="text-base font-semibold">
        Export metadata
      </h2>
      <dl className="mt-3 grid gap-x-6 gap-y-2 text-sm sm:grid-cols-2">
        {Object.entries(meta).map(([k, v]) => (
          <div key={k} className="flex flex-col">
            <dt className="font-mono text-xs text-slate-600">{k}</dt>
            <dd className="break-all">
              {typeof v === 'object' ? <code className="text-xs">{JSON.stringify(v)}</code> : String(v)}
            </dd>
          </div>
        ))}
      </dl>
    </section>
  );
}

/**
 * The red flag of an export made for other ages than its training job learned from: reviewers must
 * see it before anything else on the page, with the exporter's reason in their words.
 */
export function AgeRangeOverrideFlag({ exp }: { exp: ModelExport }) {
  const o = ageRangeOverrideToJson(exp);
  if (!o) return null;
  return (
    <section
      aria-labelledby="age-override-h"
      className="mb-6 rounded-lg border-2 border-red-600 bg-red-50 p-4 text-sm text-red-900"
    >
      <h2 id="age-override-h" className="font-semibold">
        Exported for other ages than it was trained for
      </h2>
      <p className="mt-1">
        Trained on {fmtAgeRange(o.job_age_group_min, o.job_age_group_max)}; exported for{' '}
        {fmtAgeRange(exp.ageGroupMin, exp.ageGroupMax)}. Its threshold will come from the training job’s validation set,
        drawn from {fmtAgeRange(o.job_age_group_min, o.job_age_group_max)}.
      </p>
      <p className="mt-1">
        Reason given: <q>{o.reason}</q>
      </p>
    </section>
  );
}

export function LayerTable({ exp }: { exp: ModelExport }) {
  const arch = exp.architecture as { input_dim: number; hidden_dims: number[] };
  const layers = describeLayers({ modelType: 'autoencoder', inputDim: arch.input_dim, hiddenDims: arch.hidden_dims });
  return (
    <section aria-labelledby="layers-h" className="mt-6 rounded-lg border border-slate-200 bg-white p-5">
      <h2 id="layers-h" className="text-base font-semibold">
        Layers
      </h2>
      <table className="mt-3 min-w-full text-sm">
        <caption className="sr-only">Layer stack with dimensions and parameter counts</caption>
        <TableHead
          columns={[
            'Layer',
            { label: 'In', numeric: true },
            { label: 'Out', numeric: true },
            'Activation',
            { label: 'Parameters', numeric: true },
          ]}
          variant="inline"
        />
        <tbody>
          {layers.map((l) => (
            <tr key={l.name} className="border-t border-slate-100">
              <td className="py-1.5 pr-4 font-mono text-xs">{l.name}</td>
              <td className="py-1.5 pr-4 text-right tabular-nums">{l.in}</td>
              <td className="py-1.5 pr-4 text-right tabular-nums">{l.out}</td>
              <td className="py-1.5 pr-4">{l.activation === 'none' ? '—' : 'ReLU + Dropout(0.1)'}</td>
              <td className="py-1.5 text-right tabular-nums">{l.params.toLocaleString('en')}</td>
            </tr>
          ))}
          <tr className="border-t border-slate-300 font-medium">
            <td className="py-1.5 pr-4" colSpan={4}>
              Total
            </td>
            <td className="py-1.5 text-right tabular-nums">{exp.parameterCount.toLocaleString('en')}</td>
          </tr>
        </tbody>
      </table>
    </section>
  );
}
