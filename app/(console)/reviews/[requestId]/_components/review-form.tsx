'use client';

import { useActionState, useState } from 'react';
import { reviewRequestAction } from '@/app/(console)/reviews/actions';
import type { PreviewRun } from '@/components/preview/preview-section';
import { initialActionState } from '@/lib/auth/action-state';
import { Field, inputClass, primaryButton } from '@/components/field';
import { FieldError, FormMessage } from '@/components/form-message';
import { ReviewPreview, type PreviewSummary } from './review-preview';

/**
 * The reviewer's decision, with the candidate's preview above it when the page gives one: an
 * approval posts that run's summary with it, and the action attaches (verifies) it, then approves.
 */
export function ReviewForm({
  requestId,
  previewNote,
  preview,
}: {
  requestId: string;
  previewNote: React.ReactNode;
  preview?: PreviewRun;
}) {
  const [state, action, pending] = useActionState(reviewRequestAction, initialActionState);
  const [summary, setSummary] = useState<PreviewSummary | null>(null);
  const err = state.fieldErrors;
  return (
    <>
      {preview && <ReviewPreview run={preview} onSummary={setSummary} />}
      <form action={action} className="mt-4 space-y-3" noValidate aria-label="Your review">
        <input type="hidden" name="requestId" value={requestId} />
        {summary && (
          <>
            <input type="hidden" name="modelId" value={summary.model_id} />
            <input type="hidden" name="summary" value={JSON.stringify(summary)} />
          </>
        )}
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
        <div className="text-xs text-slate-600" data-testid="review-preview-note">
          {summary ? (
            <>
              An approval attaches the preview above: {summary.flagged} of {summary.samples} flagged, run on{' '}
              {summary.backend === 'webgpu'
                ? 'WebGPU'
                : `WASM (${summary.threads} thread${summary.threads === 1 ? '' : 's'})`}
              ; the server checks its numbers first.
            </>
          ) : (
            previewNote
          )}
        </div>
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
    </>
  );
}
