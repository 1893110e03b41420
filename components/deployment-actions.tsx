'use client';

import { useActionState, useState } from 'react';
import { rollbackAction, undeployAction } from '@/app/(console)/models/actions';
import { initialActionState, type ActionState } from '@/lib/auth/action-state';
import { dangerButton, secondaryButton } from './field';
import { FormMessage } from './form-message';

type Action = (s: ActionState, f: FormData) => Promise<ActionState>;

/** A two-step button: the first click asks, the second acts. Keyboard- and screen-reader-friendly. */
function ConfirmSubmit({ label, confirmLabel, question, pending }: { label: string; confirmLabel: string; question: string; pending: boolean }) {
  const [asking, setAsking] = useState(false);
  if (!asking) {
    return (
      <button type="button" className={secondaryButton} onClick={() => setAsking(true)}>
        {label}
      </button>
    );
  }
  return (
    <span role="group" aria-label={question} className="inline-flex flex-wrap items-center gap-2">
      <span className="text-sm text-slate-700">{question}</span>
      <button type="submit" className={dangerButton} disabled={pending} autoFocus>
        {pending ? 'Working…' : confirmLabel}
      </button>
      <button type="button" className={secondaryButton} onClick={() => setAsking(false)}>
        Cancel
      </button>
    </span>
  );
}

// Both stay mounted when there is nothing to act on (rendered disabled), so the outcome message of
// the last action survives the page's revalidation.

export function UndeployButton({ deploymentId, modelId }: { deploymentId: number | null; modelId: string | null }) {
  const [state, action, pending] = useActionState(undeployAction as Action, initialActionState);
  return (
    <form action={action} className="flex flex-wrap items-center gap-2">
      <input type="hidden" name="deploymentId" value={deploymentId ?? ''} />
      {deploymentId ? (
        <ConfirmSubmit label="Undeploy…" confirmLabel="Confirm undeploy" question={`Stop serving ${modelId}?`} pending={pending} />
      ) : (
        <button type="button" disabled className={secondaryButton} title="No model is active for this range">Undeploy</button>
      )}
      <FormMessage state={state} />
    </form>
  );
}

export function RollbackButton({ ageGroupMin, ageGroupMax, environment, backupModelId }: { ageGroupMin: number; ageGroupMax: number; environment: string; backupModelId: string | null }) {
  const [state, action, pending] = useActionState(rollbackAction as Action, initialActionState);
  return (
    <form action={action} className="flex flex-wrap items-center gap-2">
      <input type="hidden" name="ageGroupMin" value={ageGroupMin} />
      <input type="hidden" name="ageGroupMax" value={ageGroupMax} />
      <input type="hidden" name="environment" value={environment} />
      {backupModelId ? (
        <ConfirmSubmit label="Roll back…" confirmLabel="Confirm rollback" question={`Restore ${backupModelId}?`} pending={pending} />
      ) : (
        <button type="button" disabled className={secondaryButton} title="There is no backup to restore">Roll back</button>
      )}
      <FormMessage state={state} />
    </form>
  );
}
