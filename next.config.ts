import type { NextConfig } from 'next';
import { NO_CONTENT_POLICY, WORKER_POLICY } from './lib/security-headers';

const nextConfig: NextConfig = {
  // Lets several builds (parallel developers, benchmark servers) live side by side; `.next` by default.
  distDir: process.env.NEXT_DIST_DIR || '.next',
  // Native or wasm-bearing server packages load from node_modules at run time, not bundled.
  serverExternalPackages: [
    '@electric-sql/pglite',
    'pglite-prisma-adapter',
    '@prisma/adapter-pg',
    'pg',
    'onnxruntime-node',
  ],
  poweredByHeader: false,
  // forbidden() from next/navigation: a page a role may not open answers 403 with app/(console)/forbidden.tsx.
  experimental: { authInterrupts: true },
  // `npm test` typechecks the whole tree once as its own stage; the build need not do it again.
  typescript: { ignoreBuildErrors: true },
  async headers() {
    return [
      {
        source: '/:path*',
        headers: [
          { key: 'X-Content-Type-Options', value: 'nosniff' },
          { key: 'Referrer-Policy', value: 'strict-origin-when-cross-origin' },
          { key: 'X-Frame-Options', value: 'DENY' },
        ],
      },
      {
        // Pages get a per-request nonce policy from proxy.ts; JSON, files and errors from the API
        // are never documents, so nothing may load from them (also outside the proxy: health,
        // OpenAPI, uploads).
        source: '/api/:path*',
        headers: [{ key: 'Content-Security-Policy', value: NO_CONTENT_POLICY }],
      },
      {
        // Cross-origin isolation for the reconstruction preview: SharedArrayBuffer, and so
        // multi-threaded onnxruntime-web, exists only in isolated pages (and their workers).
        // Every subresource of these pages is same-origin, so require-corp costs nothing. The
        // request page runs the candidate's preview too (inline review).
        source: '/:section(models|reviews)/:id*',
        headers: [
          { key: 'Cross-Origin-Opener-Policy', value: 'same-origin' },
          { key: 'Cross-Origin-Embedder-Policy', value: 'require-corp' },
        ],
      },
      {
        // The bootstrap script of Turbopack's Web Workers (the preview runs in one): a worker
        // created by an isolated page loads only if its script carries COEP itself.
        // Its CSP is the worker's own (a dedicated worker does not inherit the page's), and the one
        // place wasm may be compiled.
        source: '/_next/static/chunks/:file(turbopack-worker-[^/]+\\.js)',
        headers: [
          { key: 'Cross-Origin-Embedder-Policy', value: 'require-corp' },
          { key: 'Content-Security-Policy', value: WORKER_POLICY },
        ],
      },
      {
        // A share page runs the preview too (app/share): isolated like the models pages, and so are
        // its link-scoped artifact and runtime routes beneath it.
        source: '/share/:token/:path*',
        headers: [
          { key: 'Cross-Origin-Opener-Policy', value: 'same-origin' },
          { key: 'Cross-Origin-Embedder-Policy', value: 'require-corp' },
        ],
      },
      {
        // The link-scoped runtime: threaded ORT starts its workers from these files (as /ort below).
        source: '/share/:token/ort/:path*',
        headers: [{ key: 'Content-Security-Policy', value: WORKER_POLICY }],
      },
      {
        // The onnxruntime-web runtime (app/ort): loadable into isolated pages and their workers.
        source: '/ort/:path*',
        headers: [
          { key: 'Cross-Origin-Opener-Policy', value: 'same-origin' },
          { key: 'Cross-Origin-Embedder-Policy', value: 'require-corp' },
          { key: 'Cross-Origin-Resource-Policy', value: 'same-origin' },
          // A threaded runtime starts its workers from these files: same policy as the preview worker.
          { key: 'Content-Security-Policy', value: WORKER_POLICY },
        ],
      },
    ];
  },
};

export default nextConfig;
