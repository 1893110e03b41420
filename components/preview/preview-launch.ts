import type { RunRequest, WorkerMessage } from '@/lib/preview/protocol';
import { stampClock, type PreviewMarks } from '@/lib/preview/timing-marks';

/**
 * A preview worker that is already running: created, its request posted, and what it says kept
 * until the component takes it over. The preview that runs on load starts during the component's
 * first (hydrating) render, not in its effect, so the worker loads, imports onnxruntime-web and
 * compiles the wasm while the rest of the page hydrates, commits and paints.
 */
export type PreviewLaunch = {
  worker: Worker;
  /** The page's instants of this run (timing-marks.ts); the worker's arrive with its result. */
  marks: PreviewMarks;
  /** Messages and a failure received before take-over (a Worker drops events nobody listens to). */
  inbox: WorkerMessage[];
  failure: string | null;
  /** Ends a launch nobody took over (React's dev double render calls the state initialiser twice). */
  orphanTimer: ReturnType<typeof setTimeout>;
};

const ORPHAN_MS = 60_000;

export type LaunchHandlers = { onMessage: (m: WorkerMessage) => void; onFailure: (message: string) => void };

export function launchPreviewWorker(req: RunRequest, transfer: Transferable[] = []): PreviewLaunch {
  const marks: PreviewMarks = { 'worker-created': stampClock() };
  // A fresh worker per run: ORT fixes its thread count and backend at first use, and terminating
  // releases the wasm memory and ORT's thread pool at once.
  const worker = new Worker(new URL('../../lib/preview/worker.ts', import.meta.url), {
    type: 'module',
    name: 'reconstruction-preview',
  });
  const launch: PreviewLaunch = {
    worker,
    marks,
    inbox: [],
    failure: null,
    orphanTimer: setTimeout(() => worker.terminate(), ORPHAN_MS),
  };
  worker.onmessage = (ev: MessageEvent<WorkerMessage>) => void launch.inbox.push(ev.data);
  worker.onerror = (e) => void (launch.failure ??= e.message || 'unknown error');
  worker.postMessage(req, transfer);
  return launch;
}

/** Hands the launch's messages, those kept so far first, to the component from now on. */
export function takeOverLaunch(launch: PreviewLaunch, handlers: LaunchHandlers): void {
  clearTimeout(launch.orphanTimer);
  launch.worker.onmessage = (ev: MessageEvent<WorkerMessage>) => handlers.onMessage(ev.data);
  launch.worker.onerror = (e) => handlers.onFailure(e.message || 'unknown error');
  const kept = launch.inbox.splice(0);
  for (const m of kept) handlers.onMessage(m);
  if (launch.failure !== null) handlers.onFailure(launch.failure);
}
