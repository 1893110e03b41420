'use client';

import { useActionState } from 'react';
import {
  deleteWebhookAction,
  redeliverAction,
  rotateWebhookSecretAction,
  sendTestEventAction,
  setWebhookActiveAction,
  updateWebhookEventsAction,
} from '@/app/(console)/settings/webhooks/actions';
import { initialActionState } from '@/lib/auth/action-state';
import { secondaryButton } from '@/components/field';
import { ConfirmSubmit } from '@/components/confirm-submit';
import { FormMessage } from '@/components/form-message';
import { WebhookEventFields } from './webhook-create-form';
import { WebhookSecret } from './webhook-secret';

export function WebhookEventsForm({ id, events }: { id: string; events: string[] }) {
  const [state, action, pending] = useActionState(updateWebhookEventsAction, initialActionState);
  return (
    <form action={action} className="grid gap-2">
      <input type="hidden" name="id" value={id} />
      <WebhookEventFields idPrefix={`webhook-${id}`} selected={events} errors={state.fieldErrors.events} />
      <div className="flex flex-wrap items-center gap-3">
        <button type="submit" disabled={pending} className={secondaryButton}>
          {pending ? 'Saving…' : 'Save events'}
        </button>
        <FormMessage state={state} />
      </div>
    </form>
  );
}

export function WebhookToggleButton({ id, active }: { id: string; active: boolean }) {
  const [state, action, pending] = useActionState(setWebhookActiveAction, initialActionState);
  return (
    <form action={action} className="flex flex-wrap items-center gap-2">
      <input type="hidden" name="id" value={id} />
      <input type="hidden" name="active" value={active ? 'false' : 'true'} />
      <button type="submit" disabled={pending} className={secondaryButton}>
        {pending ? 'Working…' : active ? 'Disable' : 'Enable'}
      </button>
      <FormMessage state={state} />
    </form>
  );
}

export function WebhookTestButton({ id }: { id: string }) {
  const [state, action, pending] = useActionState(sendTestEventAction, initialActionState);
  return (
    <form action={action} className="flex flex-wrap items-center gap-2">
      <input type="hidden" name="id" value={id} />
      <button type="submit" disabled={pending} className={secondaryButton}>
        {pending ? 'Sending…' : 'Send test event'}
      </button>
      <FormMessage state={state} />
    </form>
  );
}

export function WebhookRotateButton({ id }: { id: string }) {
  const [state, action, pending] = useActionState(rotateWebhookSecretAction, initialActionState);
  const secret = (state.data as { secret?: string } | undefined)?.secret;
  return (
    <form action={action} className="flex flex-wrap items-center gap-2">
      <input type="hidden" name="id" value={id} />
      <ConfirmSubmit
        label="Rotate secret…"
        confirmLabel="Rotate now"
        question="Receivers must switch to the new secret. Rotate?"
        pending={pending}
      />
      <FormMessage state={state} />
      {secret && (
        <div className="basis-full">
          <WebhookSecret secret={secret} label="New signing secret" />
        </div>
      )}
    </form>
  );
}

export function WebhookDeleteButton({ id, url }: { id: string; url: string }) {
  const [state, action, pending] = useActionState(deleteWebhookAction, initialActionState);
  return (
    <form action={action} className="flex flex-wrap items-center gap-2">
      <input type="hidden" name="id" value={id} />
      <ConfirmSubmit
        label="Delete…"
        confirmLabel="Delete webhook"
        question={`Delete ${url} and its delivery log?`}
        pending={pending}
      />
      <FormMessage state={state} />
    </form>
  );
}

export function RedeliverButton({ deliveryId, webhookId }: { deliveryId: string; webhookId: string }) {
  const [state, action, pending] = useActionState(redeliverAction, initialActionState);
  return (
    <form action={action} className="flex flex-wrap items-center gap-2">
      <input type="hidden" name="deliveryId" value={deliveryId} />
      <input type="hidden" name="webhookId" value={webhookId} />
      <button
        type="submit"
        disabled={pending}
        className="rounded border border-slate-300 bg-white px-2 py-1 text-xs hover:bg-slate-50 disabled:opacity-60"
      >
        {pending ? 'Sending…' : 'Redeliver'}
      </button>
      <FormMessage state={state} />
    </form>
  );
}
