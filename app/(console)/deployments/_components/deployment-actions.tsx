'use client';

import { useActionState } from 'react';
import { rollbackAction, undeployAction } from '@/app/(console)/models/actions';
import { initialActionState } from '@/lib/auth/action-state';
import { secondaryButton } from '@/components/field';
import { ConfirmSubmit } from '@/components/confirm-submit';
import { FormMessage } from '@/components/form-message';

// Every undeploy and rollback on the page answers in one place at a time: the newest result
// replaces the previous one, whichever row's button gave it.
const DEPLOYMENT_ACTIONS = 'deployment-actions';

export function UndeployButton({ deploymentId, modelId }: { deploymentId: number | null; modelId: string | null }) {
  const [state, action, pending] = useActionState(undeployAction, initialActionState);
  return (
    <form action={action} className="flex flex-wrap items-center gap-2">
      <input type="hidden" name="deploymentId" value={deploymentId ?? ''} />
      {deploymentId ? (
        <ConfirmSubmit
          label="Undeploy…"
          confirmLabel="Confirm undeploy"
          question={`Stop serving ${modelId}?`}
          pending={pending}
        />
      ) : (
        <button type="button" disabled className={secondaryButton} title="No model is active for this range">
          Undeploy
        </button>
      )}
      {!pending && <FormMessage state={state} section={DEPLOYMENT_ACTIONS} />}
    </form>
  );
}

export function RollbackButton({
  ageGroupMin,
  ageGroupMax,
  environment,
  backupModelId,
}: {
  ageGroupMin: number;
  ageGroupMax: number;
  environment: string;
  backupModelId: string | null;
}) {
  const [state, action, pending] = useActionState(rollbackAction, initialActionState);
  return (
    <form action={action} className="flex flex-wrap items-center gap-2">
      <input type="hidden" name="ageGroupMin" value={ageGroupMin} />
      <input type="hidden" name="ageGroupMax" value={ageGroupMax} />
      <input type="hidden" name="environment" value={environment} />
      {backupModelId ? (
        <ConfirmSubmit
          label="Roll back…"
          confirmLabel="Confirm rollback"
          question={`Restore ${backupModelId}?`}
          pending={pending}
        />
      ) : (
        <button type="button" disabled className={secondaryButton} title="There is no backup to restore">
          Roll back
        </button>
      )}
      {!pending && <FormMessage state={state} section={DEPLOYMENT_ACTIONS} />}
    </form>
  );
}
