'use server';

import { revalidatePath } from 'next/cache';
import { z } from 'zod';
import { validatedAction } from '@/lib/auth/action';
import { ENVIRONMENTS } from '@/lib/registry/deploy';
import { setReviewPolicy } from '@/lib/registry/requests';

export const setReviewPolicyAction = validatedAction(
  'policy.manage',
  z.object({
    environment: z.enum(ENVIRONMENTS, { message: 'Choose production or staging.' }),
    requiredApprovals: z.coerce
      .number({ message: 'Enter a number.' })
      .int('Whole approvals only.')
      .min(1, 'At least 1 approval.')
      .max(10, 'At most 10 approvals.'),
    requirePreviewSummary: z.preprocess((v) => v === 'on' || v === 'true', z.boolean()),
  }),
  async (input, { actor, db }) => {
    await setReviewPolicy(db, actor, input);
    revalidatePath('/settings/policy');
    revalidatePath('/reviews');
    return {
      ok: true,
      message: `Saved the ${input.environment} policy; requests under review there were re-evaluated.`,
      fieldErrors: {},
    };
  },
);
