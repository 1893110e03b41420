'use client';

import { useActionState } from 'react';
import { markAllReadAction, markReadAction } from '@/app/(console)/inbox/actions';
import { initialActionState } from '@/lib/auth/action-state';
import { secondaryButton } from '@/components/field';
import { FormMessage } from '@/components/form-message';

export function InboxMarkReadButton({ id, subject }: { id: string; subject: string }) {
  const [state, action, pending] = useActionState(markReadAction, initialActionState);
  return (
    <form action={action} className="flex items-center gap-2">
      <input type="hidden" name="id" value={id} />
      <button
        type="submit"
        disabled={pending}
        className="rounded border border-slate-300 bg-white px-2 py-1 text-xs hover:bg-slate-50 disabled:opacity-60"
        aria-label={`Mark read: ${subject}`}
      >
        {pending ? 'Marking…' : 'Mark read'}
      </button>
      {!state.ok && <FormMessage state={state} />}
    </form>
  );
}

export function InboxMarkAllReadButton({ unread }: { unread: number }) {
  const [state, action, pending] = useActionState(markAllReadAction, initialActionState);
  return (
    <form action={action} className="flex flex-wrap items-center gap-3">
      <button type="submit" disabled={pending || unread === 0} className={secondaryButton}>
        {pending ? 'Marking…' : 'Mark all read'}
      </button>
      <FormMessage state={state} />
    </form>
  );
}
