/// <reference lib="webworker" />
/**
 * Loading onnxruntime-web inside the preview worker (worker.ts): which backend this browser can
 * really run (WebGPU or WASM, chosen by backend-choice.ts), with how many threads, imported from the
 * same-origin /ort route.
 * Kept apart from the run itself because it is the part that depends on the browser, not the data.
 */
import type * as OrtModule from 'onnxruntime-web';
import { writeOnnx } from '../formats/onnx-write';
import {
  chooseBackend,
  softwareRenderer,
  type AdapterFacts,
  type BackendPreference,
  type GpuProbe,
} from './backend-choice';
import type { BackendReport } from './protocol';
import { stampClock, type PreviewMarks } from './timing-marks';

export type Ort = typeof OrtModule;

// Minimal WebGPU typings: TypeScript's DOM lib does not ship them yet.
type GpuAdapter = { info?: AdapterFacts; isFallbackAdapter?: boolean };
type NavigatorGpu = { gpu?: { requestAdapter(opts?: object): Promise<GpuAdapter | null> } };

const ctx = self as unknown as DedicatedWorkerGlobalScope;

/**
 * Asks the browser for its default and its high-performance adapter (they differ on machines with
 * two GPUs), so automatic can find a hardware one when the default is not.
 */
async function probeAdapters(): Promise<GpuProbe> {
  const gpu = (navigator as unknown as NavigatorGpu).gpu;
  if (!gpu) return { kind: 'no-webgpu' };
  try {
    const found = await Promise.all([
      gpu.requestAdapter(),
      gpu.requestAdapter({ powerPreference: 'high-performance' }),
    ]);
    const adapters = found
      .filter((a): a is GpuAdapter => !!a)
      // GPUAdapterInfo's fields are prototype getters: a spread would copy none of them.
      .map(({ info, isFallbackAdapter }) => ({
        vendor: info?.vendor,
        architecture: info?.architecture,
        device: info?.device,
        description: info?.description,
        isFallbackAdapter: info?.isFallbackAdapter ?? isFallbackAdapter,
      }));
    return adapters.length ? { kind: 'adapters', adapters } : { kind: 'no-adapter' };
  } catch (e) {
    return { kind: 'failed', message: (e as Error).message };
  }
}

/**
 * Chooses (backend-choice.ts) and loads the backend. On WebGPU a throwaway session then proves the
 * WebGPU EP really initialises, because with ['webgpu', 'wasm'] ORT would fall back to WASM
 * silently and we would report the wrong backend.
 */
export async function loadRuntime(
  base: string,
  pref: BackendPreference,
  marks: PreviewMarks = {},
): Promise<{ ort: Ort; backend: BackendReport; providers: string[]; ms: number }> {
  const t0 = performance.now();
  const isolated = !!ctx.crossOriginIsolated;
  // SharedArrayBuffer (and so WASM threads) exists only in cross-origin-isolated contexts.
  const threads = isolated ? Math.max(1, Math.min(4, navigator.hardwareConcurrency || 1)) : 1;
  const importEntry = (entry: string) => {
    const started = stampClock();
    const url = new URL(base + entry, ctx.location.origin).href;
    const mod = import(/* webpackIgnore: true */ /* turbopackIgnore: true */ url) as Promise<Ort>;
    mod.catch(() => {}); // surfaced when awaited
    return { started, mod };
  };
  // The WASM entry is what runs without a hardware GPU (most machines, and every fallback): its
  // import starts while the adapters are asked for, instead of after (a wasted 50 kB if WebGPU wins).
  const wasmEntry = pref === 'webgpu' ? null : importEntry('ort.wasm.min.mjs');
  const choice = chooseBackend(pref, pref === 'wasm' ? { kind: 'not-asked' } : await probeAdapters());

  const chosen =
    choice.backend === 'webgpu' ? importEntry('ort.webgpu.min.mjs') : (wasmEntry ?? importEntry('ort.wasm.min.mjs'));
  marks['runtime-import-start'] = chosen.started;
  const ort = await chosen.mod;
  marks['runtime-import-end'] = stampClock();
  ort.env.wasm.wasmPaths = new URL(base, ctx.location.origin).href;
  ort.env.wasm.numThreads = threads;
  // Already in a worker: ORT's own proxy worker would only add a copy (and detach our buffers).
  ort.env.wasm.proxy = false;
  ort.env.logLevel = 'error';
  // The hardware adapter automatic found may be the high-performance one, not the default.
  if (choice.backend === 'webgpu' && ort.env.webgpu) ort.env.webgpu.powerPreference = 'high-performance';
  const report = (name: 'webgpu' | 'wasm', note: string): BackendReport => ({
    name,
    threads,
    crossOriginIsolated: isolated,
    adapter: name === 'webgpu' ? choice.adapterName : null,
    swiftshader: name === 'webgpu' && !!choice.adapter && softwareRenderer(choice.adapter) === 'SwiftShader',
    software: name === 'webgpu' && choice.software,
    preference: pref,
    note,
    ortVersion: ort.env.versions?.web ?? null,
  });
  if (choice.backend === 'webgpu') {
    try {
      // Probe with the smallest valid model of the same op set: create must succeed on WebGPU alone.
      await probe(ort, 'webgpu');
      marks['runtime-ready'] = stampClock();
      return { ort, backend: report('webgpu', choice.reason), providers: ['webgpu'], ms: performance.now() - t0 };
    } catch (e) {
      await probe(ort, 'wasm');
      marks['runtime-ready'] = stampClock();
      return {
        ort,
        backend: report('wasm', `${choice.reason}; WebGPU could not start (${(e as Error).message}); ran on WASM`),
        providers: ['wasm'],
        ms: performance.now() - t0,
      };
    }
  }
  // Initialise the wasm backend now (compile, thread pool) so it overlaps the downloads instead
  // of following them: this is most of the time to first chart on a warm cache.
  await probe(ort, 'wasm');
  marks['runtime-ready'] = stampClock();
  return { ort, backend: report('wasm', choice.reason), providers: ['wasm'], ms: performance.now() - t0 };
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
