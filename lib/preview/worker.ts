/// <reference lib="webworker" />
/**
 * The reconstruction-preview worker: downloads the exact exported artifact (and the production
 * model, and the samples), verifies their SHA-256 against the registry, converts non-ONNX exports
 * to ONNX with our pure-TS writer, and runs them in onnxruntime-web — off the main thread, so the
 * page stays responsive while wasm compiles and the batch runs.
 *
 * onnxruntime-web is imported at run time from the same-origin /ort/{version}/ route, never through
 * the bundler: nothing of it lands in the server bundle or the page's first bundle, and only the
 * one wasm build the chosen backend needs is downloaded.
 */
import type * as OrtModule from 'onnxruntime-web';
import type { ExportFormat } from '../formats/export';
import { writeOnnx } from '../formats/onnx-write';
import { readAutoencoderArtifact } from '../formats/read-artifact';
import { sha256Hex } from '../formats/sha256';
import { readValidationSet, type ValidationSet } from '../formats/validation-set';
import { loadRuntime, type Ort } from './ort-runtime';
import type {
  BackendReport,
  ModelResult,
  ModelSource,
  RunFailure,
  RunRequest,
  RunResult,
  Stage,
  WorkerMessage,
} from './protocol';
import { meanSquaredErrors, perDimensionErrors } from './stats';
import { stampClock, type PreviewMarks } from './timing-marks';

const ctx = self as unknown as DedicatedWorkerGlobalScope;

class PreviewError extends Error {
  constructor(readonly failure: Omit<RunFailure, 'type'>) {
    super(failure.message);
  }
}

function post(msg: WorkerMessage, transfer: Transferable[] = []) {
  ctx.postMessage(msg, transfer);
}
function progress(stage: Stage, detail?: string) {
  post({ type: 'progress', stage, detail });
}

ctx.onmessage = async (ev: MessageEvent<RunRequest>) => {
  if (ev.data?.type !== 'run') return;
  try {
    const result = await run(ev.data);
    const buffers: Transferable[] = [
      result.samples.input.buffer,
      result.candidate.reconstruction.buffer,
      result.candidate.errors.buffer,
      result.candidate.perDimension.buffer,
    ];
    if (result.samples.isAnomaly) buffers.push(result.samples.isAnomaly.buffer);
    if (result.production)
      buffers.push(
        result.production.reconstruction.buffer,
        result.production.errors.buffer,
        result.production.perDimension.buffer,
      );
    post(result, buffers);
  } catch (e) {
    const failure: RunFailure =
      e instanceof PreviewError
        ? { type: 'error', ...e.failure }
        : { type: 'error', kind: 'runtime', message: e instanceof Error ? e.message : String(e) };
    post(failure);
  }
};

