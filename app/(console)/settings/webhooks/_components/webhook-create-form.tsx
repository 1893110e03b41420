'use client';

import { useActionState } from 'react';
import { createWebhookAction } from '@/app/(console)/settings/webhooks/actions';
import { initialActionState } from '@/lib/auth/action-state';
import { EVENT_LABELS, WEBHOOK_EVENTS } from '@/lib/event-names';
import { Field, inputClass, primaryButton } from '@/components/field';
import { FieldError, FormMessage } from '@/components/form-message';
import { WebhookSecret } from './webhook-secret';

/** Event checkboxes, named `event:<event>` (see the actions). */
export function WebhookEventFields({
  idPrefix,
  selected,
  errors,
}: {
  idPrefix: string;
  selected: readonly string[];
  errors?: string[];
}) {
  return (
    <fieldset aria-describedby={`${idPrefix}-events-error`}>
      <legend className="text-xs font-medium text-slate-700">Events</legend>
      <div className="mt-1 grid gap-1 sm:grid-cols-2">
        {WEBHOOK_EVENTS.map((e) => (
          <label key={e} className="flex items-center gap-2 text-sm">
            <input type="checkbox" name={`event:${e}`} defaultChecked={selected.includes(e)} />
            <span>
              {EVENT_LABELS[e]} <code className="text-xs text-slate-500">{e}</code>
            </span>
          </label>
        ))}
      </div>
      <FieldError id={`${idPrefix}-events-error`} errors={errors} />
    </fieldset>
  );
}

export function WebhookCreateForm({ environments }: { environments: readonly string[] }) {
  const [state, action, pending] = useActionState(createWebhookAction, initialActionState);
  const secret = (state.data as { secret?: string } | undefined)?.secret;
  return (
    <form action={action} className="grid gap-4" noValidate>
      <div className="grid gap-4 sm:grid-cols-[10rem_1fr]">
        <Field id="webhook-environment" label="Environment" errors={state.fieldErrors.environment}>
          <select id="webhook-environment" name="environment" defaultValue="production" className={inputClass}>
            {environments.map((e) => (
              <option key={e} value={e}>
                {e}
              </option>
            ))}
          </select>
        </Field>
        <Field
          id="webhook-url"
          label="Receiver URL"
          errors={state.fieldErrors.url}
          hint="http:// or https:// only, and not this server’s own network (loopback, private or link-local addresses) unless the administrator allows it. Deliveries are POSTed as JSON and signed."
        >
          <input
            id="webhook-url"
            name="url"
            type="url"
            inputMode="url"
            placeholder="https://hooks.example.org/drawbridge"
            aria-invalid={!!state.fieldErrors.url}
            aria-describedby="webhook-url-error"
            className={inputClass}
          />
        </Field>
      </div>
      <WebhookEventFields
        idPrefix="webhook-new"
        selected={['model.deployed', 'model.undeployed', 'model.rolled_back']}
        errors={state.fieldErrors.events}
      />
      <div className="flex flex-wrap items-center gap-3">
        <button type="submit" disabled={pending} className={primaryButton}>
          {pending ? 'Creating…' : 'Create webhook'}
        </button>
        <FormMessage state={state} />
      </div>
      {secret && <WebhookSecret secret={secret} />}
    </form>
  );
}
