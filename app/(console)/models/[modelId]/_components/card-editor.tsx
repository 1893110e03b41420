'use client';

import { useActionState, useState } from 'react';
import { ModelCardView } from '@/components/model-card-view';
import { primaryButton } from '@/components/field';
import { FormMessage } from '@/components/form-message';
import { initialActionState } from '@/lib/auth/action-state';
import { saveModelCardAction } from '../actions';

const TABS = [
  ['write', 'Write'],
  ['preview', 'Preview'],
] as const;

/**
 * The model card's Write / Preview tabs. The text is held here (a controlled field), so neither a
 * refused save nor the form reset after a save loses what the reviewer typed.
 */
export function CardEditor({
  modelId,
  baseVersion,
  initial,
  maxChars,
}: {
  modelId: string;
  baseVersion: number;
  initial: string;
  maxChars: number;
}) {
  const [state, action, pending] = useActionState(saveModelCardAction, initialActionState);
  const [text, setText] = useState(initial);
  const [tab, setTab] = useState<'write' | 'preview'>('write');
  // Open from the start while there is no card; after that the reviewer's choice, which a save's
  // re-render (now with a card) must not undo.
  const [open, setOpen] = useState(baseVersion === 0);
  const over = text.length > maxChars;
  const tabClass = (t: typeof tab) =>
    `rounded-t px-3 py-1.5 text-sm font-medium ${tab === t ? 'border border-b-white border-slate-300 bg-white text-slate-900' : 'text-slate-700 hover:text-slate-900'}`;
  return (
    <details className="mt-4" open={open} onToggle={(e) => setOpen(e.currentTarget.open)}>
      <summary className="cursor-pointer text-sm font-medium text-indigo-800">
        {baseVersion === 0 && !state.ok ? 'Write the model card' : 'Edit the model card'}
      </summary>
      <form action={action} className="mt-3" noValidate>
        <input type="hidden" name="modelId" value={modelId} />
        <input type="hidden" name="baseVersion" value={baseVersion} />
        <input type="hidden" name="markdown" value={text} />
        <div role="tablist" aria-label="Model card editor" className="-mb-px flex gap-1">
          {TABS.map(([t, name]) => (
            <button
              key={t}
              type="button"
              role="tab"
              id={`card-${t}-tab`}
              aria-selected={tab === t}
              aria-controls={`card-${t}`}
              className={tabClass(t)}
              onClick={() => setTab(t)}
            >
              {name}
            </button>
          ))}
        </div>
        <div
          role="tabpanel"
          id="card-write"
          aria-labelledby="card-write-tab"
          hidden={tab !== 'write'}
          className="rounded-b rounded-tr border border-slate-300 p-3"
        >
          <label htmlFor="card-markdown" className="block text-xs font-medium text-slate-700">
            Model card (Markdown: ## headings, **bold**, *italic*, lists, `code`, [links](https://…), tables; HTML is
            shown as text)
          </label>
          <textarea
            id="card-markdown"
            value={text}
            onChange={(e) => setText(e.target.value)}
            rows={16}
            aria-invalid={over || !!state.fieldErrors.markdown}
            aria-describedby="card-count"
            className="mt-1 w-full rounded border border-slate-300 p-2 font-mono text-xs"
          />
          <p id="card-count" className={`text-xs ${over ? 'font-medium text-red-800' : 'text-slate-600'}`}>
            {text.length.toLocaleString('en')} of {maxChars.toLocaleString('en')} characters
            {over ? ': shorten it before saving' : ''}
          </p>
        </div>
        <div
          role="tabpanel"
          id="card-preview"
          aria-labelledby="card-preview-tab"
          hidden={tab !== 'preview'}
          className="rounded-b rounded-tr border border-slate-300 p-3"
        >
          {text.trim() ? (
            <ModelCardView markdown={text} />
          ) : (
            <p className="text-sm text-slate-600">Nothing to preview.</p>
          )}
        </div>
        <div className="mt-3 flex flex-wrap items-center gap-3">
          <button type="submit" disabled={pending || over} className={primaryButton}>
            {pending ? 'Saving…' : baseVersion === 0 ? 'Save model card' : `Save as version ${baseVersion + 1}`}
          </button>
          <FormMessage state={state} />
        </div>
      </form>
    </details>
  );
}
