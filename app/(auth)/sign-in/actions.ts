'use server';

import { cookies, headers } from 'next/headers';
import { redirect } from 'next/navigation';
import { z } from 'zod';
import { unauthenticatedAction } from '@/lib/auth/action';
import { endCurrentSession } from '@/lib/auth/current';
import { safeRedirectPath } from '@/lib/auth/safe-redirect';
import { SESSION_COOKIE, attemptSignIn, createSession } from '@/lib/auth/sessions';
import { clientAddress, waitText } from '@/lib/auth/throttle';
import { publicUrl } from '@/lib/config';
import { recordAudit } from '@/lib/registry/audit';

const signInSchema = z.object({
  email: z.string().trim().email('Enter the email address of your account.'),
  password: z.string().min(1, 'Enter your password.'),
  next: z.string().optional(),
});

export const signIn = unauthenticatedAction(async (formData, { db }) => {
  const parsed = signInSchema.safeParse(Object.fromEntries(formData));
  if (!parsed.success) {
    return {
      ok: false,
      message: 'Check the highlighted fields.',
      fieldErrors: z.flattenError(parsed.error).fieldErrors,
    };
  }
  const h = await headers();
  const result = await attemptSignIn(db, parsed.data.email, parsed.data.password, clientAddress(h));
  if (!result.ok && result.reason === 'throttled') {
    // The same words whether the account exists or not; the time is when a retry will be checked.
    const at = new Date(Date.now() + result.retryAfterSeconds * 1000).toISOString().slice(11, 19);
    const who = result.scope === 'account' ? 'this account' : 'your network address';
    return {
      ok: false,
      message: `Too many failed sign-ins for ${who}. Try again in ${waitText(result.retryAfterSeconds)} (after ${at} UTC); until then even the right password is refused.`,
      fieldErrors: {},
      data: { code: 'too_many_attempts', retryAfterSeconds: result.retryAfterSeconds },
    };
  }
  if (!result.ok)
    return { ok: false, message: 'That email and password do not match an active account.', fieldErrors: {} };
  const { actor } = result;
  const { token, expiresAt } = await createSession(db, actor.id, h.get('user-agent'));
  await recordAudit(db, actor, { action: 'user.sign_in', subjectType: 'user', subjectId: actor.id });
  (await cookies()).set(SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: 'lax',
    secure: process.env.DRAWBRIDGE_SECURE_COOKIES === '1',
    path: '/',
    expires: expiresAt,
  });
  // `next` is anyone's to set: only a same-origin path is followed (lib/auth/safe-redirect.ts).
  redirect(safeRedirectPath(parsed.data.next, publicUrl().origin));
});

export async function signOut(): Promise<void> {
  await endCurrentSession();
  redirect('/sign-in');
}
