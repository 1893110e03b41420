'use client';

import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type {
  BackendPreference,
  ModelResult,
  ModelSource,
  RunFailure,
  RunRequest,
  RunResult,
  SampleSource,
  Stage,
  WorkerMessage,
} from '@/lib/preview/protocol';
import { chooseThreshold, fmtError } from '@/lib/preview/stats';
import { Comparison } from './comparison';
import { DimensionStrip } from './dimension-strip';
import { ErrorHistogram } from './error-histogram';
import { SampleChart } from './sample-chart';
import { SampleTable } from './sample-table';
import { AttachToReview } from './attach-to-review';
import type { FormAction } from '@/lib/auth/action-state';

export type PreviewProps = {
  ortBase: string;
  candidate: ModelSource & { sizeBytes: number };
  validationSet: { url: string; sha256: string; sizeBytes: number } | null;
  deploymentThreshold: { value: number; environment: string; deploymentId: number; active: boolean } | null;
  production: (ModelSource & { sizeBytes: number; threshold: number; deploymentId: number }) | null;
  /** Start on page load when the downloads are at most this many bytes; else wait for a click. */
  autoRunMaxBytes?: number;
  /** Given when the viewer may attach the run's summary to their reviews (reviews.write). */
  attachAction?: FormAction;
};

type State =
  | { status: 'idle' }
  | { status: 'running'; stage: Stage; detail?: string }
  | { status: 'done'; result: RunResult }
  | { status: 'failed'; failure: RunFailure };

const STAGES: Record<Stage, string> = {
  downloading: 'Downloading the artifacts…',
  verifying: 'Checking SHA-256 of the downloaded bytes…',
  preparing: 'Reading the artifacts…',
  'loading-runtime': 'Loading onnxruntime-web…',
  running: 'Running the models…',
  summarising: 'Summarising…',
};

const MAX_FILE_BYTES = 256 * 1024 * 1024;

/**
 * The reconstruction preview: runs the exact exported artifact in this browser (a Web Worker with
 * onnxruntime-web) on the validation set, next to the production model of the same age range.
 */
