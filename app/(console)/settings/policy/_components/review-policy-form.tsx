'use client';

import { useActionState } from 'react';
import { setReviewPolicyAction } from '@/app/(console)/settings/policy/actions';
import { initialActionState } from '@/lib/auth/action-state';
import { Field, inputClass, primaryButton } from '@/components/field';
import { FormMessage } from '@/components/form-message';

export function ReviewPolicyForm({
  environment,
  requiredApprovals,
  requirePreviewSummary,
}: {
  environment: string;
  requiredApprovals: number;
  requirePreviewSummary: boolean;
}) {
  const [state, action, pending] = useActionState(setReviewPolicyAction, initialActionState);
  const id = `${environment}-approvals`;
  return (
    <form action={action} className="space-y-3" noValidate aria-label={`${environment} review policy`}>
      <input type="hidden" name="environment" value={environment} />
      <Field
        id={id}
        label="Required approvals"
        errors={state.fieldErrors.requiredApprovals}
        hint="1 to 10, from people other than the requester."
      >
        <input
          id={id}
          name="requiredApprovals"
          type="number"
          min={1}
          max={10}
          defaultValue={requiredApprovals}
          className={`${inputClass} w-24`}
          aria-invalid={!!state.fieldErrors.requiredApprovals}
          aria-describedby={state.fieldErrors.requiredApprovals ? `${id}-error` : undefined}
        />
      </Field>
      <label className="flex items-center gap-2 text-sm">
        <input type="checkbox" name="requirePreviewSummary" defaultChecked={requirePreviewSummary} /> Approvals must
        carry the reviewer’s reconstruction preview summary
      </label>
      <div className="flex flex-wrap items-center gap-3">
        <button type="submit" disabled={pending} className={primaryButton}>
          {pending ? 'Saving…' : `Save ${environment} policy`}
        </button>
        <FormMessage state={state} />
      </div>
    </form>
  );
}
