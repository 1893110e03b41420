'use client';

import './globals.css';

/** The last-resort error page (the root layout itself failed): the same as app/error.tsx, with its own document. */
export default function GlobalError({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <html lang="en">
      <body className="min-h-screen font-sans">
        <main className="mx-auto max-w-xl px-4 py-16">
          <h1 className="text-xl font-semibold">Something went wrong</h1>
          <p className="mt-2 text-sm text-slate-600">
            Drawbridge could not show this page. Try again; if it keeps failing, send this reference to whoever runs it
            {error.digest ? <>: <code className="rounded bg-slate-100 px-1">{error.digest}</code></> : '.'}
          </p>
          <button type="button" onClick={reset} className="mt-4 rounded-md border border-slate-300 px-3 py-1.5 text-sm hover:bg-slate-50">
            Try again
          </button>
        </main>
      </body>
    </html>
  );
}
