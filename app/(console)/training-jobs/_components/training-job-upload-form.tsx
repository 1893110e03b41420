'use client';

import { useRef, useState } from 'react';
import { useRouter } from 'next/navigation';
import { Field, inputClass, primaryButton, secondaryButton } from '@/components/field';

/**
 * "Register a training job" from the browser: the same multipart POST /api/v1/training/jobs a
 * pipeline sends (the session cookie authenticates it), by XMLHttpRequest because fetch reports no
 * upload progress. The server checks everything again; the checks here only save a wasted upload.
 */

const ENVIRONMENTS = ['local', 'sagemaker', 'external'] as const;
const STATUSES = ['completed', 'pending', 'running', 'failed', 'cancelled'] as const;
const MB = 1024 * 1024;

type Errors = Record<string, string[]>;
type Phase =
  | { kind: 'idle' }
  | { kind: 'uploading'; loaded: number; total: number }
  | { kind: 'checking' }
  | { kind: 'failed'; message: string };

/** The API's error body ({detail, code}; detail a string or FastAPI's field list) as one sentence. */
function errorText(status: number, body: unknown): string {
  const b = (body ?? {}) as { detail?: unknown; code?: unknown };
  let detail = typeof b.detail === 'string' ? b.detail : '';
  if (Array.isArray(b.detail)) {
    detail = b.detail
      .map((i: { loc?: unknown[]; msg?: string }) => `${(i.loc ?? []).filter((p) => p !== 'body').join('.')}: ${i.msg}`)
      .join('; ');
  }
  if (!detail)
    detail = status === 413 ? 'The upload is larger than the server accepts.' : `The server answered ${status}.`;
  return typeof b.code === 'string' ? `${detail} (${b.code})` : detail;
}

function optionalNumber(
  form: FormData,
  name: string,
  errors: Errors,
  check: (n: number) => string | null,
): number | undefined {
  const raw = String(form.get(name) ?? '').trim();
  if (raw === '') return undefined;
  const n = Number(raw);
  const problem = Number.isFinite(n) ? check(n) : 'Enter a number.';
  if (problem) errors[name] = [problem];
  return n;
}

/** The form as the API's metadata JSON, or the field errors that keep it from being sent. */
function metadataOf(form: FormData): { metadata?: Record<string, unknown>; errors: Errors } {
  const errors: Errors = {};
  const text = (k: string) => String(form.get(k) ?? '').trim();
  const jobName = text('job_name');
  if (!jobName) errors.job_name = ['Enter the job name.'];
  const checkpoint = form.get('checkpoint');
  if (!(checkpoint instanceof File) || checkpoint.size === 0)
    errors.checkpoint = ['Choose the checkpoint (.pth) file.'];
  let config: unknown = undefined;
  if (text('config_parameters')) {
    try {
      config = JSON.parse(text('config_parameters'));
    } catch {
      config = null;
    }
    if (!config || typeof config !== 'object' || Array.isArray(config))
      errors.config_parameters = ['Enter a JSON object, e.g. {"epochs": 50}.'];
  }
  const finalLoss = optionalNumber(form, 'final_loss', errors, () => null);
  const report = {
    final_loss: finalLoss,
    validation_accuracy: optionalNumber(form, 'validation_accuracy', errors, (n) =>
      n >= 0 && n <= 1 ? null : 'Enter a fraction between 0 and 1.',
    ),
    best_epoch: optionalNumber(form, 'best_epoch', errors, (n) =>
      Number.isInteger(n) && n >= 0 ? null : 'Enter a whole number.',
    ),
    training_time_seconds: optionalNumber(form, 'training_time_seconds', errors, (n) =>
      n >= 0 ? null : 'Enter a number of seconds, 0 or more.',
    ),
  };
  const age = (n: number) => (n >= 2 && n <= 18 ? null : 'Enter an age from 2 to 18 years.');
  const ageMin = optionalNumber(form, 'age_group_min', errors, age);
  const ageMax = optionalNumber(form, 'age_group_max', errors, age);
  if ((ageMin === undefined) !== (ageMax === undefined))
    errors[ageMin === undefined ? 'age_group_min' : 'age_group_max'] = ['Give both ages, or neither.'];
  else if (ageMin !== undefined && ageMax !== undefined && ageMin >= ageMax)
    errors.age_group_max = ['The maximum age must be greater than the minimum age.'];
  const hasReport = Object.values(report).some((v) => v !== undefined);
  if (hasReport && finalLoss === undefined) errors.final_loss = ['A report needs its final loss.'];
  if (Object.keys(errors).length) return { errors };
  const metadata: Record<string, unknown> = {
    job_name: jobName,
    environment: text('environment') || 'local',
    status: text('status') || 'completed',
    ...(text('dataset_path') ? { dataset_path: text('dataset_path') } : {}),
    ...(config ? { config_parameters: config } : {}),
    ...(ageMin !== undefined && ageMax !== undefined ? { age_group_min: ageMin, age_group_max: ageMax } : {}),
    ...(hasReport ? { report: Object.fromEntries(Object.entries(report).filter(([, v]) => v !== undefined)) } : {}),
  };
  return { metadata, errors };
}

