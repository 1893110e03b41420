'use server';

import { revalidatePath } from 'next/cache';
import { z } from 'zod';
import { validatedAction } from '@/lib/auth/action';
import { markRead } from '@/lib/registry/notifications';

// Every role has an inbox; 'reviews.read' is the permission every role holds for the workflow.
// markRead itself scopes to the actor's own rows, whatever id is posted.

export const markReadAction = validatedAction(
  'reviews.read',
  z.object({ id: z.string().min(1).max(100) }),
  async ({ id }, { actor, db }) => {
    const n = await markRead(db, actor, [id]);
    revalidatePath('/', 'layout');
    return { ok: n === 1, message: n === 1 ? 'Marked read.' : 'Nothing to mark.', fieldErrors: {} };
  },
);

export const markAllReadAction = validatedAction('reviews.read', z.object({}), async (_input, { actor, db }) => {
  const n = await markRead(db, actor, 'all');
  revalidatePath('/', 'layout');
  return { ok: true, message: n ? `Marked ${n} read.` : 'Nothing unread.', fieldErrors: {} };
});