export function ReconstructionPreview(props: PreviewProps) {
  const { candidate, validationSet, production, deploymentThreshold, ortBase } = props;
  const [state, setState] = useState<State>({ status: 'idle' });
  const [backendPref, setBackendPref] = useState<BackendPreference>('auto');
  const [selected, setSelected] = useState(0);
  const [fileError, setFileError] = useState<string | null>(null);
  const worker = useRef<Worker | null>(null);
  const started = useRef(false);

  const start = useCallback(
    (samples: SampleSource, pref: BackendPreference) => {
      worker.current?.terminate();
      // A fresh worker per run: ORT fixes its thread count and backend at first use, and
      // terminating releases the wasm memory and ORT's thread pool at once.
      const w = new Worker(new URL('../../lib/preview/worker.ts', import.meta.url), {
        type: 'module',
        name: 'reconstruction-preview',
      });
      worker.current = w;
      setState({ status: 'running', stage: 'downloading' });
      w.onmessage = (ev: MessageEvent<WorkerMessage>) => {
        const m = ev.data;
        if (m.type === 'progress') setState({ status: 'running', stage: m.stage, detail: m.detail });
        else {
          if (m.type === 'result') {
            setState({ status: 'done', result: m });
            // Start on the worst-reconstructed sample: the most informative one to look at.
            let worst = 0;
            m.candidate.errors.forEach((e, i) => e > m.candidate.errors[worst] && (worst = i));
            setSelected(worst);
          } else setState({ status: 'failed', failure: m });
          w.terminate();
          if (worker.current === w) worker.current = null;
        }
      };
      w.onerror = (e) => {
        setState({
          status: 'failed',
          failure: {
            type: 'error',
            kind: 'runtime',
            message: `The preview worker failed: ${e.message || 'unknown error'}`,
          },
        });
        w.terminate();
      };
      const req: RunRequest = {
        type: 'run',
        ortBase,
        backend: pref,
        candidate: {
          modelId: candidate.modelId,
          format: candidate.format,
          url: candidate.url,
          sha256: candidate.sha256,
        },
        production: production
          ? { modelId: production.modelId, format: production.format, url: production.url, sha256: production.sha256 }
          : null,
        samples,
      };
      w.postMessage(req, samples.kind === 'file' ? [samples.bytes] : []);
    },
    [candidate, production, ortBase],
  );

  const runValidation = useCallback(() => {
    if (validationSet)
      start({ kind: 'validation-set', url: validationSet.url, sha256: validationSet.sha256 }, backendPref);
  }, [validationSet, start, backendPref]);

  const totalBytes = candidate.sizeBytes + (production?.sizeBytes ?? 0) + (validationSet?.sizeBytes ?? 0);
  useEffect(() => {
    if (started.current || !validationSet || totalBytes > (props.autoRunMaxBytes ?? 32 * 1024 * 1024)) return;
    started.current = true;
    runValidation();
  }, [runValidation, validationSet, totalBytes, props.autoRunMaxBytes]);
  useEffect(() => () => worker.current?.terminate(), []);

  async function onFile(e: React.ChangeEvent<HTMLInputElement>) {
    const f = e.target.files?.[0];
    e.target.value = '';
    setFileError(null);
    if (!f) return;
    if (f.size > MAX_FILE_BYTES)
      return setFileError(
        `${f.name} is ${(f.size / 2 ** 20).toFixed(0)} MB; the preview takes files up to ${MAX_FILE_BYTES / 2 ** 20} MB.`,
      );
    start({ kind: 'file', name: f.name, bytes: await f.arrayBuffer() }, backendPref);
  }

  const running = state.status === 'running';
  return (
    <div>
      <div className="flex flex-wrap items-start justify-between gap-3">
        <div>
          <h2 id="preview-h" className="text-base font-semibold">
            Reconstruction preview
          </h2>
          <p className="mt-1 max-w-3xl text-sm text-slate-600">
            Runs this exact{' '}
            {candidate.format === 'onnx'
              ? 'ONNX artifact'
              : `${candidate.format} artifact (converted to ONNX in your browser)`}{' '}
            in your browser with onnxruntime-web
            {validationSet ? ' on its training job’s validation set' : ''}
            {production ? `, next to ${production.modelId}, the production model for these ages` : ''}. The bytes are
            checked against the registry’s SHA-256 before anything runs.
          </p>
        </div>
        <div className="flex flex-wrap items-end gap-3">
          <label className="text-sm">
            <span className="block text-xs text-slate-600">Backend</span>
            <select
              value={backendPref}
              onChange={(e) => setBackendPref(e.target.value as BackendPreference)}
              disabled={running}
              className="mt-0.5 rounded border border-slate-300 bg-white px-2 py-1.5 text-sm focus-visible:outline-2 focus-visible:outline-indigo-700"
            >
              <option value="auto">Automatic (WebGPU when available)</option>
              <option value="wasm">WASM only</option>
            </select>
          </label>
          {validationSet && (
            <button
              type="button"
              onClick={runValidation}
              disabled={running}
              className="rounded bg-indigo-700 px-3 py-1.5 text-sm font-medium text-white hover:bg-indigo-800 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-700 disabled:opacity-60"
            >
              {state.status === 'idle' ? 'Run preview' : 'Run again'}
            </button>
          )}
        </div>
      </div>

      {!validationSet && (
        <p className="mt-3 rounded border border-amber-200 bg-amber-50 px-3 py-2 text-sm text-amber-900">
          This export has no validation set (it was exported directly from a checkpoint, or its training job registered
          none). Choose a file of embeddings below to preview it.
        </p>
      )}
      {state.status === 'idle' && validationSet && (
        <p className="mt-3 text-sm text-slate-600">
          The preview downloads {(totalBytes / 2 ** 20).toFixed(1)} MB of artifacts; start it with{' '}
          <span className="font-medium">Run preview</span>.
        </p>
      )}

      <div className="mt-3 text-sm" role="status" aria-live="polite">
        {state.status === 'running' && (
          <p className="flex items-center gap-2 text-slate-700">
            <span
              className="inline-block h-3 w-3 animate-spin rounded-full border-2 border-indigo-700 border-t-transparent motion-reduce:animate-none"
              aria-hidden="true"
            />
            {STAGES[state.stage]}
            {state.detail ? ` (${state.detail})` : ''}
          </p>
        )}
        {state.status === 'done' && (
          <p className="sr-only">Preview finished on {state.result.backend.name === 'webgpu' ? 'WebGPU' : 'WASM'}.</p>
        )}
      </div>

      {state.status === 'failed' && <FailureAlert failure={state.failure} />}
      {state.status === 'done' && (
        <Results
          result={state.result}
          deploymentThreshold={deploymentThreshold}
          production={production}
          selected={selected}
          onSelect={setSelected}
          attachAction={props.attachAction}
        />
      )}

      <div className="mt-5 border-t border-slate-100 pt-4">
        <label htmlFor="preview-file" className="text-sm font-medium">
          Run on your own embeddings
        </label>
        <p id="preview-file-hint" className="text-xs text-slate-600">
          A safetensors file with <code>embeddings</code> [N, 832] (and optionally <code>is_anomaly</code> [N]). It
          stays in your browser.
        </p>
        <input
          id="preview-file"
          type="file"
          accept=".safetensors,application/octet-stream"
          aria-describedby="preview-file-hint"
          disabled={running}
          onChange={onFile}
          className="mt-1 block text-sm file:mr-3 file:rounded file:border file:border-slate-300 file:bg-white file:px-3 file:py-1 file:text-sm hover:file:bg-slate-50"
        />
        {fileError && (
          <p role="alert" className="mt-1 text-sm text-red-800">
            {fileError}
          </p>
        )}
      </div>
    </div>
  );
}

