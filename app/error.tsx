'use client';

import { ErrorNotice } from '@/components/error-notice';

/** The error page for anything under the root layout (Next.js's own would break the CSP). */
export default function ErrorPage({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return <ErrorNotice lead="The page could not be shown." digest={error.digest} reset={reset} />;
}
