'use client';

import { useId } from 'react';
import { CopyButton } from '@/components/copy-button';

/** A just-generated password: shown once, selectable, never re-readable after this render. */
export function UserPassword({ password, label }: { password: string; label: string }) {
  const id = useId();
  return (
    <div className="mt-3 rounded-md border border-amber-300 bg-amber-50 p-3">
      <label htmlFor={id} className="block text-xs font-medium text-amber-900">
        {label} — copy it now; it is not shown again
      </label>
      <div className="mt-1 flex flex-wrap items-center gap-2">
        <input
          id={id}
          readOnly
          value={password}
          autoComplete="off"
          spellCheck={false}
          onFocus={(e) => e.currentTarget.select()}
          className="w-full max-w-md rounded border border-amber-300 bg-white px-2 py-1 font-mono text-xs"
        />
        <CopyButton value={password} label="Copy password" targetId={id} />
      </div>
    </div>
  );
}
