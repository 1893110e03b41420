'use client';

/**
 * What app/error.tsx and app/global-error.tsx show: our own markup, because Next.js's built-in error
 * pages use an inline <style> element without the CSP nonce (proxy.ts). The digest is the only detail
 * shown: it matches the server's log line, and never a stack.
 */
export function ErrorNotice({ lead, digest, reset }: { lead: string; digest?: string; reset: () => void }) {
  return (
    <main className="mx-auto max-w-xl px-4 py-16">
      <h1 className="text-xl font-semibold">Something went wrong</h1>
      <p className="mt-2 text-sm text-slate-600">
        {lead} Try again; if it keeps failing, send this reference to whoever runs Drawbridge
        {digest ? (
          <>
            : <code className="rounded bg-slate-100 px-1">{digest}</code>
          </>
        ) : (
          '.'
        )}
      </p>
      <button
        type="button"
        onClick={reset}
        className="mt-4 rounded-md border border-slate-300 px-3 py-1.5 text-sm hover:bg-slate-50"
      >
        Try again
      </button>
    </main>
  );
}
