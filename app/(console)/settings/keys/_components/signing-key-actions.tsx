'use client';

import { useActionState } from 'react';
import { retireSigningKeyAction, rotateSigningKeyAction } from '@/app/(console)/settings/keys/actions';
import { initialActionState } from '@/lib/auth/action-state';
import { ConfirmSubmit } from '@/components/confirm-submit';
import { secondaryButton } from '@/components/field';
import { FormMessage } from '@/components/form-message';

export function RotateSigningKeyButton() {
  const [state, action, pending] = useActionState(rotateSigningKeyAction, initialActionState);
  return (
    <form action={action} className="flex flex-wrap items-center gap-2">
      <ConfirmSubmit
        label="Rotate…"
        confirmLabel="Rotate signing key"
        question="Sign new links with a new key? Existing links keep opening."
        pending={pending}
      />
      <FormMessage state={state} />
    </form>
  );
}

type KeyRef = { id: string; generation: number; signing: boolean };

/** Retire, or (for the key that signs now) a disabled button that says why. */
export function RetireSigningKeyButton({ signingKey }: { signingKey: KeyRef }) {
  const [state, action, pending] = useActionState(retireSigningKeyAction, initialActionState);
  const name = `key ${signingKey.id} (generation ${signingKey.generation})`;
  if (signingKey.signing) {
    const reasonId = `retire-${signingKey.id}-reason`;
    return (
      <span className="inline-flex flex-col items-start gap-1">
        <button
          type="button"
          disabled
          className={secondaryButton}
          aria-label={`Retire ${name}`}
          aria-describedby={reasonId}
        >
          Retire…
        </button>
        <span id={reasonId} className="text-xs text-slate-600">
          It signs new links: rotate first.
        </span>
      </span>
    );
  }
  return (
    <form action={action} className="flex flex-wrap items-center gap-2" aria-label={`Retire ${name}`}>
      <input type="hidden" name="id" value={signingKey.id} />
      <ConfirmSubmit
        label="Retire…"
        confirmLabel="Retire key"
        question={`Retire ${name}? Every link it signed stops opening.`}
        pending={pending}
      />
      <FormMessage state={state} />
    </form>
  );
}
