import type { Metadata } from 'next';
import Link from 'next/link';

export const metadata: Metadata = { title: 'Page not found' };

/**
 * notFound() in a console page (an unknown model, request or webhook) and every unknown console
 * address ([...missing]): HTTP 404, inside the shell, so the navigation is one click away.
 */
export default function ConsoleNotFound() {
  return (
    <div className="rounded-lg border border-slate-200 bg-white px-6 py-8">
      <h1 className="text-lg font-semibold">Page not found</h1>
      <p className="mt-1 text-sm text-slate-700">
        Nothing lives at this address: the link may be mistyped, or what it named was removed. Use the navigation above,
        or go to{' '}
        <Link href="/" className="font-medium text-indigo-800 underline">
          the console home
        </Link>
        .
      </p>
    </div>
  );
}
