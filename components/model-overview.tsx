import type { ModelExport } from '@/lib/db/generated/client';
import { describeLayers } from '@/lib/formats/architecture';
import { displayValue, fmtCompact, labelOf, plural, type DisplayValue } from '@/lib/display-values';
import { fmtAgeRange, fmtBytes, fmtDate, fmtFormat } from '@/lib/format-display';
import { ageRangeOverrideToJson } from '@/lib/registry/age-range';
import { TableHead, TableScroll } from '@/components/table';

type HeadingLevel = 2 | 3;

/** Read-only parts of a model page, shared by the console page and the public share page. */
export function ExportMetadata({ exp, headingLevel = 2 }: { exp: ModelExport; headingLevel?: HeadingLevel }) {
  const H = `h${headingLevel}` as const;
  const Sub = `h${headingLevel + 1}` as 'h3' | 'h4';
  const metrics = Object.entries((exp.trainingMetrics ?? {}) as Record<string, unknown>);
  const arch = exp.architecture as { input_dim?: number; hidden_dims?: number[] } | null;
  return (
    <section aria-labelledby="meta-h" className="min-w-0 rounded-lg border border-slate-200 bg-white p-5 lg:col-span-2">
      <H id="meta-h" className="text-base font-semibold">
        Export metadata
      </H>
      <dl className="mt-3 grid gap-x-6 gap-y-2 text-sm sm:grid-cols-2">
        <Item label="Model ID" value={{ kind: 'mono', text: exp.modelId }} />
        <Item label="Exported" value={{ kind: 'text', text: fmtDate(exp.exportTimestamp) }} />
        <Item
          label="Training job"
          value={{ kind: 'text', text: exp.trainingJobId ? `#${exp.trainingJobId}` : 'None (direct export)' }}
        />
        <Item label="Age group" value={{ kind: 'text', text: fmtAgeRange(exp.ageGroupMin, exp.ageGroupMax) }} />
        <Item label="Format" value={{ kind: 'text', text: fmtFormat(exp.exportFormat) }} />
        <Item label="File size" value={{ kind: 'text', text: fmtBytes(exp.fileSizeBytes) }} />
        <Item
          label="Parameters"
          value={{
            kind: 'text',
            text: `${fmtCompact(exp.parameterCount)} parameters (${exp.parameterCount.toLocaleString('en')})`,
          }}
        />
        <Item
          label="Dimensions"
          value={{ kind: 'text', text: `${exp.inputDimension} in → ${exp.outputDimension} out` }}
        />
        {arch?.hidden_dims && <Item label="Architecture" value={displayValue('architecture', arch)} />}
        <Item label="Model type and version" value={{ kind: 'text', text: `${exp.modelType} ${exp.modelVersion}` }} />
        <Item label="Compatibility version" value={{ kind: 'text', text: exp.compatibilityVersion }} />
        <Item label="Architecture hash" value={{ kind: 'mono', text: exp.architectureHash }} />
        <Item label="Checksum (SHA-256)" value={{ kind: 'mono', text: exp.checksum }} wide />
      </dl>
      {metrics.length > 0 && (
        <>
          <Sub className="mt-4 text-sm font-semibold text-slate-800">Training metrics</Sub>
          <dl className="mt-2 grid gap-x-6 gap-y-2 text-sm sm:grid-cols-2">
            {metrics.map(([k, v]) => (
              <Item key={k} label={labelOf(k)} value={displayValue(k, v)} />
            ))}
          </dl>
        </>
      )}
    </section>
  );
}

/** One label → value pair; a group (an object) nests its own pairs under the label. */
function Item({ label, value, wide }: { label: string; value: DisplayValue; wide?: boolean }) {
  return (
    <div className={`flex min-w-0 flex-col ${wide || value.kind === 'group' ? 'sm:col-span-2' : ''}`}>
      <dt className="text-xs text-slate-600">{label}</dt>
      <dd className="min-w-0">
        <Value value={value} />
      </dd>
    </div>
  );
}

