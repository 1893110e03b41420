'use client';

import { useActionState, useEffect, useId, useRef, useState } from 'react';
import { initialActionState, type FormAction } from '@/lib/auth/action-state';
import { inputClass, primaryButton, secondaryButton } from './field';
import { FieldError, FormMessage } from './form-message';

type Suggestion = { id: string; name: string; email: string; mention: string };

// The mention being typed just before the caret: `@`, then a quoted name so far or a bare token.
const TYPING = /(?<![\w.@])@("[^"\n]{0,100}|[\p{L}\p{N}._%+-]{0,100}(?:@[\w.-]{0,100})?)$/u;

/**
 * A new comment or a reply; `@name`, `@"Full Name"` or `@email` mentions a teammate, with
 * suggestions from GET /api/v1/mention-suggestions as the mention is typed (arrow keys move, Enter
 * or Tab picks, Escape closes). The page passes the action (app/(console)/reviews/actions.ts), so
 * this shared form never imports a route.
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
  const body = useRef<HTMLTextAreaElement>(null);
  const [typing, setTyping] = useState<{ start: number; query: string } | null>(null);
  const [suggestions, setSuggestions] = useState<Suggestion[]>([]);
  const [active, setActive] = useState(0);
  const listId = useId();
  useEffect(() => {
    if (state.ok) ref.current?.reset();
  }, [state]);
  useEffect(() => {
    if (!typing) return;
    const ctl = new AbortController();
    // A short pause, so a fast typist sends one request, not one per key.
    const t = setTimeout(async () => {
      try {
        const res = await fetch(`/api/v1/mention-suggestions?q=${encodeURIComponent(typing.query)}`, {
          signal: ctl.signal,
        });
        if (!res.ok) return setSuggestions([]);
        const json = (await res.json()) as { suggestions: Suggestion[] };
        setSuggestions(json.suggestions);
        setActive(0);
      } catch {
        // Aborted by the next keystroke, or offline: no suggestions, typing still works.
      }
    }, 120);
    return () => {
      clearTimeout(t);
      ctl.abort();
    };
  }, [typing]);

  const open = !!typing && suggestions.length > 0;
  const close = () => {
    setTyping(null);
    setSuggestions([]);
  };
  const onInput = (el: HTMLTextAreaElement) => {
    const before = el.value.slice(0, el.selectionStart ?? el.value.length);
    const m = TYPING.exec(before);
    if (!m) return close();
    setTyping({ start: before.length - m[0].length, query: m[1].replace(/^"/, '') });
  };
  const pick = (s: Suggestion) => {
    const el = body.current;
    if (!el || !typing) return;
    const caret = el.selectionStart ?? el.value.length;
    const text = `${s.mention} `;
    el.value = el.value.slice(0, typing.start) + text + el.value.slice(caret);
    const at = typing.start + text.length;
    el.setSelectionRange(at, at);
    el.focus();
    close();
  };
  const onKeyDown = (e: React.KeyboardEvent<HTMLTextAreaElement>) => {
    if (!open) return;
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      const step = e.key === 'ArrowDown' ? 1 : -1;
      setActive((i) => (i + step + suggestions.length) % suggestions.length);
    } else if (e.key === 'Enter' || e.key === 'Tab') {
      e.preventDefault();
      pick(suggestions[active]);
    } else if (e.key === 'Escape') {
      e.preventDefault();
      close();
    }
  };

  const fieldId = `comment-body-${parentId ?? 'new'}`;
  const optionId = (i: number) => `${listId}-option-${i}`;
  return (
    <form ref={ref} action={action} className="space-y-2" noValidate>
      {requestId && <input type="hidden" name="requestId" value={requestId} />}
      {modelId && <input type="hidden" name="modelId" value={modelId} />}
      {parentId && <input type="hidden" name="parentId" value={parentId} />}
      <label htmlFor={fieldId} className="block text-xs font-medium text-slate-700">
        {label}
      </label>
      <div className="relative">
        <textarea
          ref={body}
          id={fieldId}
          name="body"
          rows={parentId ? 2 : 3}
          className={inputClass}
          placeholder='Mention a teammate with @name, @"Full Name" or @email'
          aria-invalid={!!state.fieldErrors.body}
          aria-describedby={state.fieldErrors.body ? `${fieldId}-error` : undefined}
          aria-autocomplete="list"
          aria-controls={open ? listId : undefined}
          aria-activedescendant={open ? optionId(active) : undefined}
          onInput={(e) => onInput(e.currentTarget)}
          onKeyDown={onKeyDown}
          onBlur={() => setTimeout(close, 150)}
        />
        {open && (
          <ul
            id={listId}
            role="listbox"
            aria-label="Teammates to mention"
            className="absolute z-10 mt-1 max-h-64 w-full overflow-auto rounded-md border border-slate-200 bg-white py-1 text-sm shadow-lg"
          >
            {suggestions.map((s, i) => (
              <li
                key={s.id}
                id={optionId(i)}
                role="option"
                aria-selected={i === active}
                className={`cursor-pointer px-3 py-1.5 ${i === active ? 'bg-indigo-50 text-indigo-900' : 'text-slate-800'}`}
                // mousedown, not click: the textarea must not lose focus (and close the list) first.
                onMouseDown={(e) => {
                  e.preventDefault();
                  pick(s);
                }}
              >
                <span className="font-medium">{s.name}</span> <span className="text-slate-600">{s.email}</span>
              </li>
            ))}
          </ul>
        )}
      </div>
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