export function TrainingJobUploadForm({ maxArtifactBytes }: { maxArtifactBytes: number }) {
  const router = useRouter();
  const [phase, setPhase] = useState<Phase>({ kind: 'idle' });
  const [errors, setErrors] = useState<Errors>({});
  const xhr = useRef<XMLHttpRequest | null>(null);
  const busy = phase.kind === 'uploading' || phase.kind === 'checking';
  const limitMb = +(maxArtifactBytes / MB).toFixed(3);

  function submit(e: React.FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const { metadata, errors } = metadataOf(form);
    setErrors(errors);
    if (!metadata) return setPhase({ kind: 'idle' });
    const body = new FormData();
    // Metadata first: the server refuses bad metadata before it reads the file behind it.
    body.set('metadata', JSON.stringify(metadata));
    body.set('checkpoint', form.get('checkpoint') as File);
    const vs = form.get('validation_set');
    if (vs instanceof File && vs.size > 0) body.set('validation_set', vs);

    const req = new XMLHttpRequest();
    xhr.current = req;
    req.open('POST', '/api/v1/training/jobs');
    req.setRequestHeader('Accept', 'application/json');
    // The API refuses a cookie-authenticated mutation without it (lib/api/csrf.ts).
    req.setRequestHeader('X-Drawbridge-Request', '1');
    req.upload.onprogress = (ev) => {
      if (ev.lengthComputable) setPhase({ kind: 'uploading', loaded: ev.loaded, total: ev.total });
    };
    // Every byte is sent; the server now parses and hashes the checkpoint before answering.
    req.upload.onload = () => setPhase({ kind: 'checking' });
    req.onload = () => {
      xhr.current = null;
      let res: unknown = null;
      try {
        res = JSON.parse(req.responseText);
      } catch {
        /* not JSON: a proxy's error page, say */
      }
      const id = (res as { id?: unknown } | null)?.id;
      if (req.status === 201 && typeof id === 'number') {
        router.push(`/training-jobs/${id}`);
        return;
      }
      setPhase({ kind: 'failed', message: errorText(req.status, res) });
    };
    req.onerror = () => {
      xhr.current = null;
      setPhase({
        kind: 'failed',
        message: 'The upload did not reach the server (the connection failed). Nothing was registered.',
      });
    };
    req.onabort = () => {
      xhr.current = null;
      setPhase({ kind: 'failed', message: 'Upload cancelled. Nothing was registered.' });
    };
    setPhase({ kind: 'uploading', loaded: 0, total: 0 });
    req.send(body);
  }

  const err = (k: string) => errors[k];
  const aria = (k: string) => ({ 'aria-invalid': !!err(k), 'aria-describedby': `${k}-error` });
  const percent = phase.kind === 'uploading' ? (phase.total ? Math.floor((phase.loaded / phase.total) * 100) : 0) : 100;

  return (
    <form
      onSubmit={submit}
      aria-label="Register a training job"
      className="grid gap-4 sm:grid-cols-4 sm:items-start"
      noValidate
    >
      <div className="sm:col-span-2">
        <Field id="job_name" label="Job name" errors={err('job_name')}>
          <input id="job_name" name="job_name" className={inputClass} {...aria('job_name')} />
        </Field>
      </div>
      <Field id="environment" label="Environment">
        <select id="environment" name="environment" defaultValue="local" className={inputClass}>
          {ENVIRONMENTS.map((v) => (
            <option key={v} value={v}>
              {v}
            </option>
          ))}
        </select>
      </Field>
      <Field id="status" label="Status" hint="Only completed jobs can be exported.">
        <select id="status" name="status" defaultValue="completed" className={inputClass}>
          {STATUSES.map((v) => (
            <option key={v} value={v}>
              {v}
            </option>
          ))}
        </select>
      </Field>
      <div className="sm:col-span-2">
        <Field
          id="checkpoint"
          label="Checkpoint (.pth)"
          errors={err('checkpoint')}
          hint={`The autoencoder as torch.save wrote it; at most ${limitMb} MB.`}
        >
          <input
            id="checkpoint"
            name="checkpoint"
            type="file"
            accept=".pth,.pt"
            className="block w-full text-sm"
            {...aria('checkpoint')}
          />
        </Field>
      </div>
      <div className="sm:col-span-2">
        <Field
          id="validation_set"
          label="Validation set (.safetensors, optional)"
          hint="Embeddings to derive the deployment threshold from."
        >
          <input
            id="validation_set"
            name="validation_set"
            type="file"
            accept=".safetensors"
            className="block w-full text-sm"
          />
        </Field>
      </div>
      <Field
        id="age_group_min"
        label="Trained for ages: minimum (optional)"
        hint="Left empty: the checkpoint's training_config, else the configuration, names them."
        errors={err('age_group_min')}
      >
        <input
          id="age_group_min"
          name="age_group_min"
          inputMode="decimal"
          className={inputClass}
          {...aria('age_group_min')}
        />
      </Field>
      <Field id="age_group_max" label="Trained for ages: maximum (optional)" errors={err('age_group_max')}>
        <input
          id="age_group_max"
          name="age_group_max"
          inputMode="decimal"
          className={inputClass}
          {...aria('age_group_max')}
        />
      </Field>
      <Field id="final_loss" label="Final loss (optional)" errors={err('final_loss')}>
        <input id="final_loss" name="final_loss" inputMode="decimal" className={inputClass} {...aria('final_loss')} />
      </Field>
      <Field id="validation_accuracy" label="Validation accuracy (0–1, optional)" errors={err('validation_accuracy')}>
        <input
          id="validation_accuracy"
          name="validation_accuracy"
          inputMode="decimal"
          className={inputClass}
          {...aria('validation_accuracy')}
        />
      </Field>
      <Field id="best_epoch" label="Best epoch (optional)" errors={err('best_epoch')}>
        <input id="best_epoch" name="best_epoch" inputMode="numeric" className={inputClass} {...aria('best_epoch')} />
      </Field>
      <Field id="training_time_seconds" label="Training time, seconds (optional)" errors={err('training_time_seconds')}>
        <input
          id="training_time_seconds"
          name="training_time_seconds"
          inputMode="decimal"
          className={inputClass}
          {...aria('training_time_seconds')}
        />
      </Field>
      <div className="sm:col-span-2">
        <Field id="dataset_path" label="Dataset path (optional)" hint="Recorded, never read.">
          <input id="dataset_path" name="dataset_path" className={inputClass} />
        </Field>
      </div>
      <div className="sm:col-span-2">
        <Field id="config_parameters" label="Training configuration (JSON, optional)" errors={err('config_parameters')}>
          <textarea
            id="config_parameters"
            name="config_parameters"
            rows={2}
            className={`${inputClass} font-mono`}
            {...aria('config_parameters')}
          />
        </Field>
      </div>
      <div className="sm:col-span-4 flex flex-wrap items-center gap-3">
        <button type="submit" disabled={busy} className={primaryButton}>
          {busy ? 'Uploading…' : 'Upload and register'}
        </button>
        {phase.kind === 'uploading' && (
          <button type="button" className={secondaryButton} onClick={() => xhr.current?.abort()}>
            Cancel upload
          </button>
        )}
        {busy && (
          <div className="flex min-w-64 flex-1 items-center gap-3">
            <div
              role="progressbar"
              aria-label="Upload progress"
              aria-valuemin={0}
              aria-valuemax={100}
              aria-valuenow={percent}
              aria-valuetext={
                phase.kind === 'uploading'
                  ? `${percent}%, ${(phase.loaded / MB).toFixed(1)} of ${(phase.total / MB).toFixed(1)} MB`
                  : 'Uploaded'
              }
              className="h-2 flex-1 overflow-hidden rounded bg-slate-200"
            >
              <div className="h-full bg-indigo-600 transition-[width]" style={{ width: `${percent}%` }} />
            </div>
            <span role="status" className="whitespace-nowrap text-sm tabular-nums text-slate-600">
              {phase.kind === 'uploading'
                ? `${percent}% · ${(phase.loaded / MB).toFixed(1)} / ${(phase.total / MB).toFixed(1)} MB`
                : 'Uploaded; checking the checkpoint…'}
            </span>
          </div>
        )}
        {phase.kind === 'failed' && (
          <p role="alert" className="basis-full text-sm text-red-700">
            {phase.message}
          </p>
        )}
      </div>
    </form>
  );
}
