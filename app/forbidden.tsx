import type { Metadata } from 'next';
import { Forbidden } from '@/components/ui';

export const metadata: Metadata = { title: 'Not allowed' };

/** forbidden() outside the console (the console has its own, in its shell): HTTP 403. */
export default function RootForbidden() {
  return (
    <main className="mx-auto max-w-xl px-4 py-16">
      <Forbidden />
    </main>
  );
}
