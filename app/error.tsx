'use client';

/**
 * The error page for anything under the root layout. Replaces Next.js's built-in one, whose
 * inline <style> element carries no CSP nonce and so would be refused under the policy (proxy.ts).
 * The digest is the only detail shown: it matches the server's log line, and never a stack.
 */
export default function ErrorPage({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <main className="mx-auto max-w-xl px-4 py-16">
      <h1 className="text-xl font-semibold">Something went wrong</h1>
      <p className="mt-2 text-sm text-slate-600">
        The page could not be shown. Try again; if it keeps failing, send this reference to whoever runs Drawbridge
        {error.digest ? <>: <code className="rounded bg-slate-100 px-1">{error.digest}</code></> : '.'}
      </p>
      <button type="button" onClick={reset} className="mt-4 rounded-md border border-slate-300 px-3 py-1.5 text-sm hover:bg-slate-50">
        Try again
      </button>
    </main>
  );
}
