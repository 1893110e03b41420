import 'server-only';
import { z } from 'zod';
import { getCurrentActor } from './current';
import { AuthError, requirePermission, type Actor, type Permission } from './permissions';
import { getDb, type Db } from '../db';
import { describeError } from '../errors';

import type { ActionState, FormAction } from './action-state';

export type { ActionState, FormAction } from './action-state';

/** What an action's body gets from the wrapper: the permitted actor and the database. */
export type ActionContext = { actor: Actor; db: Db };

/**
 * The one action wrapper (after saas-starter's validatedActionWithUser): parses FormData with zod
 * (every field error, not the first), checks the permission inside the action, and turns domain
 * errors into a message a person can act on. A direct POST to the action gets the same checks.
 */
export function validatedAction<S extends z.ZodType, T>(
  permission: Permission,
  schema: S,
  run: (input: z.infer<S>, ctx: ActionContext) => Promise<ActionState<T> | void>,
): FormAction<T> {
  return async (_prev, formData) => {
    const [actor, db] = await Promise.all([getCurrentActor(), getDb()]);
    try {
      requirePermission(actor, permission);
    } catch (e) {
      return { ok: false, message: (e as AuthError).message, fieldErrors: {} };
    }
    const parsed = schema.safeParse(Object.fromEntries(formData));
    if (!parsed.success) {
      const flat = z.flattenError(parsed.error);
      return {
        ok: false,
        message: flat.formErrors[0] ?? 'Some fields need attention.',
        fieldErrors: flat.fieldErrors as Record<string, string[] | undefined>,
      };
    }
    try {
      return (await run(parsed.data, { actor, db })) ?? { ok: true, message: 'Done.', fieldErrors: {} };
    } catch (e) {
      const described = describeError(e);
      if (described) {
        const { message, field } = described;
        return { ok: false, message, fieldErrors: field ? { [field]: [message] } : {} };
      }
      // redirect()/notFound() from inside an action must propagate to Next.js
      throw e;
    }
  };
}

/**
 * For the one form used before there is an actor (sign-in): no permission to check and its own
 * parsing (its messages never say whether an account exists), but the database from here, as
 * every wrapped action gets it.
 */
export function unauthenticatedAction<T>(
  run: (formData: FormData, ctx: { db: Db }) => Promise<ActionState<T>>,
): FormAction<T> {
  return async (_prev, formData) => run(formData, { db: await getDb() });
}
