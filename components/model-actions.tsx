'use client';

import { useActionState } from 'react';
import { deployModelAction, validateModelAction } from '@/app/(console)/models/actions';
import { initialActionState, type ActionState } from '@/lib/auth/action-state';
import { Field, inputClass, primaryButton, secondaryButton } from './field';
import { FormMessage } from './form-message';

type Action = (s: ActionState, f: FormData) => Promise<ActionState>;

export function ValidateButton({ modelId }: { modelId: string }) {
  const [state, action, pending] = useActionState(validateModelAction as Action, initialActionState);
  return (
    <form action={action} className="flex flex-wrap items-center gap-3">
      <input type="hidden" name="modelId" value={modelId} />
      <button type="submit" disabled={pending} className={secondaryButton}>
        {pending ? 'Validating…' : 'Validate'}
      </button>
      {pending && <span role="status" className="text-sm text-slate-600">Re-hashing, parsing and running the model in onnxruntime…</span>}
      <FormMessage state={state} />
    </form>
  );
}

export function DeployForm({ modelId, ageGroupMin, ageGroupMax }: { modelId: string; ageGroupMin: number; ageGroupMax: number }) {
  const [state, action, pending] = useActionState(deployModelAction as Action, initialActionState);
  return (
    <form action={action} className="space-y-3" noValidate>
      <input type="hidden" name="modelId" value={modelId} />
      <input type="hidden" name="ageGroupMin" value={ageGroupMin} />
      <input type="hidden" name="ageGroupMax" value={ageGroupMax} />
      <Field id="environment" label="Environment" errors={state.fieldErrors.environment}>
        <select id="environment" name="environment" defaultValue="production" className={inputClass}>
          <option value="production">production</option>
          <option value="staging">staging</option>
        </select>
      </Field>
      <fieldset className="space-y-1 text-sm">
        <legend className="sr-only">Deployment options</legend>
        <label className="flex items-center gap-2">
          <input type="checkbox" name="validateBeforeDeployment" defaultChecked /> Validate before deploying
        </label>
        <label className="flex items-center gap-2">
          <input type="checkbox" name="replaceExisting" /> Replace the active model of this age range
        </label>
        <label className="flex items-center gap-2">
          <input type="checkbox" name="backupExisting" defaultChecked /> Keep the replaced model as a restorable backup
        </label>
      </fieldset>
      <div className="flex flex-wrap items-center gap-3">
        <button type="submit" disabled={pending} className={primaryButton}>
          {pending ? 'Deploying…' : `Deploy to ages ${ageGroupMin}–${ageGroupMax}`}
        </button>
        <FormMessage state={state} />
      </div>
    </form>
  );
}
