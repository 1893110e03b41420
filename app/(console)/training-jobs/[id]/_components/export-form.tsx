'use client';

import { useActionState } from 'react';
import { exportModelAction } from '@/app/(console)/models/actions';
import { initialActionState, type ActionState } from '@/lib/auth/action-state';
import { Field, inputClass, primaryButton } from '@/components/field';
import { FormMessage } from '@/components/form-message';

const FORMATS = [
  { value: 'onnx', label: 'ONNX (opset 17) — runs in onnxruntime and the browser preview' },
  { value: 'pytorch', label: 'PyTorch checkpoint (.pth, loads with weights_only=True)' },
  { value: 'safetensors', label: 'safetensors' },
  { value: 'pickle', label: 'Pickle (plain data, protocol 4)' },
];

export function ExportForm({
  trainingJobId,
  ageGroupMin,
  ageGroupMax,
}: {
  trainingJobId: number;
  ageGroupMin?: number;
  ageGroupMax?: number;
}) {
  const [state, action, pending] = useActionState(
    exportModelAction as (s: ActionState, f: FormData) => Promise<ActionState>,
    initialActionState,
  );
  const err = (k: string) => state.fieldErrors[k];
  return (
    <form
      action={action}
      className="grid gap-4 sm:grid-cols-4 sm:items-start"
      noValidate
      aria-describedby="export-status"
    >
      <input type="hidden" name="trainingJobId" value={trainingJobId} />
      <div className="sm:col-span-2">
        <Field id="exportFormat" label="Format" errors={err('exportFormat')}>
          <select
            id="exportFormat"
            name="exportFormat"
            defaultValue="onnx"
            className={inputClass}
            aria-invalid={!!err('exportFormat')}
            aria-describedby="exportFormat-error"
          >
            {FORMATS.map((f) => (
              <option key={f.value} value={f.value}>
                {f.label}
              </option>
            ))}
          </select>
        </Field>
      </div>
      <Field id="ageGroupMin" label="Minimum age (years)" errors={err('ageGroupMin')}>
        <input
          id="ageGroupMin"
          name="ageGroupMin"
          inputMode="decimal"
          defaultValue={ageGroupMin}
          className={inputClass}
          aria-invalid={!!err('ageGroupMin')}
          aria-describedby="ageGroupMin-error"
        />
      </Field>
      <Field id="ageGroupMax" label="Maximum age (years)" errors={err('ageGroupMax')}>
        <input
          id="ageGroupMax"
          name="ageGroupMax"
          inputMode="decimal"
          defaultValue={ageGroupMax}
          className={inputClass}
          aria-invalid={!!err('ageGroupMax')}
          aria-describedby="ageGroupMax-error"
        />
      </Field>
      <div className="sm:col-span-4 flex items-center gap-3" id="export-status">
        <button type="submit" disabled={pending} className={primaryButton}>
          {pending ? 'Exporting…' : 'Export model'}
        </button>
        {pending && (
          <span role="status" className="text-sm text-slate-600">
            Reading the checkpoint, converting and hashing the artifact…
          </span>
        )}
        <FormMessage state={state} />
      </div>
    </form>
  );
}
