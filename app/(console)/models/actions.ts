'use server';

import { revalidatePath } from 'next/cache';
import { redirect } from 'next/navigation';
import { z } from 'zod';
import { validatedAction } from '@/lib/auth/action';
import { getDb } from '@/lib/db';
import { deployModel, ENVIRONMENTS, rollbackDeployment, undeployModel } from '@/lib/registry/deploy';
import { exportFromJobSchema, exportModelFromTrainingJob } from '@/lib/registry/exports';
import { createShareLink, revokeShareLink } from '@/lib/registry/share-links';
import { reconcileExportRequests } from '@/lib/registry/requests';
import { validateExportedModel } from '@/lib/registry/validate';
import { getStore } from '@/lib/storage';

/** Checkboxes post "on" when checked and nothing when not. */
const checkbox = z.preprocess((v) => v === 'on' || v === 'true' || v === true, z.boolean());

export const exportModelAction = validatedAction('models.export', exportFromJobSchema, async (input, actor) => {
  const e = await exportModelFromTrainingJob(await getDb(), getStore(), actor, input);
  revalidatePath('/models');
  redirect(`/models/${e.modelId}`);
});

export const validateModelAction = validatedAction('models.validate', z.object({ modelId: z.string().min(1) }), async ({ modelId }, actor) => {
  const v = await validateExportedModel(await getDb(), getStore(), actor, modelId);
  // A new validation run lapses approvals bound to the previous one.
  if (await reconcileExportRequests(await getDb(), actor, modelId)) revalidatePath('/reviews', 'layout');
  revalidatePath(`/models/${modelId}`);
  return {
    ok: v.is_valid,
    message: v.is_valid ? `Valid: ${v.warnings.length} warning(s).` : `Invalid: ${v.errors.join('; ')}`,
    fieldErrors: {},
  };
});

const deploySchema = z.object({
  modelId: z.string().min(1),
  ageGroupMin: z.coerce.number(),
  ageGroupMax: z.coerce.number(),
  environment: z.enum(ENVIRONMENTS, { message: 'Choose production or staging.' }),
  replaceExisting: checkbox,
  backupExisting: checkbox,
  validateBeforeDeployment: checkbox,
});

export const deployModelAction = validatedAction('deployments.write', deploySchema, async (input, actor) => {
  const r = await deployModel(await getDb(), getStore(), actor, {
    model_id: input.modelId,
    age_group_min: input.ageGroupMin,
    age_group_max: input.ageGroupMax,
    deployment_environment: input.environment,
    replace_existing: input.replaceExisting,
    backup_existing: input.backupExisting,
    validate_before_deployment: input.validateBeforeDeployment,
  });
  revalidatePath(`/models/${input.modelId}`);
  revalidatePath('/deployments');
  return {
    ok: true,
    message: `Deployed to ${input.environment} as deployment ${r.deployment_id} (threshold ${r.threshold.toPrecision(4)} from ${r.sample_count} samples).`,
    fieldErrors: {},
  };
});

export const undeployAction = validatedAction('deployments.write', z.object({ deploymentId: z.coerce.number().int().positive() }), async ({ deploymentId }, actor) => {
  const ok = await undeployModel(await getDb(), actor, deploymentId);
  revalidatePath('/deployments');
  return ok
    ? { ok: true, message: `Deployment ${deploymentId} undeployed.`, fieldErrors: {} }
    : { ok: false, message: `Deployment ${deploymentId} is not active.`, fieldErrors: {} };
});

export const rollbackAction = validatedAction(
  'deployments.write',
  z.object({ ageGroupMin: z.coerce.number(), ageGroupMax: z.coerce.number(), environment: z.enum(ENVIRONMENTS) }),
  async (input, actor) => {
    const r = await rollbackDeployment(await getDb(), getStore(), actor, {
      age_group_min: input.ageGroupMin,
      age_group_max: input.ageGroupMax,
      deployment_environment: input.environment,
    });
    revalidatePath('/deployments');
    return { ok: true, message: `Rolled back: ${r.restored.model_id} serves ages ${input.ageGroupMin}–${input.ageGroupMax} again.`, fieldErrors: {} };
  },
);

export const createShareLinkAction = validatedAction(
  'share.manage',
  z.object({
    modelId: z.string().min(1),
    expiresInDays: z.preprocess((v) => (v === '' ? undefined : v), z.coerce.number().int('Whole days only.').min(1, 'At least 1 day.').max(365, 'At most 365 days.').optional()),
  }),
  async ({ modelId, expiresInDays }, actor) => {
    const { token } = await createShareLink(await getDb(), actor, modelId, { expiresInDays });
    revalidatePath(`/models/${modelId}`);
    return { ok: true, message: 'Share link created. Copy it now: it is shown only once.', fieldErrors: {}, data: { path: `/share/${token}` } };
  },
);

export const revokeShareLinkAction = validatedAction('share.manage', z.object({ shareLinkId: z.string().min(1), modelId: z.string().min(1) }), async ({ shareLinkId, modelId }, actor) => {
  const ok = await revokeShareLink(await getDb(), actor, shareLinkId);
  revalidatePath(`/models/${modelId}`);
  return ok ? { ok: true, message: 'Link revoked: it no longer opens the page.', fieldErrors: {} } : { ok: false, message: 'That link was already revoked.', fieldErrors: {} };
});