function FailureAlert({ failure }: { failure: RunFailure }) {
  const title =
    failure.kind === 'integrity'
      ? 'Integrity check failed'
      : failure.kind === 'download'
        ? 'Download failed'
        : failure.kind === 'format'
          ? 'Could not read the artifact'
          : 'The preview could not run';
  return (
    <div
      role="alert"
      className="mt-3 rounded-lg border border-red-300 bg-red-50 px-4 py-3 text-sm text-red-900"
      data-testid="preview-error"
    >
      <p className="font-semibold">{title}</p>
      <p className="mt-1">{failure.message}</p>
      {failure.kind === 'integrity' && (
        <dl className="mt-2 grid gap-1 font-mono text-xs">
          <div>
            <dt className="inline font-sans text-red-800">Registry SHA-256: </dt>
            <dd className="inline break-all">{failure.expected}</dd>
          </div>
          <div>
            <dt className="inline font-sans text-red-800">Downloaded: </dt>
            <dd className="inline break-all">{failure.actual}</dd>
          </div>
        </dl>
      )}
    </div>
  );
}

function Results({
  result,
  deploymentThreshold,
  production: prodSource,
  selected,
  onSelect,
  attachAction,
}: {
  result: RunResult;
  deploymentThreshold: PreviewProps['deploymentThreshold'];
  production: PreviewProps['production'];
  selected: number;
  onSelect: (i: number) => void;
  attachAction?: FormAction;
}) {
  const { samples, candidate, production, backend } = result;
  const threshold = useMemo(
    () => chooseThreshold(candidate.errors, samples.isAnomaly, deploymentThreshold),
    [candidate.errors, samples.isAnomaly, deploymentThreshold],
  );
  const prod = production && prodSource ? { errors: production.errors, threshold: prodSource.threshold } : null;
  const sel = Math.min(selected, samples.count - 1);
  return (
    <div
      className="mt-4 space-y-6"
      data-testid="preview-results"
      data-backend={backend.name}
      data-samples={samples.count}
    >
      <RunSummary result={result} />
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
            { name: 'Candidate', values: candidate.perDimension },
            ...(production ? [{ name: 'Production', values: production.perDimension }] : []),
          ]}
        />
      </section>

      {production && prodSource && (
        <section aria-labelledby="cmp-h">
          <h3 id="cmp-h" className="text-sm font-semibold">
            Against production: {production.modelId}
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
            production={{ modelId: production.modelId, errors: production.errors, threshold: prodSource.threshold }}
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

      <section aria-labelledby="samples-h" className="grid gap-6 xl:grid-cols-[minmax(0,32rem)_1fr]">
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

function RunSummary({ result }: { result: RunResult }) {
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
        {backend.note && <span className="text-slate-600"> — {backend.note}</span>}
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
                  {i === 0 ? 'Candidate' : 'Production'}
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
