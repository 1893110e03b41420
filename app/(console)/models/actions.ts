'use server';

import { revalidatePath } from 'next/cache';
import { redirect } from 'next/navigation';
import { z } from 'zod';
import { validatedAction } from '@/lib/auth/action';
import { ENVIRONMENTS, rollbackDeployment, undeployModel } from '@/lib/registry/deploy';
import { deployByConfig } from '@/lib/registry/deploy-entry';
import { exportFromJobSchema, exportModelFromTrainingJob } from '@/lib/registry/exports';
import { createShareLink, revokeShareLink } from '@/lib/registry/share-links';
import { breakGlassReasonSchema, deployFromRequest, validateAndReconcile } from '@/lib/registry/requests';
import { getStore } from '@/lib/storage';

/** Checkboxes post "on" when checked and nothing when not. */
const checkbox = z.preprocess((v) => v === 'on' || v === 'true' || v === true, z.boolean());

export const exportModelAction = validatedAction('models.export', exportFromJobSchema, async (input, { actor, db }) => {
  const e = await exportModelFromTrainingJob(db, getStore(), actor, input);
  revalidatePath('/models');
  redirect(`/models/${e.modelId}`);
});

export const validateModelAction = validatedAction(
  'models.validate',
  z.object({ modelId: z.string().min(1) }),
  async ({ modelId }, { actor, db }) => {
    const { result: v, reconciled } = await validateAndReconcile(db, getStore(), actor, modelId);
    // A new validation run lapses approvals bound to the previous one.
    if (reconciled) revalidatePath('/reviews', 'layout');
    revalidatePath(`/models/${modelId}`);
    return {
      ok: v.is_valid,
      message: v.is_valid ? `Valid: ${warningCount(v.warnings.length)}.` : `Invalid: ${v.errors.join('; ')}`,
      fieldErrors: {},
    };
  },
);

/** "0 warnings", "1 warning", "3 warnings". */
function warningCount(n: number): string {
  return `${n} warning${n === 1 ? '' : 's'}`;
}

function refreshDeploy(modelId: string) {
  revalidatePath(`/models/${modelId}`);
  revalidatePath('/deployments');
  revalidatePath('/reviews', 'layout');
}

/**
 * "Deploy approved request" on a model page: carries out that approved deployment request, with
 * the replace/backup/validate flags its reviewers approved, re-checked in the deploy transaction.
 */
export const deployApprovedRequestAction = validatedAction(
  'deployments.write',
  z.object({ modelId: z.string().min(1), requestId: z.string().min(1, 'Missing request id.') }),
  async ({ modelId, requestId }, { actor, db }) => {
    try {
      const r = await deployFromRequest(db, getStore(), actor, requestId);
      const env = r.deployment_path.split('/')[1]; // deployments/<environment>/<ages>/<file>
      return {
        ok: true,
        message: `Deployed to ${env} as deployment ${r.deployment_id} (threshold ${r.threshold.toPrecision(4)} from ${r.sample_count} samples).`,
        fieldErrors: {},
      };
    } finally {
      // A deploy that fails marks the request failed, with its reason: the page shows it either way.
      refreshDeploy(modelId);
      revalidatePath(`/reviews/${requestId}`);
    }
  },
);

/**
 * An admin's break-glass deploy from a model page: opens a request for this config and deploys it
 * without approvals, with the written reason flagged on the deployment and audited. (Where an
 * approved request for the config exists, deployByConfig deploys that one instead.)
 */
export const breakGlassModelAction = validatedAction(
  'deployments.break_glass',
  z.object({
    modelId: z.string().min(1),
    ageGroupMin: z.coerce.number(),
    ageGroupMax: z.coerce.number(),
    environment: z.enum(ENVIRONMENTS, { message: 'Choose production or staging.' }),
    replaceExisting: checkbox,
    backupExisting: checkbox,
    validateBeforeDeployment: checkbox,
    reason: breakGlassReasonSchema,
  }),
  async (input, { actor, db }) => {
    try {
      const r = await deployByConfig(
        db,
        getStore(),
        actor,
        {
          model_id: input.modelId,
          age_group_min: input.ageGroupMin,
          age_group_max: input.ageGroupMax,
          deployment_environment: input.environment,
          replace_existing: input.replaceExisting,
          backup_existing: input.backupExisting,
          validate_before_deployment: input.validateBeforeDeployment,
        },
        { breakGlassReason: input.reason },
      );
      const brokeGlass = r.warnings.includes('break-glass: deployed without approvals');
      return {
        ok: true,
        message: brokeGlass
          ? `Deployed to ${input.environment} with break-glass as deployment ${r.deployment_id}, without approvals; flagged and audited.`
          : `An approved request existed, so it was deployed instead (deployment ${r.deployment_id}, no break-glass).`,
        fieldErrors: {},
      };
    } finally {
      refreshDeploy(input.modelId);
    }
  },
);

export const undeployAction = validatedAction(
  'deployments.write',
  z.object({ deploymentId: z.coerce.number().int().positive() }),
  async ({ deploymentId }, { actor, db }) => {
    const ok = await undeployModel(db, actor, deploymentId);
    revalidatePath('/deployments');
    return ok
      ? { ok: true, message: `Deployment ${deploymentId} undeployed.`, fieldErrors: {} }
      : { ok: false, message: `Deployment ${deploymentId} is not active.`, fieldErrors: {} };
  },
);

export const rollbackAction = validatedAction(
  'deployments.write',
  z.object({ ageGroupMin: z.coerce.number(), ageGroupMax: z.coerce.number(), environment: z.enum(ENVIRONMENTS) }),
  async (input, { actor, db }) => {
    const r = await rollbackDeployment(db, getStore(), actor, {
      age_group_min: input.ageGroupMin,
      age_group_max: input.ageGroupMax,
      deployment_environment: input.environment,
    });
    revalidatePath('/deployments');
    return {
      ok: true,
      message: `Rolled back: ${r.restored.model_id} serves ages ${input.ageGroupMin}–${input.ageGroupMax} again.`,
      fieldErrors: {},
    };
  },
);

export const createShareLinkAction = validatedAction(
  'share.manage',
  z.object({
    modelId: z.string().min(1),
    expiresInDays: z.preprocess(
      (v) => (v === '' ? undefined : v),
      z.coerce.number().int('Whole days only.').min(1, 'At least 1 day.').max(365, 'At most 365 days.').optional(),
    ),
  }),
  async ({ modelId, expiresInDays }, { actor, db }) => {
    const { token } = await createShareLink(db, actor, modelId, { expiresInDays });
    revalidatePath(`/models/${modelId}`);
    return {
      ok: true,
      message: 'Share link created. Copy it now: it is shown only once.',
      fieldErrors: {},
      data: { path: `/share/${token}` },
    };
  },
);

export const revokeShareLinkAction = validatedAction(
  'share.manage',
  z.object({ shareLinkId: z.string().min(1), modelId: z.string().min(1) }),
  async ({ shareLinkId, modelId }, { actor, db }) => {
    const ok = await revokeShareLink(db, actor, shareLinkId);
    revalidatePath(`/models/${modelId}`);
    return ok
      ? { ok: true, message: 'Link revoked: it no longer opens the page.', fieldErrors: {} }
      : { ok: false, message: 'That link was already revoked.', fieldErrors: {} };
  },
);
