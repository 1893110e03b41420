'use client';

import { useMemo } from 'react';
import type { FormAction } from '@/lib/auth/action-state';
import type { ModelResult, ModelSource, RunResult } from '@/lib/preview/protocol';
import { chooseThreshold, fmtError } from '@/lib/preview/stats';
import { AttachToReview } from './attach-to-review';
import { Comparison, type SideLabels } from './comparison';
import { DimensionStrip } from './dimension-strip';
import { ErrorHistogram } from './error-histogram';
import { SampleChart } from './sample-chart';
import { SampleTable } from './sample-table';

// The finished run's view (summary, charts, tables), apart from reconstruction-preview.tsx, which
// owns the worker and the run's state: this part only renders a RunResult.

/** The threshold the range is deployed with, when there is a deployment to compare against. */
export type DeploymentThreshold = { value: number; environment: string; deploymentId: number; active: boolean };
/** The production model of the same age range, as the page describes it. */
export type ProductionSource = ModelSource & { sizeBytes: number; threshold: number; deploymentId: number };
/**
 * The compare page's mode: the two models are A and B, and B flags with its own deployment's
 * threshold, else one chosen from its errors on these samples (the production source's threshold
 * and deploymentId are then not read).
 */
export type CompareMode = { labels: SideLabels; bDeployment: DeploymentThreshold | null };

export function Results({
  result,
  deploymentThreshold,
  production: prodSource,
  selected,
  onSelect,
  attachAction,
  compare,
}: {
  result: RunResult;
  deploymentThreshold: DeploymentThreshold | null;
  production: ProductionSource | null;
  selected: number;
  onSelect: (i: number) => void;
  attachAction?: FormAction;
  compare?: CompareMode;
}) {
  const { samples, candidate, production, backend } = result;
  const labels = compare?.labels ?? { candidate: 'Candidate', production: 'Production' };
  const threshold = useMemo(
    () => chooseThreshold(candidate.errors, samples.isAnomaly, deploymentThreshold),
    [candidate.errors, samples.isAnomaly, deploymentThreshold],
  );
  const prodThreshold = useMemo(
    () =>
      compare && production
        ? chooseThreshold(production.errors, samples.isAnomaly, compare.bDeployment)
        : { value: prodSource?.threshold ?? Number.NaN, label: 'its deployment threshold' },
    [compare, production, samples.isAnomaly, prodSource],
  );
  const prod = production && prodSource ? { errors: production.errors, threshold: prodThreshold.value } : null;
  const sel = Math.min(selected, samples.count - 1);
  return (
    <div
      className="mt-4 space-y-6"
      data-testid="preview-results"
      data-backend={backend.name}
      data-samples={samples.count}
    >
      <RunSummary result={result} labels={labels} />
      {compare && production && <ErrorDifference a={candidate.errors} b={production.errors} labels={labels} />}
      {attachAction && samples.source === 'validation-set' && (
        <AttachToReview
          attachAction={attachAction}
          result={result}
          threshold={threshold}
          productionThreshold={prodSource?.threshold ?? null}
        />
      )}

      <section aria-labelledby="hist-h">
        <h3 id="hist-h" className="text-sm font-semibold">
          Reconstruction error on the {samples.source === 'file' ? `samples of ${samples.name}` : 'validation set'} (
          {samples.count} samples)
        </h3>
        <ErrorHistogram errors={candidate.errors} isAnomaly={samples.isAnomaly} threshold={threshold} />
      </section>

      <section aria-labelledby="dims-h">
        <h3 id="dims-h" className="text-sm font-semibold">
          Mean error per dimension
        </h3>
        <DimensionStrip
          rows={[
            { name: labels.candidate, values: candidate.perDimension },
            ...(production ? [{ name: labels.production, values: production.perDimension }] : []),
            ...(compare && production ? absDifferenceRow(candidate.perDimension, production.perDimension, labels) : []),
          ]}
        />
      </section>

      {production && prodSource && (
        <section aria-labelledby="cmp-h">
          <h3 id="cmp-h" className="text-sm font-semibold">
            {compare ? `${labels.candidate} against ${labels.production}` : `Against production: ${production.modelId}`}
            {production.convertedFrom && (
              <span className="font-normal text-slate-600">
                {' '}
                (converted in your browser from {production.convertedFrom})
              </span>
            )}
          </h3>
          <Comparison
            candidate={{
              modelId: candidate.modelId,
              errors: candidate.errors,
              threshold: threshold.value,
              thresholdLabel: threshold.label,
            }}
            production={{
              modelId: production.modelId,
              errors: production.errors,
              threshold: prodThreshold.value,
              thresholdLabel: prodThreshold.label,
            }}
            labels={compare?.labels}
            isAnomaly={samples.isAnomaly}
            selected={sel}
            onSelect={onSelect}
          />
        </section>
      )}
      {result.productionError && (
        <p role="alert" className="rounded border border-amber-300 bg-amber-50 px-3 py-2 text-sm text-amber-900">
          Production comparison unavailable: {result.productionError}
        </p>
      )}

      <section
        aria-labelledby="samples-h"
        className="grid grid-cols-1 gap-6 xl:grid-cols-[minmax(0,32rem)_1fr] [&>*]:min-w-0"
      >
        <div>
          <h3 id="samples-h" className="text-sm font-semibold">
            Samples
          </h3>
          <p className="mb-2 text-xs text-slate-600">Sort by any column; choose a sample to see its reconstruction.</p>
          <SampleTable
            errors={candidate.errors}
            isAnomaly={samples.isAnomaly}
            threshold={threshold.value}
            production={prod}
            productionLabel={compare?.labels.production}
            selected={sel}
            onSelect={onSelect}
          />
        </div>
        <div>
          <h3 className="text-sm font-semibold">Sample #{sel}: input vs reconstruction</h3>
          <SampleChart
            index={sel}
            input={samples.input}
            reconstruction={candidate.reconstruction}
            dim={samples.dim}
            anomalous={samples.isAnomaly ? samples.isAnomaly[sel] === 1 : null}
            error={candidate.errors[sel]}
          />
        </div>
      </section>
    </div>
  );
}

function fmtMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms < 10 ? ms.toFixed(1) : Math.round(ms)} ms`;
}

/** The per-dimension |A − B| strip row, when the two differ at all (a row of zeros has no log colour). */
function absDifferenceRow(a: Float64Array, b: Float64Array, labels: SideLabels) {
  const d = a.map((v, i) => Math.abs(v - b[i]));
  return d.some((v) => v > 0) ? [{ name: `|${labels.candidate} − ${labels.production}|`, values: d }] : [];
}

/** Whether the two models' errors agree, sample by sample: "identical" for one model in two formats. */
function ErrorDifference({ a, b, labels }: { a: Float64Array; b: Float64Array; labels: SideLabels }) {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return (
    <p className="text-sm" data-testid="compare-difference" data-max-difference={max}>
      {max === 0 ? (
        <>
          <span className="font-medium">Identical errors</span> on all {a.length} samples: max |{labels.candidate} −{' '}
          {labels.production}| difference 0.
        </>
      ) : (
        <>
          Largest per-sample error difference |{labels.candidate} − {labels.production}|:{' '}
          <span className="font-medium tabular-nums">{fmtError(max)}</span>.
        </>
      )}
    </p>
  );
}

function RunSummary({ result, labels }: { result: RunResult; labels: SideLabels }) {
  const { backend, candidate, production, samples } = result;
  const models: ModelResult[] = [candidate, ...(production ? [production] : [])];
  const backendText =
    backend.name === 'webgpu'
      ? `WebGPU${backend.adapter ? ` (${backend.adapter})` : ''}`
      : `WASM, ${backend.threads} thread${backend.threads === 1 ? '' : 's'}${backend.crossOriginIsolated ? '' : ' (page not cross-origin isolated: reload it for threads)'}`;
  return (
    <div className="rounded border border-slate-200 bg-slate-50 p-3 text-sm" data-testid="run-summary">
      <p>
        <span className="font-medium">Backend:</span> <span data-testid="preview-backend">{backendText}</span>
        <span className="text-slate-600">
          {' '}
          — <span data-testid="preview-backend-reason">{backend.note}</span>
        </span>
        {backend.ortVersion && <span className="text-slate-600"> · onnxruntime-web {backend.ortVersion}</span>}
      </p>
      <p className="mt-1">
        <span className="font-medium">Integrity:</span> SHA-256 of{' '}
        {samples.source === 'validation-set' ? 'the validation set and ' : ''}
        {models.length > 1 ? 'both models' : 'the model'} verified in your browser (
        {result.hashImpl === 'webcrypto' ? 'WebCrypto' : 'TypeScript SHA-256; WebCrypto needs a secure origin'}).
        {candidate.convertedFrom && (
          <span data-testid="converted-note">
            {' '}
            The model was converted in your browser from {candidate.convertedFrom} to ONNX, then run.
          </span>
        )}
      </p>
      <div className="mt-2 overflow-x-auto">
        <table className="text-xs">
          <caption className="sr-only">Timings in milliseconds</caption>
          <thead className="text-left text-slate-600">
            <tr>
              <th scope="col" className="pr-4 font-medium">
                Step
              </th>
              {models.map((m, i) => (
                <th key={m.modelId} scope="col" className="pr-4 text-right font-medium">
                  {i === 0 ? labels.candidate : labels.production}
                </th>
              ))}
            </tr>
          </thead>
          <tbody className="tabular-nums">
            {(
              [
                ['Download', 'download_ms'],
                ['SHA-256', 'hash_ms'],
                ['Parse / convert', 'prepare_ms'],
                ['Session (create + warm-up)', 'session_ms'],
                [`Inference (${samples.count} × ${samples.dim})`, 'inference_ms'],
              ] as const
            ).map(([label, k]) => (
              <tr key={k}>
                <th scope="row" className="pr-4 text-left font-normal">
                  {label}
                </th>
                {models.map((m) => (
                  <td key={m.modelId} className="pr-4 text-right" data-timing={k}>
                    {fmtMs(m.timings[k])}
                    {k === 'download_ms' && m.timings.download_cached ? ' (cache)' : ''}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <p className="mt-2 text-xs text-slate-600">
        Samples:{' '}
        {samples.source === 'validation-set'
          ? `download ${fmtMs(samples.download_ms)}${samples.download_cached ? ' (cache)' : ''}, SHA-256 ${fmtMs(samples.hash_ms)}`
          : `${samples.name} (local file)`}
        . Runtime load (onnxruntime-web import and backend start, during the downloads) {fmtMs(result.runtime_ms)}.
        Total {fmtMs(result.total_ms)}. Median error {fmtError(median(candidate.errors))}.
      </p>
    </div>
  );
}

function median(a: Float64Array): number {
  const s = Float64Array.from(a).sort();
  return s.length ? (s[(s.length - 1) >> 1] + s[s.length >> 1]) / 2 : Number.NaN;
}
