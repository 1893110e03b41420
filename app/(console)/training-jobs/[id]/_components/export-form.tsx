'use client';

import { useActionState, useState } from 'react';
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

/** At least this many characters (lib/registry/age-range.ts AGE_RANGE_REASON_MIN checks it). */
const REASON_MIN = 10;

/**
 * Exports the job for an age group: its recorded range by default; another range reveals a
 * required reason, which flags the export (the server refuses the other range without one).
 */
export function ExportForm({
  trainingJobId,
  jobAgeRange,
}: {
  trainingJobId: number;
  /** The range the job was trained for; null when none is recorded (the export goes unchecked). */
  jobAgeRange: { min: number; max: number } | null;
}) {
  const [state, action, pending] = useActionState(
    exportModelAction as (s: ActionState, f: FormData) => Promise<ActionState>,
    initialActionState,
  );
  const [min, setMin] = useState(jobAgeRange ? String(jobAgeRange.min) : '');
  const [max, setMax] = useState(jobAgeRange ? String(jobAgeRange.max) : '');
  const differs = !!jobAgeRange && (Number(min) !== jobAgeRange.min || Number(max) !== jobAgeRange.max);
  const err = (k: string) => state.fieldErrors[k];
  return (
    <form
      action={action}
      className="grid gap-4 sm:grid-cols-4 sm:items-start"
      noValidate
      aria-describedby="export-status"
    >
      <input type="hidden" name="trainingJobId" value={trainingJobId} />
      <p className="sm:col-span-4 text-sm" id="job-age-range">
        {jobAgeRange ? (
          <>
            Trained for ages{' '}
            <strong>
              {jobAgeRange.min}–{jobAgeRange.max}
            </strong>
            : export for that range, or give a reason to export it for another.
          </>
        ) : (
          <span className="text-amber-900">
            No age range recorded for this job: the export’s range cannot be checked.
          </span>
        )}
      </p>
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
          value={min}
          onChange={(e) => setMin(e.target.value)}
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
          value={max}
          onChange={(e) => setMax(e.target.value)}
          className={inputClass}
          aria-invalid={!!err('ageGroupMax')}
          aria-describedby="ageGroupMax-error"
        />
      </Field>
      {differs && jobAgeRange && (
        <div className="sm:col-span-4">
          <Field
            id="ageRangeReason"
            label={`Reason for exporting a model trained on ${jobAgeRange.min}–${jobAgeRange.max} for ages ${min}–${max} (required)`}
            errors={err('ageRangeReason')}
          >
            <textarea
              id="ageRangeReason"
              name="ageRangeReason"
              required
              minLength={REASON_MIN}
              rows={2}
              className={inputClass}
              aria-invalid={!!err('ageRangeReason')}
              aria-describedby="ageRangeReason-error ageRangeReason-hint"
            />
          </Field>
          <p id="ageRangeReason-hint" className="mt-1 text-xs text-red-800">
            At least {REASON_MIN} characters. The export is flagged with this reason on its model page, its deployment
            requests and the audit log.
          </p>
        </div>
      )}
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
