/**
 * How every Playwright run here launches Debian's Chromium (Playwright never downloads a browser
 * here): playwright.config.ts and `npm run bench:preview` both use it, so the bench measures the
 * browser the e2e specs run.
 */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

export const CHROMIUM_ARGS: readonly string[] = [
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/** Headless Chromium offers a WebGPU adapter only with this flag (SwiftShader where no GPU is). */
export const WEBGPU_ARG = '--enable-unsafe-webgpu';
