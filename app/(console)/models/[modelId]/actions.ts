'use server';

import { revalidatePath } from 'next/cache';
import { z } from 'zod';
import { validatedAction } from '@/lib/auth/action';
import { getModelExport } from '@/lib/registry/exports';
import { saveModelCard } from '@/lib/registry/model-card';

/**
 * "Save card" on a model page: a new version on top of the one the editor opened (baseVersion), so
 * a teammate's save in between is reported (model_card_conflict) instead of overwritten.
 */
export const saveModelCardAction = validatedAction(
  'model_cards.write',
  z.object({
    modelId: z.string().min(1),
    markdown: z.string({ message: 'Write the model card.' }),
    baseVersion: z.coerce.number().int().min(0),
  }),
  async ({ modelId, markdown, baseVersion }, { actor, db }) => {
    const exp = await getModelExport(db, actor, modelId);
    const saved = await saveModelCard(db, actor, exp.id, markdown, { baseVersion });
    revalidatePath(`/models/${modelId}`);
    return {
      ok: true,
      message: saved.changed
        ? `Saved version ${saved.version}.`
        : `No changes: version ${saved.version} already says this.`,
      fieldErrors: {},
      data: { version: saved.version },
    };
  },
);
