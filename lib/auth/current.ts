import 'server-only';
import { cookies, headers } from 'next/headers';
import { cache } from 'react';
import { forbidden, redirect } from 'next/navigation';
import { getDb } from '../db';
import { can, type Actor, type Permission } from './permissions';
import { SESSION_COOKIE, deleteSession, resolveRequestActor } from './sessions';
import { clientAddress, TooManyAttemptsError } from './throttle';

/**
 * The signed-in actor of the current request (session cookie or bearer token), or null. A bearer
 * token from an address in back-off counts as none here: pages and actions then ask to sign in.
 * Resolved once per request (React's cache): the console layout and its page each ask, and each
 * resolution is a session look-up on the database thread.
 */
export const getCurrentActor = cache(async function getCurrentActor(): Promise<Actor | null> {
  const [db, c, h] = await Promise.all([getDb(), cookies(), headers()]);
  try {
    return await resolveRequestActor(db, h.get('authorization'), c.get(SESSION_COOKIE)?.value, clientAddress(h));
  } catch (e) {
    if (e instanceof TooManyAttemptsError) return null;
    throw e;
  }
});

/** For pages: the actor, or a redirect to sign-in that comes back here afterwards. */
export async function requirePageActor(returnTo = '/'): Promise<Actor> {
  const actor = await getCurrentActor();
  if (!actor) redirect(`/sign-in?next=${encodeURIComponent(returnTo)}`);
  return actor;
}

/**
 * For pages a role may not open: the actor, or Next.js's forbidden(), which answers HTTP 403 and
 * renders the in-shell "Not allowed" page (app/(console)/forbidden.tsx) instead of the page.
 */
export async function requirePagePermission(permission: Permission, returnTo: string): Promise<Actor> {
  const actor = await requirePageActor(returnTo);
  if (!can(actor, permission)) forbidden();
  return actor;
}

/** Signs the current browser out: its session row goes, and so does the cookie. */
export async function endCurrentSession(): Promise<void> {
  const jar = await cookies();
  await deleteSession(await getDb(), jar.get(SESSION_COOKIE)?.value);
  jar.delete(SESSION_COOKIE);
}
