'use client';

import { useActionState } from 'react';
import { initialActionState, type FormAction } from '@/lib/auth/action-state';
import type { RunResult } from '@/lib/preview/protocol';
import { previewSummary } from '@/lib/preview/summary';
import type { ThresholdChoice } from '@/lib/preview/stats';
import { secondaryButton } from '../field';
import { FormMessage } from '../form-message';

export function AttachToReview({
  attachAction,
  result,
  threshold,
  productionThreshold,
}: {
  attachAction: FormAction;
  result: RunResult;
  threshold: ThresholdChoice;
  productionThreshold: number | null;
}) {
  const [state, action, pending] = useActionState(attachAction, initialActionState);
  const summary = previewSummary(result, threshold, productionThreshold);
  return (
    <form action={action} className="flex flex-wrap items-center gap-3">
      <input type="hidden" name="modelId" value={summary.model_id} />
      <input type="hidden" name="summary" value={JSON.stringify(summary)} />
      <button type="submit" disabled={pending} className={secondaryButton}>
        {pending ? 'Attaching…' : 'Attach to review'}
      </button>
      <span className="text-xs text-slate-600">
        {summary.validation_set_sha256
          ? 'The server re-runs this export on the validation set and attaches the summary only if the numbers agree'
          : 'These samples are a file you chose: the server can only verify a run on the validation set'}{' '}
        ({summary.flagged} of {summary.samples} flagged, {summary.backend}).
      </span>
      <FormMessage state={state} />
    </form>
  );
}
