/**
 * Every spec imports `test` and `expect` from here, not from @playwright/test: the auto fixture
 * below watches every page of every browser context a test opens (the default `page` and those
 * from `browser.newContext()` / `browser.newPage()`), and fails the test if the browser reports a
 * Content-Security-Policy violation: a `securitypolicyviolation` event in a document, or the
 * "Refused to …" / "Content Security Policy" console message Chromium logs for pages and workers.
 */
import {
  test as base,
  expect,
  type Browser,
  type BrowserContext,
  type ConsoleMessage,
  type Page,
} from '@playwright/test';

export { expect };

export type CspViolation = { source: string; text: string };

const CSP_MESSAGE = /Content Security Policy|Content-Security-Policy|Refused to/i;
/** "Refused to get/set unsafe header": XHR and CORS, not CSP. */
const NOT_CSP = /Refused to (get|set) unsafe header/i;
const BINDING = '__drawbridgeCspViolation';

/** Runs in every document before its own scripts (Playwright injects it outside the page's CSP). */
function listenForViolations(binding: string) {
  document.addEventListener('securitypolicyviolation', (e) => {
    const report = (window as unknown as Record<string, (s: string) => void>)[binding];
    report?.(
      `${e.effectiveDirective} blocked ${e.blockedURI || 'inline'} at ${e.sourceFile || e.documentURI}:${e.lineNumber}${e.sample ? ` (${e.sample})` : ''}`,
    );
  });
}

function reportWorkerViolations() {
  self.addEventListener('securitypolicyviolation', (e) => {
    console.error(
      `Content Security Policy violation in a worker: ${e.effectiveDirective} blocked ${e.blockedURI || 'inline'} at ${e.sourceFile}:${e.lineNumber}`,
    );
  });
}

export const test = base.extend<{ cspViolations: CspViolation[]; cspGuard: void }>({
  cspViolations: async ({}, use) => {
    await use([]);
  },
  cspGuard: [
    async ({ context, browser, cspViolations }, use, testInfo) => {
      const watched = new WeakSet<BrowserContext>();
      const onConsole = (msg: ConsoleMessage) => {
        const text = msg.text();
        if (CSP_MESSAGE.test(text) && !NOT_CSP.test(text))
          cspViolations.push({ source: `console (${msg.type()}, ${msg.location().url || 'no location'})`, text });
      };
      // Chromium logs a worker's violations nowhere a test can see them: listen in the worker
      // and say it on its console (which the context reports). A violation before this listener
      // attaches is missed; the preview worker's first policy-governed step (importing
      // onnxruntime-web) waits for the page's message, so it comes after.
      const watchWorkers = (p: Page) =>
        p.on('worker', (w) => {
          w.evaluate(reportWorkerViolations).catch(() => {}); // a worker that already ended
        });
      const watch = async (ctx: BrowserContext) => {
        if (watched.has(ctx)) return;
        watched.add(ctx);
        // Context-level console covers every page and its workers.
        ctx.on('console', onConsole);
        ctx.on('page', watchWorkers);
        ctx.pages().forEach(watchWorkers);
        await ctx.exposeBinding(BINDING, ({ page }, text: string) => {
          cspViolations.push({ source: `securitypolicyviolation (${page?.url() ?? 'unknown page'})`, text });
        });
        await ctx.addInitScript(listenForViolations, BINDING);
      };
      await watch(context);

      // Contexts a test makes itself: instrumented as they are created, for this test only.
      const b = browser as Browser & { newContext: Browser['newContext']; newPage: Browser['newPage'] };
      const { newContext, newPage } = b;
      b.newContext = async (...args) => {
        const ctx = await newContext.apply(browser, args);
        await watch(ctx);
        return ctx;
      };
      b.newPage = async (...args) => {
        const p = await newPage.apply(browser, args);
        await watch(p.context());
        return p;
      };
      try {
        await use();
      } finally {
        b.newContext = newContext;
        b.newPage = newPage;
      }
      if (cspViolations.length) {
        await testInfo.attach('csp-violations', {
          body: JSON.stringify(cspViolations, null, 2),
          contentType: 'application/json',
        });
      }
      expect(cspViolations, `Content-Security-Policy violations reported in "${testInfo.title}"`).toEqual([]);
    },
    { auto: true },
  ],
});
