'use client';

import { useActionState } from 'react';
import {
  amendRequestAction,
  breakGlassDeployAction,
  deployRequestAction,
  submitRequestAction,
  withdrawRequestAction,
} from '@/app/(console)/reviews/actions';
import { initialActionState } from '@/lib/auth/action-state';
import { dangerButton, Field, inputClass, primaryButton, secondaryButton } from '@/components/field';
import { FormMessage } from '@/components/form-message';

export function SubmitRequestButton({ requestId, label = 'Submit for review' }: { requestId: string; label?: string }) {
  const [state, action, pending] = useActionState(submitRequestAction, initialActionState);
  return (
    <form action={action} className="flex flex-wrap items-center gap-3">
      <input type="hidden" name="requestId" value={requestId} />
      <button type="submit" disabled={pending} className={primaryButton}>
        {pending ? 'Submitting…' : label}
      </button>
      <FormMessage state={state} />
    </form>
  );
}

export function WithdrawRequestForm({ requestId }: { requestId: string }) {
  const [state, action, pending] = useActionState(withdrawRequestAction, initialActionState);
  return (
    <form action={action} className="space-y-2" noValidate>
      <input type="hidden" name="requestId" value={requestId} />
      <Field id="withdraw-reason" label="Reason (optional)" errors={state.fieldErrors.reason}>
        <input id="withdraw-reason" name="reason" className={inputClass} aria-invalid={!!state.fieldErrors.reason} />
      </Field>
      <div className="flex flex-wrap items-center gap-3">
        <button type="submit" disabled={pending} className={dangerButton}>
          {pending ? 'Withdrawing…' : 'Withdraw request'}
        </button>
        <FormMessage state={state} />
      </div>
    </form>
  );
}

/** The flags a requester may amend, with the labels the request form uses. */
const AMEND_FLAGS = [
  ['replaceExisting', 'Replace the active model of this age range'],
  ['backupExisting', 'Keep the replaced model as a restorable backup'],
  ['validateBeforeDeployment', 'Validate again when deploying'],
] as const;
export type AmendFlags = Record<(typeof AMEND_FLAGS)[number][0], boolean>;

export function AmendRequestForm({
  requestId,
  exports,
  flags,
}: {
  requestId: string;
  exports: { modelId: string; label: string }[];
  flags: AmendFlags;
}) {
  const [state, action, pending] = useActionState(amendRequestAction, initialActionState);
  const err = state.fieldErrors;
  return (
    <form action={action} className="space-y-2" noValidate>
      <input type="hidden" name="requestId" value={requestId} />
      <fieldset className="space-y-1 text-sm">
        <legend className="text-xs font-medium text-slate-700">
          Deployment options (approvals stay: they bind to the bytes)
        </legend>
        {AMEND_FLAGS.map(([name, label]) => (
          <label key={name} className="flex items-center gap-2">
            <input type="checkbox" name={name} defaultChecked={flags[name]} /> {label}
          </label>
        ))}
      </fieldset>
      <Field
        id="amend-model"
        label="Another export of the same age range (optional)"
        errors={err.modelId}
        hint="Points the request at other bytes: approvals of the current bytes lapse."
      >
        <select
          id="amend-model"
          name="modelId"
          defaultValue=""
          className={inputClass}
          aria-invalid={!!err.modelId}
          aria-describedby={err.modelId ? 'amend-model-error' : undefined}
        >
          <option value="">Keep the current export</option>
          {exports.map((e) => (
            <option key={e.modelId} value={e.modelId}>
              {e.label}
            </option>
          ))}
        </select>
      </Field>
      <Field id="amend-rationale" label="New rationale (optional)" errors={err.rationale}>
        <textarea
          id="amend-rationale"
          name="rationale"
          rows={2}
          className={inputClass}
          aria-invalid={!!err.rationale}
          aria-describedby={err.rationale ? 'amend-rationale-error' : undefined}
        />
      </Field>
      <div className="flex flex-wrap items-center gap-3">
        <button type="submit" disabled={pending} className={secondaryButton}>
          {pending ? 'Amending…' : 'Amend request'}
        </button>
        <FormMessage state={state} />
      </div>
    </form>
  );
}

export function DeployRequestButton({ requestId, blocked }: { requestId: string; blocked: string[] }) {
  const [state, action, pending] = useActionState(deployRequestAction, initialActionState);
  return (
    <form action={action} className="space-y-2">
      <input type="hidden" name="requestId" value={requestId} />
      {blocked.length > 0 && (
        <ul className="list-disc pl-5 text-sm text-amber-900" aria-label="Why you cannot deploy yet">
          {blocked.map((b) => (
            <li key={b}>{b}</li>
          ))}
        </ul>
      )}
      <div className="flex flex-wrap items-center gap-3">
        <button type="submit" disabled={pending} className={primaryButton}>
          {pending ? 'Deploying…' : 'Deploy this request'}
        </button>
        {pending && (
          <span role="status" className="text-sm text-slate-600">
            Re-checking the policy, the bytes and validation, then deploying in one transaction…
          </span>
        )}
        <FormMessage state={state} />
      </div>
    </form>
  );
}

export function BreakGlassForm({ requestId }: { requestId: string }) {
  const [state, action, pending] = useActionState(breakGlassDeployAction, initialActionState);
  const err = state.fieldErrors;
  return (
    <form action={action} className="space-y-2" noValidate>
      <input type="hidden" name="requestId" value={requestId} />
      <Field
        id="break-glass-reason"
        label="Why this cannot wait for approvals"
        errors={err.reason}
        hint="At least 20 characters. Shown on the deployment, the model page and in the audit log."
      >
        <textarea
          id="break-glass-reason"
          name="reason"
          rows={2}
          className={inputClass}
          aria-invalid={!!err.reason}
          aria-describedby={err.reason ? 'break-glass-reason-error' : undefined}
        />
      </Field>
      <div className="flex flex-wrap items-center gap-3">
        <button type="submit" disabled={pending} className={dangerButton}>
          {pending ? 'Deploying…' : 'Break glass: deploy without approvals'}
        </button>
        <FormMessage state={state} />
      </div>
    </form>
  );
}