/** Any JSON object (a job's configuration, say) as label → value pairs with units. */
export function LabelledValues({ values }: { values: Record<string, unknown> }) {
  const entries = Object.entries(values);
  if (!entries.length) return <p className="mt-1 text-sm text-slate-600">None recorded.</p>;
  return (
    <dl className="mt-1 grid gap-x-4 gap-y-1 text-xs sm:grid-cols-2 lg:grid-cols-1">
      {entries.map(([k, v]) => (
        <Item key={k} label={labelOf(k)} value={displayValue(k, v)} />
      ))}
    </dl>
  );
}

export function Value({ value }: { value: DisplayValue }) {
  switch (value.kind) {
    case 'mono':
      return <code className="font-mono text-xs break-all">{value.text}</code>;
    case 'flag':
      return <span className={value.ok ? 'text-emerald-800' : 'font-medium text-red-800'}>{value.text}</span>;
    case 'group':
      return (
        <dl className="mt-1 grid gap-x-6 gap-y-1 border-l-2 border-slate-100 pl-3 sm:grid-cols-2">
          {value.entries.map(([label, v]) => (
            <Item key={label} label={label} value={v} />
          ))}
        </dl>
      );
    default:
      return <span className="tabular-nums">{value.text}</span>;
  }
}

type ChecksRun = {
  compatibilityChecks: unknown;
  integrityChecks: unknown;
  performanceChecks: unknown;
};

const CHECK_GROUPS = [
  ['Integrity', 'integrityChecks'],
  ['Compatibility', 'compatibilityChecks'],
  ['Performance', 'performanceChecks'],
] as const;

/** A validation run's checks as labelled values with units, one group each (integrity, compatibility, performance). */
export function ValidationChecks({ run, headingLevel = 3 }: { run: ChecksRun; headingLevel?: 3 | 4 }) {
  const H = `h${headingLevel}` as const;
  return (
    <div className="mt-3 grid gap-4 lg:grid-cols-3">
      {CHECK_GROUPS.map(([title, key]) => {
        const checks = { ...((run[key] ?? {}) as Record<string, unknown>) };
        const parity = checks.format_parity;
        delete checks.format_parity;
        const entries = Object.entries(checks);
        if (!entries.length && !Array.isArray(parity)) return null;
        return (
          <div key={key} className="min-w-0">
            <H className="text-xs font-semibold tracking-wide text-slate-700 uppercase">{title} checks</H>
            <dl className="mt-1 grid gap-y-1 text-xs">
              {entries.map(([k, v]) => (
                <Item key={k} label={labelOf(k)} value={displayValue(k, v)} />
              ))}
              {Array.isArray(parity) && (
                <Item
                  label={labelOf('format_parity')}
                  value={{
                    kind: 'text',
                    text:
                      parity.length === 0
                        ? 'None to compare'
                        : `${(parity as { identical_weights?: boolean }[]).filter((p) => p.identical_weights).length} of ${plural(parity.length, 'other export')} with identical weights`,
                  }}
                />
              )}
            </dl>
          </div>
        );
      })}
    </div>
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

export function LayerTable({ exp, headingLevel = 2 }: { exp: ModelExport; headingLevel?: HeadingLevel }) {
  const H = `h${headingLevel}` as const;
  const arch = exp.architecture as { input_dim: number; hidden_dims: number[] };
  const layers = describeLayers({ modelType: 'autoencoder', inputDim: arch.input_dim, hiddenDims: arch.hidden_dims });
  return (
    <section aria-labelledby="layers-h" className="mt-6 rounded-lg border border-slate-200 bg-white p-5">
      <H id="layers-h" className="text-base font-semibold">
        Layers
      </H>
      <TableScroll label="Layers" className="mt-3">
        <table className="min-w-full text-sm">
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
      </TableScroll>
    </section>
  );
}
