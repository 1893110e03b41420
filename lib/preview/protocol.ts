/**
 * Messages between the preview component and its Web Worker (lib/preview/worker.ts). Typed arrays
 * travel as transferables: the worker gives up its buffers, nothing is copied twice.
 */
import type { ExportFormat } from '../formats/export';
import type { BackendPreference } from './backend-choice';
import type { PreviewMarks } from './timing-marks';

export type ModelSource = {
  modelId: string;
  format: ExportFormat;
  url: string;
  /** The registry's SHA-256 of the artifact: the downloaded bytes must hash to it. */
  sha256: string;
};

export type SampleSource =
  | { kind: 'validation-set'; url: string; sha256: string }
  /** A safetensors file of embeddings the reviewer chose; nothing to verify it against. */
  | { kind: 'file'; name: string; bytes: ArrayBuffer };

export type { BackendPreference };

export type RunRequest = {
  type: 'run';
  /** Same-origin base URL of the onnxruntime-web files (trailing slash), e.g. /ort/1.30.0/. */
  ortBase: string;
  backend: BackendPreference;
  candidate: ModelSource;
  production: ModelSource | null;
  samples: SampleSource;
};

export type Stage = 'downloading' | 'verifying' | 'preparing' | 'loading-runtime' | 'running' | 'summarising';

export type BackendReport = {
  /** The execution provider the sessions actually run on. */
  name: 'webgpu' | 'wasm';
  /** WASM threads in use (1 when the page is not cross-origin isolated). */
  threads: number;
  crossOriginIsolated: boolean;
  /** GPU adapter description when WebGPU was used, e.g. "google swiftshader". */
  adapter: string | null;
  /** SwiftShader is Chromium's CPU emulation of a GPU: correct, not fast. */
  swiftshader: boolean;
  /** WebGPU runs on a software renderer (SwiftShader, llvmpipe, …): only when the reviewer chose WebGPU. */
  software: boolean;
  /** What the reviewer asked for (automatic, WASM or WebGPU). */
  preference: BackendPreference;
  /** Why this backend, for the page: "automatic: the only WebGPU adapter is SwiftShader (software)". */
  note: string;
  ortVersion: string | null;
};

export type ModelTimings = {
  download_ms: number;
  /** Served from the browser's HTTP cache (artifacts are immutable by hash); null when unknown. */
  download_cached: boolean | null;
  hash_ms: number;
  /** Parse (and, for non-ONNX exports, conversion to ONNX) in the browser. */
  prepare_ms: number;
  session_ms: number;
  inference_ms: number;
};

export type ModelResult = {
  modelId: string;
  format: ExportFormat;
  sha256: string;
  /** Set when the artifact was not ONNX and was converted in the browser with writeOnnx. */
  convertedFrom: ExportFormat | null;
  /** [count, dim] reconstructions, row-major. */
  reconstruction: Float32Array;
  /** Per-sample MSE. */
  errors: Float64Array;
  /** Mean squared error per dimension over all samples. */
  perDimension: Float64Array;
  timings: ModelTimings;
};

export type RunResult = {
  type: 'result';
  backend: BackendReport;
  samples: {
    source: 'validation-set' | 'file';
    name: string;
    /** The validation set's SHA-256 (verified); null for a file the reviewer chose. */
    sha256: string | null;
    count: number;
    dim: number;
    /** [count, dim] embeddings, row-major. */
    input: Float32Array;
    isAnomaly: Uint8Array | null;
    download_ms: number;
    download_cached: boolean | null;
    hash_ms: number;
  };
  candidate: ModelResult;
  production: ModelResult | null;
  /** Production could not be run (its failure does not hide the candidate's results). */
  productionError: string | null;
  /** How the SHA-256s were computed: WebCrypto, or the pure-TS fallback on insecure origins. */
  hashImpl: 'webcrypto' | 'typescript';
  /** Importing onnxruntime-web and initialising its backend (wasm compile, threads), overlapped with the downloads. */
  runtime_ms: number;
  total_ms: number;
  /** Epoch instants of the run's steps, which the page records as User Timing measures (timing-marks.ts). */
  marks: PreviewMarks;
};

export type RunFailure = {
  type: 'error';
  kind: 'integrity' | 'download' | 'format' | 'runtime';
  message: string;
  /** For integrity failures: what was expected and what arrived. */
  expected?: string;
  actual?: string;
  subject?: string;
};

export type Progress = { type: 'progress'; stage: Stage; detail?: string };

export type WorkerMessage = RunResult | RunFailure | Progress;
