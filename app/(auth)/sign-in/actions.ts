'use server';

import { cookies, headers } from 'next/headers';
import { redirect } from 'next/navigation';
import { z } from 'zod';
import type { ActionState } from '@/lib/auth/action';
import { SESSION_COOKIE, authenticateUser, createSession, deleteSession } from '@/lib/auth/sessions';
import { getDb } from '@/lib/db';
import { recordAudit } from '@/lib/registry/audit';

const signInSchema = z.object({
  email: z.string().trim().email('Enter the email address of your account.'),
  password: z.string().min(1, 'Enter your password.'),
  next: z.string().optional(),
});

/** Only same-site paths: `next` comes from the URL and must not become an open redirect. */
function safeNext(next: string | undefined): string {
  return next && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/\\') ? next : '/';
}

export async function signIn(_prev: ActionState | undefined, formData: FormData): Promise<ActionState> {
  const parsed = signInSchema.safeParse(Object.fromEntries(formData));
  if (!parsed.success) {
    return { ok: false, message: 'Check the highlighted fields.', fieldErrors: z.flattenError(parsed.error).fieldErrors };
  }
  const db = await getDb();
  const actor = await authenticateUser(db, parsed.data.email, parsed.data.password);
  if (!actor) return { ok: false, message: 'That email and password do not match an active account.', fieldErrors: {} };
  const h = await headers();
  const { token, expiresAt } = await createSession(db, actor.id, h.get('user-agent'));
  await recordAudit(db, actor, { action: 'user.sign_in', subjectType: 'user', subjectId: actor.id });
  (await cookies()).set(SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: 'lax',
    secure: process.env.DRAWBRIDGE_SECURE_COOKIES === '1',
    path: '/',
    expires: expiresAt,
  });
  redirect(safeNext(parsed.data.next));
}

export async function signOut(): Promise<void> {
  const jar = await cookies();
  await deleteSession(await getDb(), jar.get(SESSION_COOKIE)?.value);
  jar.delete(SESSION_COOKIE);
  redirect('/sign-in');
}
