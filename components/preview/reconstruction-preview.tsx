'use client';

import { useCallback, useEffect, useRef, useState } from 'react';
import { preload } from 'react-dom';
import type {
  BackendPreference,
  ModelSource,
  RunFailure,
  RunRequest,
  RunResult,
  SampleSource,
  Stage,
} from '@/lib/preview/protocol';
import { Results, type CompareMode, type DeploymentThreshold, type ProductionSource } from './preview-results';
import type { FormAction } from '@/lib/auth/action-state';
import { readBackendPreference, useBackendPreference } from './use-backend-preference';
import { recordPreviewMeasures, stampClock, type PreviewMarks } from '@/lib/preview/timing-marks';
import { launchPreviewWorker, takeOverLaunch, type PreviewLaunch } from './preview-launch';

export type PreviewProps = {
  ortBase: string;
  candidate: ModelSource & { sizeBytes: number };
  validationSet: { url: string; sha256: string; sizeBytes: number } | null;
  deploymentThreshold: DeploymentThreshold | null;
  production: ProductionSource | null;
  /** Start on page load when the downloads are at most this many bytes; else wait for a click. */
  autoRunMaxBytes?: number;
  /** Given when the viewer may attach the run's summary to their reviews (reviews.write). */
  attachAction?: FormAction;
  /**
   * Told of each validation-set run: null when one starts, its result when it ends (the request
   * page's approve form attaches that run's summary).
   */
  onValidationResult?: (result: RunResult | null) => void;
  /** The compare page: candidate and production are models A and B (labels, B's own threshold). */
  compare?: CompareMode;
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
  const [backendPref, setBackendPref] = useBackendPreference();
  const { onValidationResult } = props;
  const [selected, setSelected] = useState(0);
  const [fileError, setFileError] = useState<string | null>(null);
  const worker = useRef<Worker | null>(null);
  const started = useRef(false);
  // The page's instants of the current run (timing-marks.ts); the worker's arrive with its result.
  const marks = useRef<PreviewMarks>({});

  const requestOf = useCallback(
    (samples: SampleSource, pref: BackendPreference): RunRequest => ({
      type: 'run',
      ortBase,
      backend: pref,
      candidate: { modelId: candidate.modelId, format: candidate.format, url: candidate.url, sha256: candidate.sha256 },
      production: production
        ? { modelId: production.modelId, format: production.format, url: production.url, sha256: production.sha256 }
        : null,
      samples,
    }),
    [candidate, production, ortBase],
  );

  /** Follows a launched run (preview-launch.ts) to its result or failure. */
  const follow = useCallback(
    (launch: PreviewLaunch, ofValidationSet: boolean) => {
      const w = launch.worker;
      worker.current = w;
      marks.current = launch.marks;
      // The state turns to running with the worker's first message (progress: downloading).
      if (ofValidationSet) onValidationResult?.(null);
      takeOverLaunch(launch, {
        onMessage: (m) => {
          if (m.type === 'progress') return setState({ status: 'running', stage: m.stage, detail: m.detail });
          if (m.type === 'result') {
            marks.current = { ...marks.current, ...m.marks, 'result-received': stampClock() };
            setState({ status: 'done', result: m });
            if (ofValidationSet) onValidationResult?.(m);
            // Start on the worst-reconstructed sample: the most informative one to look at.
            let worst = 0;
            m.candidate.errors.forEach((e, i) => e > m.candidate.errors[worst] && (worst = i));
            setSelected(worst);
          } else setState({ status: 'failed', failure: m });
          w.terminate();
          if (worker.current === w) worker.current = null;
        },
        onFailure: (message) => {
          setState({
            status: 'failed',
            failure: { type: 'error', kind: 'runtime', message: `The preview worker failed: ${message}` },
          });
          w.terminate();
        },
      });
    },
    [onValidationResult],
  );

  const start = useCallback(
    (samples: SampleSource, pref: BackendPreference) => {
      worker.current?.terminate();
      worker.current = null;
      setState({ status: 'running', stage: 'downloading' });
      const transfer = samples.kind === 'file' ? [samples.bytes] : [];
      follow(launchPreviewWorker(requestOf(samples, pref), transfer), samples.kind === 'validation-set');
    },
    [follow, requestOf],
  );

  const runValidation = useCallback(
    (pref: BackendPreference) => {
      if (validationSet) start({ kind: 'validation-set', url: validationSet.url, sha256: validationSet.sha256 }, pref);
    },
    [validationSet, start],
  );

  const totalBytes = candidate.sizeBytes + (production?.sizeBytes ?? 0) + (validationSet?.sizeBytes ?? 0);
  const autoRun = !!validationSet && totalBytes <= (props.autoRunMaxBytes ?? 32 * 1024 * 1024);
  if (autoRun) preloadRun(ortBase, [validationSet.url, candidate.url, production?.url]);
  // The run on load starts in the first render in the browser (the hydrating one), not in the
  // effect after the whole page has hydrated, committed and painted; the effect takes it over.
  // Read the preference from storage: during hydration the state still holds the server's 'auto'.
  const validationRequest = useCallback(
    () =>
      validationSet &&
      requestOf(
        { kind: 'validation-set', url: validationSet.url, sha256: validationSet.sha256 },
        readBackendPreference(),
      ),
    [validationSet, requestOf],
  );
  const [early] = useState(() => {
    const req = autoRun && typeof window !== 'undefined' ? validationRequest() : null;
    return req ? launchPreviewWorker(req) : null;
  });
  useEffect(() => {
    if (started.current || !autoRun) return;
    started.current = true;
    // Without an early launch only when the page's props turned autoRun on after the first render.
    const req = early ? null : validationRequest();
    const launch = early ?? (req && launchPreviewWorker(req));
    if (launch) follow(launch, true);
  }, [early, follow, autoRun, validationRequest]);
  useEffect(() => () => worker.current?.terminate(), []);
  const done = state.status === 'done' ? state.result : null;
  useEffect(() => {
    if (!done) return;
    // Two frames after the commit that shows the charts: the first frame paints them.
    let id = requestAnimationFrame(() => {
      id = requestAnimationFrame(() => {
        recordPreviewMeasures({ ...marks.current, 'first-chart': stampClock() });
      });
    });
    return () => cancelAnimationFrame(id);
  }, [done]);

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
        <div className="min-w-0">
          <h2 id="preview-h" className="text-base font-semibold">
            Reconstruction preview
          </h2>
          <p className="mt-1 max-w-3xl text-sm text-slate-600">
            {props.compare ? (
              <>Runs both exact artifacts in your browser with onnxruntime-web on the same samples, side by side.</>
            ) : (
              <>
                Runs this exact{' '}
                {candidate.format === 'onnx'
                  ? 'ONNX artifact'
                  : `${candidate.format} artifact (converted to ONNX in your browser)`}{' '}
                in your browser with onnxruntime-web
                {validationSet ? ' on its training job’s validation set' : ''}
                {production ? `, next to ${production.modelId}, the production model for these ages` : ''}.
              </>
            )}{' '}
            The bytes are checked against the registry’s SHA-256 before anything runs.
          </p>
        </div>
        <div className="flex min-w-0 max-w-full flex-wrap items-end gap-3">
          <label className="w-full text-sm sm:w-auto">
            <span className="block text-xs text-slate-600">Backend (remembered in this browser)</span>
            <select
              value={backendPref}
              onChange={(e) => setBackendPref(e.target.value as BackendPreference)}
              disabled={running}
              className="mt-0.5 w-full rounded border border-slate-300 bg-white px-2 py-1.5 text-sm focus-visible:outline-2 focus-visible:outline-indigo-700"
            >
              <option value="auto">Automatic (WebGPU on a hardware GPU, else WASM)</option>
              <option value="wasm">WASM</option>
              <option value="webgpu">WebGPU</option>
            </select>
          </label>
          {validationSet && (
            <button
              type="button"
              onClick={() => runValidation(backendPref)}
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
          compare={props.compare}
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

/**
 * Starts the downloads the run will make from the server-rendered HTML (React hoists these into
 * <head>), instead of after hydration, the worker's start and the ORT import: the worker's own
 * requests then find them in the HTTP cache (immutable by version and by hash). WASM only: it is
 * what automatic runs without a hardware GPU, and the WebGPU build is another 14 MB.
 */
function preloadRun(ortBase: string, urls: (string | undefined)[]) {
  preload(`${ortBase}ort.wasm.min.mjs`, { as: 'fetch', crossOrigin: 'anonymous' });
  preload(`${ortBase}ort-wasm-simd-threaded.mjs`, { as: 'fetch', crossOrigin: 'anonymous' });
  preload(`${ortBase}ort-wasm-simd-threaded.wasm`, { as: 'fetch', crossOrigin: 'anonymous' });
  for (const url of urls) if (url) preload(url, { as: 'fetch', crossOrigin: 'anonymous' });
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
      className="mt-3 rounded-lg border border-red-300 bg-red-50 px-4 py-3 text-sm text-red-900 [overflow-wrap:anywhere]"
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
