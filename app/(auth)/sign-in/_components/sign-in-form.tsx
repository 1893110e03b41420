'use client';

import { useActionState, useState } from 'react';
import { signIn } from '@/app/(auth)/sign-in/actions';
import { initialActionState } from '@/lib/auth/action-state';
import { FieldError, FormMessage } from '@/components/form-message';

export function SignInForm({ next }: { next?: string }) {
  const [state, action, pending] = useActionState(signIn, initialActionState);
  // Controlled so a failed attempt keeps the email (React resets uncontrolled fields after an action).
  const [email, setEmail] = useState('');
  return (
    <form action={action} className="space-y-4" noValidate>
      <input type="hidden" name="next" value={next ?? ''} />
      <div>
        <label htmlFor="email" className="block text-sm font-medium text-slate-700">
          Email
        </label>
        <input
          id="email"
          name="email"
          type="email"
          autoComplete="username"
          required
          value={email}
          onChange={(e) => setEmail(e.target.value)}
          aria-invalid={!!state.fieldErrors.email}
          aria-describedby={state.fieldErrors.email ? 'email-error' : undefined}
          className="mt-1 block w-full rounded-md border border-slate-300 px-3 py-2 shadow-sm focus:border-indigo-500"
        />
        <FieldError id="email-error" errors={state.fieldErrors.email} />
      </div>
      <div>
        <label htmlFor="password" className="block text-sm font-medium text-slate-700">
          Password
        </label>
        <input
          id="password"
          name="password"
          type="password"
          autoComplete="current-password"
          required
          aria-invalid={!!state.fieldErrors.password}
          aria-describedby={state.fieldErrors.password ? 'password-error' : undefined}
          className="mt-1 block w-full rounded-md border border-slate-300 px-3 py-2 shadow-sm focus:border-indigo-500"
        />
        <FieldError id="password-error" errors={state.fieldErrors.password} />
      </div>
      <FormMessage state={state} />
      <button
        type="submit"
        disabled={pending}
        className="w-full rounded-md bg-indigo-700 px-4 py-2 font-medium text-white hover:bg-indigo-800 disabled:opacity-60"
      >
        {pending ? 'Signing in…' : 'Sign in'}
      </button>
    </form>
  );
}
