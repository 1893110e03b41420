'use server';

import { revalidatePath } from 'next/cache';
import { z } from 'zod';
import { validatedAction } from '@/lib/auth/action';
import { retireSigningKey, rotateSigningKey } from '@/lib/registry/signing-keys';

const revalidate = () => revalidatePath('/settings/keys');

export const rotateSigningKeyAction = validatedAction('keys.manage', z.object({}), async (_input, { actor, db }) => {
  const key = await rotateSigningKey(db, actor);
  revalidate();
  return {
    ok: true,
    message: `Key ${key.id} (generation ${key.generation}) signs new links now. Links signed with older keys keep opening until you retire those keys.`,
    fieldErrors: {},
  };
});

export const retireSigningKeyAction = validatedAction(
  'keys.manage',
  z.object({ id: z.string().min(1).max(100) }),
  async (input, { actor, db }) => {
    const key = await retireSigningKey(db, actor, input.id);
    revalidate();
    return {
      ok: true,
      message: `Retired key ${key.id} (generation ${key.generation}): the links it signed no longer open.`,
      fieldErrors: {},
    };
  },
);
