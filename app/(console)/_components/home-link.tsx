import Link from 'next/link';

/** The "go further" link under a home panel (the full list lives on its own page). */
export function HomeLink({ href, children }: { href: string; children: React.ReactNode }) {
  return (
    <p className="mt-4 text-sm">
      <Link href={href} className="font-medium text-indigo-800 hover:underline">
        {children}
      </Link>
    </p>
  );
}
