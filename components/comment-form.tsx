'use client';

import { useActionState, useEffect, useRef } from 'react';
import { initialActionState, type FormAction } from '@/lib/auth/action-state';
import { inputClass, primaryButton, secondaryButton } from './field';
import { FieldError, FormMessage } from './form-message';

/**
 * A new comment or a reply; `@name` or `@email` mentions a teammate. The page passes the action
 * (app/(console)/reviews/actions.ts), so this shared form never imports a route.
 */
export function CommentForm({
  commentAction,
  requestId,
  modelId,
  parentId,
  label,
}: {
  commentAction: FormAction;
  requestId?: string;
  modelId?: string;
  parentId?: string;
  label: string;
}) {
  const [state, action, pending] = useActionState(commentAction, initialActionState);
  const ref = useRef<HTMLFormElement>(null);
  useEffect(() => {
    if (state.ok) ref.current?.reset();
  }, [state]);
  const fieldId = `comment-body-${parentId ?? 'new'}`;
  return (
    <form ref={ref} action={action} className="space-y-2" noValidate>
      {requestId && <input type="hidden" name="requestId" value={requestId} />}
      {modelId && <input type="hidden" name="modelId" value={modelId} />}
      {parentId && <input type="hidden" name="parentId" value={parentId} />}
      <label htmlFor={fieldId} className="block text-xs font-medium text-slate-700">
        {label}
      </label>
      <textarea
        id={fieldId}
        name="body"
        rows={parentId ? 2 : 3}
        className={inputClass}
        placeholder="Mention a teammate with @name or @email"
        aria-invalid={!!state.fieldErrors.body}
        aria-describedby={state.fieldErrors.body ? `${fieldId}-error` : undefined}
      />
      <FieldError id={`${fieldId}-error`} errors={state.fieldErrors.body} />
      <div className="flex flex-wrap items-center gap-3">
        <button type="submit" disabled={pending} className={parentId ? secondaryButton : primaryButton}>
          {pending ? 'Posting…' : parentId ? 'Reply' : 'Comment'}
        </button>
        <FormMessage state={state} />
      </div>
    </form>
  );
}
