/**
 * The preview's timeline as User Timing measures on the page (`performance.getEntriesByName`), so
 * a benchmark or a person in DevTools sees where "model page → first chart" goes: the runtime
 * start (onnxruntime-web import, then its wasm fetch/compile and thread pool) apart from the
 * downloads, the session, the inference and the rendering.
 *
 * The worker has a timeline of its own (its performance.now() starts when it does), so both sides
 * stamp the epoch clock (timeOrigin + now) and the page converts back to its own time.
 */

/** Instants the worker stamps during a run. */
export type WorkerMark =
  | 'run-start'
  | 'runtime-import-start'
  | 'runtime-import-end'
  | 'runtime-ready'
  | 'downloads-end'
  | 'session-start'
  | 'session-end'
  | 'inference-end'
  | 'result';
/** Instants the page stamps: the worker asked for, its result in, the first chart painted. */
export type PageMark = 'worker-created' | 'result-received' | 'first-chart';
export type PreviewMarks = Partial<Record<WorkerMark | PageMark, number>>;

/** Each measure, from one instant to another ('navigation' = the page's time origin). */
export const PREVIEW_MEASURES = {
  // The page's own start: HTML, scripts, hydration, up to the effect that creates the worker.
  'preview:page-start': ['navigation', 'worker-created'],
  'preview:worker-start': ['worker-created', 'run-start'],
  'preview:runtime-import': ['runtime-import-start', 'runtime-import-end'],
  'preview:runtime-init': ['runtime-import-end', 'runtime-ready'],
  'preview:downloads': ['run-start', 'downloads-end'],
  'preview:session': ['session-start', 'session-end'],
  'preview:inference': ['session-end', 'inference-end'],
  'preview:render': ['result-received', 'first-chart'],
  'preview:first-chart': ['navigation', 'first-chart'],
} as const satisfies Record<string, readonly [WorkerMark | PageMark | 'navigation', WorkerMark | PageMark]>;
export type PreviewMeasure = keyof typeof PREVIEW_MEASURES;

/** The epoch time, in ms with sub-ms precision, on either side of the worker boundary. */
export function stampClock(perf: Pick<Performance, 'timeOrigin' | 'now'> = performance): number {
  return perf.timeOrigin + perf.now();
}

/**
 * Records the measures whose two instants are known, replacing those of an earlier run on this
 * page; returns their durations (ms) by name.
 */
export function recordPreviewMeasures(
  marks: PreviewMarks,
  perf: Pick<Performance, 'timeOrigin' | 'measure' | 'clearMeasures'> = performance,
): Partial<Record<PreviewMeasure, number>> {
  type Instant = WorkerMark | PageMark | 'navigation';
  const at = (m: Instant) => (m === 'navigation' ? 0 : marks[m] === undefined ? undefined : marks[m] - perf.timeOrigin);
  const out: Partial<Record<PreviewMeasure, number>> = {};
  for (const [name, [from, to]] of Object.entries(PREVIEW_MEASURES) as [PreviewMeasure, [Instant, Instant]][]) {
    const start = at(from);
    const end = at(to);
    perf.clearMeasures(name);
    // A clock skew of a fraction of a millisecond between the worker and the page must not throw.
    if (start === undefined || end === undefined) continue;
    const m = perf.measure(name, { start: Math.max(0, start), end: Math.max(0, start, end) });
    out[name] = m.duration;
  }
  return out;
}
