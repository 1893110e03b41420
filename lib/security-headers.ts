/**
 * The Content-Security-Policy and HSTS values the server sends. Pure (no Next.js, no env reads
 * beyond what the callers pass), so proxy.ts, next.config.ts and the tests share one definition.
 *
 * Three policies, by what a response is:
 * - pages: nonce-based scripts (proxy.ts makes a fresh nonce per request; Next.js puts it on its
 *   own scripts when the request carries this header), nothing inline without the nonce;
 * - the preview's Web Workers and the onnxruntime-web files they load: a dedicated worker takes
 *   its policy from its own script's response, and this is the one context that compiles wasm,
 *   so `'wasm-unsafe-eval'` lives here and on no page;
 * - everything else that is not a document (API routes, OG images): nothing at all may load.
 */

/** 16 random bytes, base64: the nonce-source grammar allows base64 and 128 bits cannot be guessed. */
export function newNonce(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return btoa(String.fromCharCode(...bytes));
}

export type PolicyOptions = {
  /** `next dev` only: React's dev build evaluates server error stacks with eval, and styles stream in without a nonce. */
  dev?: boolean;
  /** Served over HTTPS (DRAWBRIDGE_SECURE_COOKIES=1): upgrade stray http:// subresources. Never on plain HTTP, where it would break every same-origin load. */
  secure?: boolean;
};

const join = (directives: (string | false)[]) => directives.filter(Boolean).join('; ');

export function pagePolicy(nonce: string, opts: PolicyOptions = {}): string {
  return join([
    "default-src 'self'",
    // 'strict-dynamic': the chunks Next.js's nonced runtime loads later (route changes, the
    // preview's worker bootstrap) are trusted through it; 'self' and any host list are then
    // ignored by CSP3 browsers, so no injected <script src> runs without the nonce.
    `script-src 'nonce-${nonce}' 'strict-dynamic'${opts.dev ? " 'unsafe-eval'" : ''}`,
    // <style> and stylesheets need the nonce or this origin. Style *attributes* stay allowed:
    // server-rendered React style props (the deployments timeline's positions and widths) reach
    // the browser as style="…" and have no nonce to carry. An attribute cannot run script or
    // select other elements, so this does not reopen the CSS-injection channels.
    opts.dev ? "style-src 'self' 'unsafe-inline'" : `style-src 'self' 'nonce-${nonce}'`,
    "style-src-attr 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    // The preview's fetches (artifacts, validation sets) are same-origin; so is the worker.
    "connect-src 'self'",
    "worker-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    !!opts.secure && 'upgrade-insecure-requests',
  ]);
}

/**
 * For the preview worker's bootstrap script and the onnxruntime-web files (a threaded ORT starts
 * more workers from them). They import same-origin modules, fetch same-origin artifacts and wasm,
 * and compile that wasm: `'wasm-unsafe-eval'` allows WebAssembly compilation only, not eval().
 */
export const WORKER_POLICY = join([
  "default-src 'none'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "connect-src 'self'",
  "worker-src 'self' blob:",
  "frame-ancestors 'none'",
]);

/** API responses and generated images: documents never, so nothing may load from them. */
export const NO_CONTENT_POLICY = join(["default-src 'none'", "frame-ancestors 'none'"]);

/** Two years, subdomains included: sent only when the deployment says it is HTTPS-only. */
export const HSTS_VALUE = 'max-age=63072000; includeSubDomains';
