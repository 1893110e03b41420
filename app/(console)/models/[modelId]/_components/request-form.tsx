'use client';

import { useActionState } from 'react';
import { createRequestAction } from '@/app/(console)/reviews/actions';
import { initialActionState } from '@/lib/auth/action-state';
import { Field, inputClass, primaryButton, secondaryButton } from '@/components/field';
import { DeploymentConfigFields } from './deployment-config-fields';
import { FormMessage } from '@/components/form-message';

/** "Request deployment" on a model page: the export's ModelDeploymentConfig plus a rationale. */
export function RequestDeploymentForm({
  modelId,
  ageGroupMin,
  ageGroupMax,
}: {
  modelId: string;
  ageGroupMin: number;
  ageGroupMax: number;
}) {
  const [state, action, pending] = useActionState(createRequestAction, initialActionState);
  const err = state.fieldErrors;
  return (
    <form action={action} className="space-y-3" noValidate>
      <input type="hidden" name="modelId" value={modelId} />
      <p className="text-sm text-slate-600">
        Ages {ageGroupMin}–{ageGroupMax} (the export’s range). Reviewers approve these exact bytes; a deployer deploys
        once the environment’s policy is met.
      </p>
      <DeploymentConfigFields idPrefix="req" errors={err.environment} validateLabel="Validate again when deploying" />
      <Field
        id="req-rationale"
        label="Rationale"
        errors={err.rationale}
        hint="Why this model, why now: what changed, what you checked."
      >
        <textarea
          id="req-rationale"
          name="rationale"
          rows={3}
          required
          className={inputClass}
          aria-invalid={!!err.rationale}
          aria-describedby={err.rationale ? 'req-rationale-error' : undefined}
        />
      </Field>
      <div className="flex flex-wrap items-center gap-3">
        <button type="submit" name="intent" value="submit" disabled={pending} className={primaryButton}>
          {pending ? 'Requesting…' : 'Request deployment'}
        </button>
        <button type="submit" name="intent" value="draft" disabled={pending} className={secondaryButton}>
          Save as draft
        </button>
        <FormMessage state={state} />
      </div>
    </form>
  );
}
