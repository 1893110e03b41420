'use client';

import { useActionState } from 'react';
import { createUserAction } from '@/app/(console)/settings/users/actions';
import { initialActionState } from '@/lib/auth/action-state';
import { Field, inputClass, primaryButton } from '@/components/field';
import { FormMessage } from '@/components/form-message';
import { UserPassword } from './user-password';

export function UserCreateForm({ roles }: { roles: readonly string[] }) {
  const [state, action, pending] = useActionState(createUserAction, initialActionState);
  const data = state.data as { email?: string; password?: string | null } | undefined;
  const err = state.fieldErrors;
  return (
    <form action={action} className="grid gap-4" noValidate>
      <div className="grid gap-4 sm:grid-cols-2 lg:grid-cols-[1fr_1fr_10rem]">
        <Field id="user-email" label="Email" errors={err.email}>
          <input
            id="user-email"
            name="email"
            type="email"
            autoComplete="off"
            required
            aria-invalid={!!err.email}
            aria-describedby="user-email-error"
            className={inputClass}
          />
        </Field>
        <Field id="user-name" label="Name" errors={err.name}>
          <input
            id="user-name"
            name="name"
            type="text"
            autoComplete="off"
            required
            aria-invalid={!!err.name}
            aria-describedby="user-name-error"
            className={inputClass}
          />
        </Field>
        <Field id="user-role" label="Role" errors={err.role}>
          <select
            id="user-role"
            name="role"
            defaultValue="viewer"
            aria-invalid={!!err.role}
            aria-describedby="user-role-error"
            className={inputClass}
          >
            {roles.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
        </Field>
      </div>
      <div className="max-w-md">
        <Field
          id="user-password"
          label="Password (optional)"
          errors={err.password}
          hint="Leave empty to generate a strong one, shown once below. At least 12 characters."
        >
          <input
            id="user-password"
            name="password"
            type="password"
            autoComplete="new-password"
            aria-invalid={!!err.password}
            aria-describedby="user-password-error"
            className={inputClass}
          />
        </Field>
      </div>
      <div className="flex flex-wrap items-center gap-3">
        <button type="submit" disabled={pending} className={primaryButton}>
          {pending ? 'Creating…' : 'Create user'}
        </button>
        <FormMessage state={state} />
      </div>
      {state.ok && data?.password && <UserPassword password={data.password} label={`Password for ${data.email}`} />}
    </form>
  );
}
