/**
 * The onnxruntime-web files the browser preview loads, served same-origin by app/ort (server side).
 *
 * The worker imports ORT from these URLs at run time instead of through the bundler: the bundle
 * entries of onnxruntime-web make Next emit every wasm build (~68 MB) as assets, while the
 * `*.min.mjs` entries load only the one build they use, from `ort.env.wasm.wasmPaths`. The path is
 * versioned so the files can be cached as immutable and an upgrade changes every URL.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

/** Allowlist: file name → Content-Type. Nothing else under dist/ is ever served. */
export const ORT_FILES: Readonly<Record<string, string>> = {
  // WASM-only entry and its (threaded, SIMD) runtime
  'ort.wasm.min.mjs': 'text/javascript; charset=utf-8',
  'ort-wasm-simd-threaded.mjs': 'text/javascript; charset=utf-8',
  'ort-wasm-simd-threaded.wasm': 'application/wasm',
  // WebGPU entry (native WebGPU EP, plus the CPU EP for fallback) and its asyncify runtime
  'ort.webgpu.min.mjs': 'text/javascript; charset=utf-8',
  'ort-wasm-simd-threaded.asyncify.mjs': 'text/javascript; charset=utf-8',
  'ort-wasm-simd-threaded.asyncify.wasm': 'application/wasm',
};

export function ortDistDir(root = process.cwd()): string {
  return path.join(root, 'node_modules', 'onnxruntime-web', 'dist');
}

let version: string | undefined;
/** The installed onnxruntime-web version (read once). */
export function ortVersion(root = process.cwd()): string {
  version ??= (
    JSON.parse(readFileSync(path.join(root, 'node_modules', 'onnxruntime-web', 'package.json'), 'utf8')) as {
      version: string;
    }
  ).version;
  return version;
}

/** The same-origin base URL (with trailing slash) for `ort.env.wasm.wasmPaths` and the entry import. */
export function ortBasePath(): string {
  return `/ort/${ortVersion()}/`;
}

/** Headers that let these files load into a cross-origin-isolated page and its workers. */
export const ISOLATION_HEADERS: Readonly<Record<string, string>> = {
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
};
