import type { Metadata } from 'next';
import { Forbidden } from '@/components/ui';
import { getCurrentActor } from '@/lib/auth/current';

export const metadata: Metadata = { title: 'Not allowed' };

/** forbidden() in a console page (requirePagePermission): HTTP 403, inside the shell, so the navigation stays. */
export default async function ConsoleForbidden() {
  const actor = await getCurrentActor();
  return <Forbidden role={actor?.role} />;
}