async function run(req: RunRequest): Promise<RunResult> {
  const t0 = performance.now();
  const marks: PreviewMarks = { 'run-start': stampClock() };
  progress('downloading');
  // Runtime and downloads start together: the wasm compile overlaps the artifact transfer.
  const runtime = loadRuntime(req.ortBase, req.backend, marks);
  runtime.catch(() => {}); // surfaced when awaited below
  const [cand, prod, samples] = await Promise.all([
    download(req.candidate.url, `the model ${req.candidate.modelId}`),
    req.production
      ? download(req.production.url, `the production model ${req.production.modelId}`).catch((e: Error) => e)
      : null,
    req.samples.kind === 'file'
      ? { bytes: new Uint8Array(req.samples.bytes), ms: 0, cached: null }
      : download(req.samples.url, 'the validation set'),
  ]);
  marks['downloads-end'] = stampClock();

  // Integrity first: nothing runs on bytes the registry did not vouch for.
  progress('verifying');
  const hashImpl = typeof crypto !== 'undefined' && crypto.subtle ? 'webcrypto' : 'typescript';
  const candHash = await verify(cand.bytes, req.candidate.sha256, `the model ${req.candidate.modelId}`);
  const samplesHash =
    req.samples.kind === 'validation-set' ? await verify(samples.bytes, req.samples.sha256, 'the validation set') : 0;
  let productionError: string | null = null;
  let prodHash = 0;
  if (prod instanceof Error) productionError = prod.message;
  else if (prod && req.production) {
    try {
      prodHash = await verify(prod.bytes, req.production.sha256, `the production model ${req.production.modelId}`);
    } catch (e) {
      // A tampered production model must not be compared against, but it does not make the
      // candidate's own (verified) results wrong: report it next to them.
      productionError = (e as Error).message;
    }
  }

  progress('preparing');
  let vs: ValidationSet;
  try {
    vs = readValidationSet(samples.bytes);
  } catch (e) {
    throw new PreviewError({
      kind: 'format',
      message: `The ${req.samples.kind === 'file' ? `file ${req.samples.name}` : 'validation set'} could not be read: ${(e as Error).message}`,
    });
  }
  const candPrep = prepare(cand.bytes, req.candidate, vs.dim);
  const prodPrep =
    prod && !(prod instanceof Error) && req.production && !productionError
      ? safePrepare(prod.bytes, req.production, vs.dim)
      : null;
  if (prodPrep && 'error' in prodPrep) productionError = prodPrep.error;

  progress('loading-runtime');
  const { ort, backend, providers, ms: runtime_ms } = await runtime;

  progress('running', `${vs.count} samples`);
  const sessionOpts = { executionProviders: providers, graphOptimizationLevel: 'all' as const };
  const candidate = await runModel(
    ort,
    candPrep,
    vs,
    sessionOpts,
    backend,
    { download_ms: cand.ms, download_cached: cand.cached, hash_ms: candHash },
    marks,
  );
  let production: ModelResult | null = null;
  if (prodPrep && !('error' in prodPrep) && prod && !(prod instanceof Error)) {
    try {
      production = await runModel(ort, prodPrep, vs, sessionOpts, backend, {
        download_ms: prod.ms,
        download_cached: prod.cached,
        hash_ms: prodHash,
      });
    } catch (e) {
      productionError = `the production model could not run: ${(e as Error).message}`;
    }
  }

  progress('summarising');
  return {
    type: 'result',
    backend,
    samples: {
      source: req.samples.kind,
      name: req.samples.kind === 'file' ? req.samples.name : 'validation set',
      sha256: req.samples.kind === 'validation-set' ? req.samples.sha256 : null,
      count: vs.count,
      dim: vs.dim,
      input: vs.embeddings,
      isAnomaly: vs.isAnomaly,
      download_ms: samples.ms,
      download_cached: samples.cached,
      hash_ms: samplesHash,
    },
    candidate,
    production,
    productionError,
    hashImpl,
    runtime_ms,
    total_ms: performance.now() - t0,
    marks: { ...marks, result: stampClock() },
  };
}

async function download(url: string, what: string): Promise<{ bytes: Uint8Array; ms: number; cached: boolean | null }> {
  const t = performance.now();
  let res: Response;
  try {
    res = await fetch(url, { credentials: 'same-origin' });
  } catch (e) {
    throw new PreviewError({ kind: 'download', message: `Could not download ${what}: ${(e as Error).message}` });
  }
  if (!res.ok) {
    let detail = res.statusText;
    try {
      detail = ((await res.json()) as { detail?: string }).detail ?? detail;
    } catch {
      // Not a JSON error body (a proxy's HTML page): the status text is the detail.
    }
    throw new PreviewError({ kind: 'download', message: `Could not download ${what}: HTTP ${res.status} ${detail}` });
  }
  try {
    const bytes = new Uint8Array(await res.arrayBuffer());
    // Resource Timing: nothing crossed the network when the transfer size is 0 (HTTP cache hit).
    const entry = performance.getEntriesByName(new URL(url, ctx.location.href).href).at(-1) as
      PerformanceResourceTiming | undefined;
    const cached = entry && entry.decodedBodySize > 0 ? entry.transferSize === 0 : null;
    return { bytes, ms: performance.now() - t, cached };
  } catch (e) {
    // The server aborts the stream when its own re-hash fails mid-transfer.
    throw new PreviewError({
      kind: 'download',
      message: `The download of ${what} was interrupted: ${(e as Error).message}`,
    });
  }
}

async function hashHex(bytes: Uint8Array): Promise<string> {
  // WebCrypto is only exposed on secure origins (https, localhost); fall back to our pure-TS hash.
  if (typeof crypto !== 'undefined' && crypto.subtle) {
    const d = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
    return Array.from(d, (b) => b.toString(16).padStart(2, '0')).join('');
  }
  return sha256Hex(bytes);
}

