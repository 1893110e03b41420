'use client';

import './globals.css';
import { ErrorNotice } from '@/components/error-notice';

/** The last-resort error page (the root layout itself failed): app/error.tsx's notice in its own document. */
export default function GlobalError({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <html lang="en">
      <body className="min-h-screen font-sans">
        <ErrorNotice lead="Drawbridge could not show this page." digest={error.digest} reset={reset} />
      </body>
    </html>
  );
}
