import Link from 'next/link';

/**
 * The 404 page for every path without its own. Replaces Next.js's built-in one, whose inline
 * <style> element carries no CSP nonce and so would be refused under the policy (proxy.ts).
 */
export default function NotFound() {
  return (
    <main className="mx-auto max-w-xl px-4 py-16">
      <h1 className="text-xl font-semibold">Page not found</h1>
      <p className="mt-2 text-sm text-slate-600">
        Nothing lives at this address. Check the link, or start again from the console.
      </p>
      <p className="mt-4 text-sm">
        <Link href="/" className="text-indigo-700 hover:underline">
          Go to the console
        </Link>
      </p>
    </main>
  );
}