/** Returns the hashing time; throws an integrity failure when the bytes are not the registry's. */
async function verify(bytes: Uint8Array, expected: string, what: string): Promise<number> {
  const t = performance.now();
  const actual = await hashHex(bytes);
  const ms = performance.now() - t;
  if (actual !== expected.toLowerCase()) {
    throw new PreviewError({
      kind: 'integrity',
      subject: what,
      expected,
      actual,
      message: `Integrity check failed: the SHA-256 of ${what} as downloaded does not match the registry. Nothing was run.`,
    });
  }
  return ms;
}

type Prepared = { source: ModelSource; onnx: Uint8Array; convertedFrom: ExportFormat | null; prepare_ms: number };

function prepare(bytes: Uint8Array, source: ModelSource, dim: number): Prepared {
  const t = performance.now();
  let ae;
  try {
    // Every format goes through our own reader: it checks the artifact is the autoencoder the
    // registry says, and gives the input dimension to check the samples against.
    ae = readAutoencoderArtifact(bytes, source.format);
  } catch (e) {
    throw new PreviewError({
      kind: 'format',
      message: `${source.modelId} (${source.format}) could not be read: ${(e as Error).message}`,
    });
  }
  if (ae.architecture.inputDim !== dim) {
    throw new PreviewError({
      kind: 'format',
      message: `The samples have ${dim} dimensions; ${source.modelId} takes ${ae.architecture.inputDim}.`,
    });
  }
  // ONNX runs as downloaded (the exact artifact); other formats are converted in the browser.
  const onnx =
    source.format === 'onnx'
      ? bytes
      : writeOnnx(ae, { metadata: { model_id: source.modelId, converted_from: source.format } });
  return {
    source,
    onnx,
    convertedFrom: source.format === 'onnx' ? null : source.format,
    prepare_ms: performance.now() - t,
  };
}

function safePrepare(bytes: Uint8Array, source: ModelSource, dim: number): Prepared | { error: string } {
  try {
    return prepare(bytes, source, dim);
  } catch (e) {
    return { error: (e as Error).message };
  }
}

async function runModel(
  ort: Ort,
  p: Prepared,
  vs: ValidationSet,
  opts: OrtModule.InferenceSession.SessionOptions,
  backend: BackendReport,
  t: { download_ms: number; download_cached: boolean | null; hash_ms: number },
  marks: PreviewMarks = {},
): Promise<ModelResult> {
  const dim = vs.dim;
  const ts = performance.now();
  marks['session-start'] = stampClock();
  const session = await ort.InferenceSession.create(p.onnx, opts);
  try {
    const inputName = session.inputNames[0];
    // Warm-up on one sample (kernel and, on WebGPU, shader set-up), counted as session time.
    await session.run({ [inputName]: new ort.Tensor('float32', vs.embeddings.slice(0, dim), [1, dim]) });
    const session_ms = performance.now() - ts;
    marks['session-end'] = stampClock();
    const ti = performance.now();
    const out = await session.run({ [inputName]: new ort.Tensor('float32', vs.embeddings, [vs.count, dim]) });
    const inference_ms = performance.now() - ti;
    const tensor = out[session.outputNames[0]];
    const reconstruction = new Float32Array((await tensor.getData()) as Float32Array);
    marks['inference-end'] = stampClock();
    tensor.dispose();
    if (reconstruction.length !== vs.count * dim)
      throw new Error(`${p.source.modelId} returned ${reconstruction.length} values, expected ${vs.count} × ${dim}`);
    return {
      modelId: p.source.modelId,
      format: p.source.format,
      sha256: p.source.sha256,
      convertedFrom: p.convertedFrom,
      reconstruction,
      errors: meanSquaredErrors(vs.embeddings, reconstruction, vs.count, dim),
      perDimension: perDimensionErrors(vs.embeddings, reconstruction, vs.count, dim),
      timings: {
        download_ms: t.download_ms,
        download_cached: t.download_cached,
        hash_ms: t.hash_ms,
        prepare_ms: p.prepare_ms,
        session_ms,
        inference_ms,
      },
    };
  } catch (e) {
    throw new PreviewError({
      kind: 'runtime',
      message: `onnxruntime-web (${backend.name}) could not run ${p.source.modelId}: ${(e as Error).message}`,
    });
  } finally {
    await session.release();
  }
}
