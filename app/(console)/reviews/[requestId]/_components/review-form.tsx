'use client';

import { useActionState } from 'react';
import { reviewRequestAction } from '@/app/(console)/reviews/actions';
import { initialActionState } from '@/lib/auth/action-state';
import { Field, inputClass, primaryButton } from '@/components/field';
import { FieldError, FormMessage } from '@/components/form-message';

export function ReviewForm({ requestId, previewNote }: { requestId: string; previewNote: React.ReactNode }) {
  const [state, action, pending] = useActionState(reviewRequestAction, initialActionState);
  const err = state.fieldErrors;
  return (
    <form action={action} className="space-y-3" noValidate aria-label="Your review">
      <input type="hidden" name="requestId" value={requestId} />
      <fieldset aria-describedby={err.decision ? 'decision-error' : undefined}>
        <legend className="text-xs font-medium text-slate-700">Decision</legend>
        <div className="mt-1 flex flex-wrap gap-4 text-sm">
          <label className="flex items-center gap-2">
            <input type="radio" name="decision" value="approve" defaultChecked /> Approve
          </label>
          <label className="flex items-center gap-2">
            <input type="radio" name="decision" value="request_changes" /> Request changes
          </label>
          <label className="flex items-center gap-2">
            <input type="radio" name="decision" value="reject" /> Reject
          </label>
        </div>
        <FieldError id="decision-error" errors={err.decision} />
      </fieldset>
      <div className="text-xs text-slate-600">{previewNote}</div>
      <Field
        id="review-comment"
        label="Comment"
        errors={err.comment}
        hint="Required when you request changes or reject."
      >
        <textarea
          id="review-comment"
          name="comment"
          rows={3}
          className={inputClass}
          aria-invalid={!!err.comment}
          aria-describedby={err.comment ? 'review-comment-error' : undefined}
        />
      </Field>
      <div className="flex flex-wrap items-center gap-3">
        <button type="submit" disabled={pending} className={primaryButton}>
          {pending ? 'Submitting…' : 'Submit review'}
        </button>
        <FormMessage state={state} />
      </div>
    </form>
  );
}
