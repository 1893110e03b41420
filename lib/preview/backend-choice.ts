/**
 * Which backend the preview runs on, decided from what the browser said about its WebGPU adapters.
 * Pure (no navigator, no onnxruntime) so the rule can be tested on its own: ort-runtime.ts asks the
 * browser, this decides, and the reason it returns is what the page shows next to the backend.
 *
 * The rule: "automatic" takes WebGPU only on a hardware adapter. A software adapter (Chromium's
 * SwiftShader, Mesa's llvmpipe/lavapipe, Windows' Basic Render Driver, anything flagged as a
 * fallback) computes the right answers on the CPU, 3–5× slower than WASM here, so automatic runs
 * WASM instead. A reviewer who chooses WebGPU gets it, even on a software adapter, and is told.
 */

export const BACKEND_PREFERENCES = ['auto', 'wasm', 'webgpu'] as const;
export type BackendPreference = (typeof BACKEND_PREFERENCES)[number];

/** GPUAdapterInfo's fields as Chromium reports them (and the older adapter-level fallback flag). */
export type AdapterFacts = {
  vendor?: string;
  architecture?: string;
  device?: string;
  description?: string;
  isFallbackAdapter?: boolean;
};

/** What asking the browser for WebGPU adapters gave. */
export type GpuProbe =
  | { kind: 'not-asked' }
  | { kind: 'no-webgpu' }
  | { kind: 'no-adapter' }
  | { kind: 'failed'; message: string }
  | { kind: 'adapters'; adapters: AdapterFacts[] };

export type BackendChoice = {
  backend: 'webgpu' | 'wasm';
  /** The adapter WebGPU runs on (null on WASM). */
  adapter: AdapterFacts | null;
  adapterName: string | null;
  /** The WebGPU adapter is a software renderer (only when the reviewer forced WebGPU). */
  software: boolean;
  /** Why this backend, in words for the page: "automatic: the only WebGPU adapter is SwiftShader (software)". */
  reason: string;
};

/** Names that only CPU renderers carry, each with the name the page uses for it. */
const SOFTWARE_RENDERERS: [RegExp, string][] = [
  [/swiftshader/i, 'SwiftShader'],
  [/llvmpipe/i, 'llvmpipe'],
  [/lavapipe/i, 'lavapipe'],
  [/softpipe/i, 'softpipe'],
  [/microsoft basic render/i, 'Microsoft Basic Render Driver'],
  [/\bwarp\b/i, 'WARP'],
];

export function describeAdapter(a: AdapterFacts): string {
  return [a.vendor, a.architecture, a.description || a.device].filter(Boolean).join(' ') || 'unnamed adapter';
}

/** The software renderer an adapter is, by name ("SwiftShader"), or null for a hardware adapter. */
export function softwareRenderer(a: AdapterFacts): string | null {
  const text = `${a.vendor ?? ''} ${a.architecture ?? ''} ${a.device ?? ''} ${a.description ?? ''}`;
  for (const [re, name] of SOFTWARE_RENDERERS) if (re.test(text)) return name;
  if (/\bcpu\b|software/i.test(text)) return describeAdapter(a);
  if (a.isFallbackAdapter) return `${describeAdapter(a)}, a fallback adapter`;
  return null;
}

function distinct(adapters: AdapterFacts[]): AdapterFacts[] {
  const seen = new Set<string>();
  return adapters.filter((a) => {
    const k = `${describeAdapter(a)}|${!!a.isFallbackAdapter}`;
    return seen.has(k) ? false : (seen.add(k), true);
  });
}

function noWebGpu(probe: Exclude<GpuProbe, { kind: 'adapters' }>): string {
  // 'not-asked' only happens for WASM, decided before any probe; said like "no adapter" all the same.
  if (probe.kind === 'no-webgpu') return 'this browser offers no WebGPU';
  if (probe.kind === 'failed') return `the WebGPU adapter request failed (${probe.message})`;
  return 'the browser gave no WebGPU adapter';
}

const wasm = (reason: string): BackendChoice => ({
  backend: 'wasm',
  adapter: null,
  adapterName: null,
  software: false,
  reason,
});

export function chooseBackend(pref: BackendPreference, probe: GpuProbe): BackendChoice {
  if (pref === 'wasm') return wasm('you chose WASM');
  if (probe.kind !== 'adapters' || probe.adapters.length === 0) {
    const why = probe.kind === 'adapters' ? noWebGpu({ kind: 'no-adapter' }) : noWebGpu(probe);
    return wasm(pref === 'auto' ? `automatic: ${why}` : `you chose WebGPU, but ${why}; ran on WASM`);
  }
  const adapters = distinct(probe.adapters);
  const hardware = adapters.find((a) => softwareRenderer(a) === null);
  if (hardware) {
    const name = describeAdapter(hardware);
    return {
      backend: 'webgpu',
      adapter: hardware,
      adapterName: name,
      software: false,
      reason: pref === 'auto' ? `automatic: ${name} is a hardware adapter` : 'you chose WebGPU',
    };
  }
  const soft = adapters.map((a) => `${softwareRenderer(a)} (software)`);
  const which =
    soft.length === 1
      ? `the only WebGPU adapter is ${soft[0]}`
      : `every WebGPU adapter is software: ${soft.join(', ')}`;
  if (pref === 'auto') return wasm(`automatic: ${which}`);
  return {
    backend: 'webgpu',
    adapter: adapters[0],
    adapterName: describeAdapter(adapters[0]),
    software: true,
    reason: `you chose WebGPU; ${which}: correct, not fast`,
  };
}

/** A stored preference, or automatic when nothing (or something unknown) is stored. */
export function parseBackendPreference(v: unknown): BackendPreference {
  return BACKEND_PREFERENCES.includes(v as BackendPreference) ? (v as BackendPreference) : 'auto';
}
