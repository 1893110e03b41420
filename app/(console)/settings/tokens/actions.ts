'use server';

import { revalidatePath } from 'next/cache';
import { z } from 'zod';
import { validatedAction } from '@/lib/auth/action';
import { createApiToken, revokeApiToken } from '@/lib/auth/sessions';
import { recordAudit } from '@/lib/registry/audit';

const createSchema = z.object({
  name: z.string().trim().min(1, 'Name the token after what will use it, e.g. "nightly pipeline".').max(100),
  expiresInDays: z.coerce
    .number()
    .int()
    .min(1, 'At least 1 day.')
    .max(365, 'At most 365 days.')
    .optional()
    .or(z.literal('').transform(() => undefined)),
});

export const createTokenAction = validatedAction('tokens.own', createSchema, async (input, { actor, db }) => {
  const expiresAt = input.expiresInDays ? new Date(Date.now() + input.expiresInDays * 86400_000) : null;
  const { token, record } = await createApiToken(db, actor, input.name, expiresAt);
  await recordAudit(db, actor, {
    action: 'api_token.create',
    subjectType: 'api_token',
    subjectId: record.id,
    after: { name: record.name, prefix: record.prefix },
  });
  revalidatePath('/settings/tokens');
  return { ok: true, message: 'Token created. Copy it now: it is shown only once.', fieldErrors: {}, data: { token } };
});

export const revokeTokenAction = validatedAction(
  'tokens.own',
  z.object({ id: z.string().min(1) }),
  async ({ id }, { actor, db }) => {
    if (!(await revokeApiToken(db, actor, id)))
      return { ok: false, message: 'No such active token of yours.', fieldErrors: {} };
    await recordAudit(db, actor, { action: 'api_token.revoke', subjectType: 'api_token', subjectId: id });
    revalidatePath('/settings/tokens');
    return { ok: true, message: 'Token revoked.', fieldErrors: {} };
  },
);
