'use client';

import { useActionState, useSyncExternalStore } from 'react';
import { createShareLinkAction, revokeShareLinkAction } from '@/app/(console)/models/actions';
import { initialActionState } from '@/lib/auth/action-state';
import { Field, dangerButton, inputClass, secondaryButton } from '@/components/field';
import { FormMessage } from '@/components/form-message';
import { CopyButton } from '@/components/copy-button';

export type ShareLinkRow = {
  id: string;
  createdAt: string;
  createdBy: string;
  expiresAt: string | null;
  revokedAt: string | null;
  accessCount: number;
};

// The origin never changes while the page is open: nothing to subscribe to.
const subscribeToNothing = () => () => {};

export function SharePanel({ modelId, links }: { modelId: string; links: ShareLinkRow[] }) {
  const [state, action, pending] = useActionState(createShareLinkAction, initialActionState);
  // The page's origin, known only in the browser: '' while rendering on the server, no effect needed.
  const origin = useSyncExternalStore(
    subscribeToNothing,
    () => window.location.origin,
    () => '',
  );
  const path = (state.data as { path?: string } | undefined)?.path;
  return (
    <div className="space-y-4">
      <form action={action} className="flex flex-wrap items-end gap-3" noValidate>
        <input type="hidden" name="modelId" value={modelId} />
        <Field id="expiresInDays" label="Expires after (days, optional)" errors={state.fieldErrors.expiresInDays}>
          <input
            id="expiresInDays"
            name="expiresInDays"
            inputMode="numeric"
            className={`${inputClass} w-32`}
            aria-invalid={!!state.fieldErrors.expiresInDays}
            aria-describedby="expiresInDays-error"
          />
        </Field>
        <button type="submit" disabled={pending} className={secondaryButton}>
          {pending ? 'Creating…' : 'Create public link'}
        </button>
      </form>
      <FormMessage state={state} />
      {path && (
        <p>
          <label htmlFor="share-url" className="block text-xs font-medium text-slate-700">
            Public link
          </label>
          <span className="mt-1 flex flex-wrap items-center gap-2">
            <input
              id="share-url"
              readOnly
              value={`${origin}${path}`}
              className="min-w-0 flex-1 rounded border border-slate-300 bg-slate-50 px-2 py-1 font-mono text-xs"
            />
            <CopyButton value={`${origin}${path}`} label="Copy link" targetId="share-url" />
          </span>
        </p>
      )}
      {links.length > 0 && (
        <ul className="divide-y divide-slate-100 text-sm">
          {links.map((l) => (
            <li key={l.id} className="flex flex-wrap items-center justify-between gap-2 py-2">
              <span className="text-slate-700">
                Created {l.createdAt} by {l.createdBy} · opened {l.accessCount}×
                {l.expiresAt ? ` · expires ${l.expiresAt}` : ''}
              </span>
              <RevokeLink id={l.id} modelId={modelId} revokedAt={l.revokedAt} />
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

// Stays mounted after revocation so its outcome message survives the page's revalidation.
function RevokeLink({ id, modelId, revokedAt }: { id: string; modelId: string; revokedAt: string | null }) {
  const [state, action, pending] = useActionState(revokeShareLinkAction, initialActionState);
  return (
    <form action={action} className="flex items-center gap-2">
      <input type="hidden" name="shareLinkId" value={id} />
      <input type="hidden" name="modelId" value={modelId} />
      {revokedAt ? (
        <span className="text-slate-500">revoked {revokedAt}</span>
      ) : (
        <button type="submit" disabled={pending} className={dangerButton} aria-label={`Revoke link ${id}`}>
          Revoke
        </button>
      )}
      <FormMessage state={state} />
    </form>
  );
}
