'use client';

import { useActionState } from 'react';
import { resetPasswordAction, setUserDisabledAction, setUserRoleAction } from '@/app/(console)/settings/users/actions';
import { initialActionState } from '@/lib/auth/action-state';
import { ConfirmSubmit } from '@/components/confirm-submit';
import { secondaryButton } from '@/components/field';
import { FieldError, FormMessage } from '@/components/form-message';
import { UserPassword } from './user-password';

type UserRef = { id: string; email: string; name: string };

export function UserRoleForm({ user, role, roles }: { user: UserRef; role: string; roles: readonly string[] }) {
  const [state, action, pending] = useActionState(setUserRoleAction, initialActionState);
  const selectId = `user-role-${user.id}`;
  return (
    <form action={action} className="flex flex-wrap items-center gap-2">
      <input type="hidden" name="id" value={user.id} />
      <label htmlFor={selectId} className="sr-only">
        Role of {user.name}
      </label>
      <select
        id={selectId}
        name="role"
        defaultValue={role}
        aria-invalid={!!state.fieldErrors.role}
        aria-describedby={`${selectId}-error`}
        className="rounded-md border border-slate-300 bg-white px-2 py-1 text-sm aria-[invalid=true]:border-red-600"
      >
        {roles.map((r) => (
          <option key={r} value={r}>
            {r}
          </option>
        ))}
      </select>
      <button type="submit" disabled={pending} className={secondaryButton} aria-label={`Save role of ${user.name}`}>
        {pending ? 'Saving…' : 'Save'}
      </button>
      <FieldError id={`${selectId}-error`} errors={state.fieldErrors.role} />
      {!state.fieldErrors.role && <FormMessage state={state} />}
    </form>
  );
}

export function UserDisableButton({ user, disabled }: { user: UserRef; disabled: boolean }) {
  const [state, action, pending] = useActionState(setUserDisabledAction, initialActionState);
  return (
    <form action={action} className="flex flex-wrap items-center gap-2">
      <input type="hidden" name="id" value={user.id} />
      <input type="hidden" name="disabled" value={disabled ? 'false' : 'true'} />
      {disabled ? (
        <ConfirmSubmit
          label="Enable…"
          confirmLabel="Enable account"
          question={`Let ${user.email} sign in again?`}
          pending={pending}
        />
      ) : (
        <ConfirmSubmit
          label="Disable…"
          confirmLabel="Disable account"
          question={`Disable ${user.email}? They are signed out everywhere and their API tokens are revoked.`}
          pending={pending}
        />
      )}
      <FormMessage state={state} />
    </form>
  );
}

export function UserResetPasswordButton({ user }: { user: UserRef }) {
  const [state, action, pending] = useActionState(resetPasswordAction, initialActionState);
  const password = (state.data as { password?: string } | undefined)?.password;
  return (
    <form action={action} className="flex flex-wrap items-center gap-2">
      <input type="hidden" name="id" value={user.id} />
      <ConfirmSubmit
        label="Reset password…"
        confirmLabel="Reset password"
        question={`Give ${user.email} a new generated password? Their current password stops working and they are signed out.`}
        pending={pending}
      />
      <FormMessage state={state} />
      {state.ok && password && (
        <div className="basis-full">
          <UserPassword password={password} label={`New password for ${user.email}`} />
        </div>
      )}
    </form>
  );
}
