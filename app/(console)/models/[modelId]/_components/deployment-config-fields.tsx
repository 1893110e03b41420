import { Field, inputClass } from '@/components/field';

/**
 * The ModelDeploymentConfig fields a person chooses (the age range is the export's): environment
 * and the replace/backup/validate flags. Shared by the request form and the break-glass form.
 */
export function DeploymentConfigFields({
  idPrefix,
  errors,
  validateLabel,
}: {
  idPrefix: string;
  errors?: string[];
  validateLabel: string;
}) {
  const id = `${idPrefix}-environment`;
  return (
    <>
      <Field id={id} label="Environment" errors={errors}>
        <select
          id={id}
          name="environment"
          defaultValue="production"
          className={inputClass}
          aria-invalid={!!errors}
          aria-describedby={errors ? `${id}-error` : undefined}
        >
          <option value="production">production</option>
          <option value="staging">staging</option>
        </select>
      </Field>
      <fieldset className="space-y-1 text-sm">
        <legend className="text-xs font-medium text-slate-700">Deployment options</legend>
        <label className="flex items-center gap-2">
          <input type="checkbox" name="validateBeforeDeployment" defaultChecked /> {validateLabel}
        </label>
        <label className="flex items-center gap-2">
          <input type="checkbox" name="replaceExisting" /> Replace the active model of this age range
        </label>
        <label className="flex items-center gap-2">
          <input type="checkbox" name="backupExisting" defaultChecked /> Keep the replaced model as a restorable backup
        </label>
      </fieldset>
    </>
  );
}
