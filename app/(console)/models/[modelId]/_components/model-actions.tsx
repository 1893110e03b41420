'use client';

import Link from 'next/link';
import { useActionState } from 'react';
import {
  breakGlassModelAction,
  deployApprovedRequestAction,
  validateModelAction,
} from '@/app/(console)/models/actions';
import { initialActionState } from '@/lib/auth/action-state';
import { dangerButton, Field, inputClass, primaryButton, secondaryButton } from '@/components/field';
import { DeploymentConfigFields } from './deployment-config-fields';
import { FormMessage } from '@/components/form-message';

// Validate, deploy and break-glass answer in one place at a time: the newest result replaces the last.
const MODEL_ACTIONS = 'model-actions';

export function ValidateButton({ modelId }: { modelId: string }) {
  const [state, action, pending] = useActionState(validateModelAction, initialActionState);
  return (
    <form action={action} className="flex flex-wrap items-center gap-3">
      <input type="hidden" name="modelId" value={modelId} />
      <button type="submit" disabled={pending} className={secondaryButton}>
        {pending ? 'Validating…' : 'Validate'}
      </button>
      {pending && (
        <span role="status" className="text-sm text-slate-600">
          Re-hashing, parsing and running the model in onnxruntime…
        </span>
      )}
      {!pending && <FormMessage state={state} section={MODEL_ACTIONS} />}
    </form>
  );
}

export type ApprovedRequestSummary = { id: string; environment: string; requesterName: string; options: string };

/**
 * The deployer's side of a model page: one "Deploy approved request" per approved deployment
 * request of this export (carried out with the options its reviewers approved), or why there is
 * nothing to deploy yet. One action state for the list, so the outcome stays on screen after the
 * deployed (or failed) request leaves it.
 */
export function DeployApprovedRequests({
  modelId,
  requests,
  awaitingReview,
}: {
  modelId: string;
  requests: ApprovedRequestSummary[];
  awaitingReview: number;
}) {
  const [state, action, pending] = useActionState(deployApprovedRequestAction, initialActionState);
  return (
    <div className="mt-3 space-y-3 text-sm">
      {requests.length > 0 ? (
        <ul className="space-y-3">
          {requests.map((r) => (
            <li key={r.id} className="rounded border border-emerald-200 p-3">
              <p>
                <Link className="text-indigo-800 underline" href={`/reviews/${r.id}`}>
                  Approved request to deploy to {r.environment}
                </Link>{' '}
                by {r.requesterName}: {r.options}.
              </p>
              <form action={action} className="mt-2">
                <input type="hidden" name="modelId" value={modelId} />
                <input type="hidden" name="requestId" value={r.id} />
                <button type="submit" disabled={pending} className={primaryButton}>
                  {pending ? 'Deploying…' : 'Deploy approved request'}
                </button>
              </form>
            </li>
          ))}
        </ul>
      ) : (
        <p className="rounded border border-amber-200 bg-amber-50 p-3 text-amber-900">
          No request to deploy this export is approved yet, so there is nothing to deploy. Open one with{' '}
          <a className="font-medium underline" href="#request-deployment">
            Request deployment
          </a>{' '}
          below
          {awaitingReview > 0
            ? ` (${awaitingReview} ${awaitingReview === 1 ? 'request is' : 'requests are'} awaiting review)`
            : ''}
          ; once reviewers approve it under the environment’s policy, deploy it here or from its review page.
        </p>
      )}
      {pending && (
        <p role="status" className="text-slate-600">
          Re-checking the policy, the bytes and validation, then deploying in one transaction…
        </p>
      )}
      {!pending && <FormMessage state={state} section={MODEL_ACTIONS} />}
    </div>
  );
}

/** An admin's break-glass deploy: no approvals, a written reason, flagged and audited everywhere. */
export function BreakGlassDeployForm({
  modelId,
  ageGroupMin,
  ageGroupMax,
}: {
  modelId: string;
  ageGroupMin: number;
  ageGroupMax: number;
}) {
  const [state, action, pending] = useActionState(breakGlassModelAction, initialActionState);
  const err = state.fieldErrors;
  return (
    <form action={action} className="space-y-3" noValidate aria-labelledby="break-glass-h">
      <input type="hidden" name="modelId" value={modelId} />
      <input type="hidden" name="ageGroupMin" value={ageGroupMin} />
      <input type="hidden" name="ageGroupMax" value={ageGroupMax} />
      <DeploymentConfigFields idPrefix="bg" errors={err.environment} validateLabel="Validate before deploying" />
      <Field
        id="bg-reason"
        label="Why this cannot wait for approvals"
        errors={err.reason}
        hint="At least 20 characters. Shown on the deployment, the model page and in the audit log."
      >
        <textarea
          id="bg-reason"
          name="reason"
          rows={3}
          className={inputClass}
          aria-invalid={!!err.reason}
          aria-describedby={err.reason ? 'bg-reason-error' : undefined}
        />
      </Field>
      <div className="flex flex-wrap items-center gap-3">
        <button type="submit" disabled={pending} className={dangerButton}>
          {pending ? 'Deploying…' : `Break glass: deploy ages ${ageGroupMin}–${ageGroupMax} without approvals`}
        </button>
        <FormMessage state={state} section={MODEL_ACTIONS} />
      </div>
    </form>
  );
}
