'use server';

import { revalidatePath } from 'next/cache';
import { z } from 'zod';
import { validatedAction } from '@/lib/auth/action';
import { ROLES } from '@/lib/auth/permissions';
import { createUser, newUserSchema, resetPassword, setUserDisabled, setUserRole } from '@/lib/registry/users';

const id = z.string().min(1).max(100);

// An empty password field means "generate one".
const createSchema = newUserSchema.extend({
  password: z.preprocess((v) => (v === '' || v === null ? undefined : v), newUserSchema.shape.password),
});

const revalidate = () => revalidatePath('/settings/users');

export const createUserAction = validatedAction('users.manage', createSchema, async (input, { actor, db }) => {
  const { user, generatedPassword } = await createUser(db, actor, input);
  revalidate();
  return {
    ok: true,
    message: generatedPassword
      ? `Created ${user.email} (${user.role}). Copy the password now and pass it on safely: it is shown only once.`
      : `Created ${user.email} (${user.role}) with the password you chose.`,
    fieldErrors: {},
    data: { email: user.email, password: generatedPassword },
  };
});

export const setUserRoleAction = validatedAction(
  'users.manage',
  z.object({ id, role: z.enum(ROLES, { message: `Choose one of: ${ROLES.join(', ')}.` }) }),
  async (input, { actor, db }) => {
    const { user, changed } = await setUserRole(db, actor, input.id, input.role);
    revalidate();
    return {
      ok: true,
      message: changed ? `${user.email} is now ${user.role}.` : `${user.email} already is ${user.role}.`,
      fieldErrors: {},
    };
  },
);

export const setUserDisabledAction = validatedAction(
  'users.manage',
  z.object({ id, disabled: z.enum(['true', 'false']) }),
  async (input, { actor, db }) => {
    const r = await setUserDisabled(db, actor, input.id, input.disabled === 'true');
    revalidate();
    const message = !r.changed
      ? `${r.user.email} already is ${r.user.disabledAt ? 'disabled' : 'active'}.`
      : r.user.disabledAt
        ? `Disabled ${r.user.email}: signed out of ${r.sessionsEnded} session${r.sessionsEnded === 1 ? '' : 's'}, ${r.tokensRevoked} API token${r.tokensRevoked === 1 ? '' : 's'} revoked.`
        : `Enabled ${r.user.email}: they can sign in again.`;
    return { ok: true, message, fieldErrors: {} };
  },
);

export const resetPasswordAction = validatedAction('users.manage', z.object({ id }), async (input, { actor, db }) => {
  const r = await resetPassword(db, actor, input.id);
  revalidate();
  return {
    ok: true,
    message: `New password for ${r.user.email}; their sessions have ended. Copy it now: it is shown only once.`,
    fieldErrors: {},
    data: { password: r.password },
  };
});
