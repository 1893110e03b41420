/// <reference lib="webworker" />
/**
 * Loading onnxruntime-web inside the preview worker (worker.ts): which backend this browser can
 * really run (WebGPU or WASM), with how many threads, imported from the same-origin /ort route.
 * Kept apart from the run itself because it is the part that depends on the browser, not the data.
 */
import type * as OrtModule from 'onnxruntime-web';
import { writeOnnx } from '../formats/onnx-write';
import type { BackendReport } from './protocol';

export type Ort = typeof OrtModule;

// Minimal WebGPU typings: TypeScript's DOM lib does not ship them yet.
type GpuAdapterInfo = {
  vendor?: string;
  architecture?: string;
  device?: string;
  description?: string;
  isFallbackAdapter?: boolean;
};
type GpuAdapter = { info?: GpuAdapterInfo; isFallbackAdapter?: boolean };
type NavigatorGpu = { gpu?: { requestAdapter(opts?: object): Promise<GpuAdapter | null> } };

const ctx = self as unknown as DedicatedWorkerGlobalScope;

/**
 * Chooses and loads the backend. WebGPU only when the browser hands out an adapter; then a
 * throwaway session proves the WebGPU EP really initialises, because with ['webgpu', 'wasm'] ORT
 * would fall back to WASM silently and we would report the wrong backend.
 */
export async function loadRuntime(
  base: string,
  pref: 'auto' | 'wasm',
): Promise<{ ort: Ort; backend: BackendReport; providers: string[]; ms: number }> {
  const t0 = performance.now();
  const isolated = !!ctx.crossOriginIsolated;
  // SharedArrayBuffer (and so WASM threads) exists only in cross-origin-isolated contexts.
  const threads = isolated ? Math.max(1, Math.min(4, navigator.hardwareConcurrency || 1)) : 1;
  let adapter: GpuAdapter | null = null;
  let note: string | null = null;
  const gpu = (navigator as unknown as NavigatorGpu).gpu;
  if (pref === 'wasm') note = 'WASM chosen';
  else if (!gpu) note = 'this browser offers no WebGPU';
  else {
    try {
      adapter = await gpu.requestAdapter();
      if (!adapter) note = 'WebGPU is present but the browser gave no adapter';
    } catch (e) {
      note = `WebGPU adapter request failed: ${(e as Error).message}`;
    }
  }
  const info = adapter?.info;
  const adapterName = info
    ? [info.vendor, info.architecture, info.description || info.device].filter(Boolean).join(' ') || 'unnamed adapter'
    : null;
  const swiftshader =
    !!info && /swiftshader/i.test(`${info.vendor} ${info.architecture} ${info.description} ${info.device}`);

  const entry = adapter ? 'ort.webgpu.min.mjs' : 'ort.wasm.min.mjs';
  const url = new URL(base + entry, ctx.location.origin).href;
  const ort = (await import(/* webpackIgnore: true */ /* turbopackIgnore: true */ url)) as Ort;
  ort.env.wasm.wasmPaths = new URL(base, ctx.location.origin).href;
  ort.env.wasm.numThreads = threads;
  // Already in a worker: ORT's own proxy worker would only add a copy (and detach our buffers).
  ort.env.wasm.proxy = false;
  ort.env.logLevel = 'error';
  const report = (name: 'webgpu' | 'wasm', n: string | null): BackendReport => ({
    name,
    threads,
    crossOriginIsolated: isolated,
    adapter: adapterName,
    swiftshader: name === 'webgpu' && swiftshader,
    note: n,
    ortVersion: ort.env.versions?.web ?? null,
  });
  if (adapter) {
    try {
      // Probe with the smallest valid model of the same op set: create must succeed on WebGPU alone.
      await probe(ort, 'webgpu');
      return {
        ort,
        backend: report('webgpu', swiftshader ? 'the adapter is SwiftShader (CPU emulation): correct, not fast' : null),
        providers: ['webgpu'],
        ms: performance.now() - t0,
      };
    } catch (e) {
      await probe(ort, 'wasm');
      return {
        ort,
        backend: report('wasm', `WebGPU could not start (${(e as Error).message}); ran on WASM`),
        providers: ['wasm'],
        ms: performance.now() - t0,
      };
    }
  }
  // Initialise the wasm backend now (compile, thread pool) so it overlaps the downloads instead
  // of following them: this is most of the time to first chart on a warm cache.
  await probe(ort, 'wasm');
  return { ort, backend: report('wasm', note), providers: ['wasm'], ms: performance.now() - t0 };
}

/** Creates and runs a 2-2-1 autoencoder on one execution provider only; throws if it cannot. */
async function probe(ort: Ort, ep: 'webgpu' | 'wasm'): Promise<void> {
  const tiny = writeOnnx(
    {
      architecture: { modelType: 'autoencoder', inputDim: 2, hiddenDims: [1] },
      layers: [
        {
          name: 'encoder.0',
          inFeatures: 2,
          outFeatures: 1,
          weight: new Float32Array([1, 1]),
          bias: new Float32Array([0]),
          relu: true,
        },
        {
          name: 'decoder.0',
          inFeatures: 1,
          outFeatures: 2,
          weight: new Float32Array([1, 1]),
          bias: new Float32Array([0, 0]),
          relu: false,
        },
      ],
      notes: [],
      sourceDType: 'float32',
    },
    { metadata: {} },
  );
  const s = await ort.InferenceSession.create(tiny, { executionProviders: [ep] });
  try {
    await s.run({ [s.inputNames[0]]: new ort.Tensor('float32', new Float32Array([1, 2]), [1, 2]) });
  } finally {
    await s.release();
  }
}
