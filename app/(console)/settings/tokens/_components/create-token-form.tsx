'use client';

import { useActionState } from 'react';
import { createTokenAction } from '@/app/(console)/settings/tokens/actions';
import { initialActionState, type ActionState } from '@/lib/auth/action-state';
import { FieldError, FormMessage } from '@/components/form-message';
import { CopyButton } from '@/components/copy-button';

export function CreateTokenForm() {
  const [state, action, pending] = useActionState(
    createTokenAction as (s: ActionState, f: FormData) => Promise<ActionState>,
    initialActionState,
  );
  const token = (state.data as { token?: string } | undefined)?.token;
  return (
    <form action={action} className="flex flex-wrap items-start gap-3" noValidate>
      <div>
        <label htmlFor="token-name" className="block text-xs font-medium text-slate-700">
          Name
        </label>
        <input
          id="token-name"
          name="name"
          aria-invalid={!!state.fieldErrors.name}
          aria-describedby="token-name-error"
          className="mt-1 rounded-md border border-slate-300 px-2 py-1.5 text-sm"
        />
        <FieldError id="token-name-error" errors={state.fieldErrors.name} />
      </div>
      <div>
        <label htmlFor="token-days" className="block text-xs font-medium text-slate-700">
          Expires in (days, optional)
        </label>
        <input
          id="token-days"
          name="expiresInDays"
          inputMode="numeric"
          aria-invalid={!!state.fieldErrors.expiresInDays}
          aria-describedby="token-days-error"
          className="mt-1 w-32 rounded-md border border-slate-300 px-2 py-1.5 text-sm"
        />
        <FieldError id="token-days-error" errors={state.fieldErrors.expiresInDays} />
      </div>
      <button
        type="submit"
        disabled={pending}
        className="mt-5 rounded-md bg-indigo-700 px-3 py-1.5 text-sm font-medium text-white hover:bg-indigo-800 disabled:opacity-60"
      >
        {pending ? 'Creating…' : 'Create token'}
      </button>
      <div className="basis-full">
        <FormMessage state={state} />
        {token && (
          <p className="mt-2">
            <label htmlFor="new-token" className="block text-xs font-medium text-slate-700">
              New token
            </label>
            <span className="mt-1 flex flex-wrap items-center gap-2">
              <input
                id="new-token"
                readOnly
                value={token}
                className="w-full max-w-xl rounded border border-slate-300 bg-slate-50 px-2 py-1 font-mono text-xs"
              />
              <CopyButton value={token} label="Copy token" targetId="new-token" />
            </span>
          </p>
        )}
      </div>
    </form>
  );
}
