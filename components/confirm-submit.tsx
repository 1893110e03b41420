'use client';

import { useState } from 'react';
import { dangerButton, secondaryButton } from './field';

/**
 * A two-step submit for destructive actions: the first click asks, the second acts.
 * Keyboard- and screen-reader-friendly (the question labels the group; focus moves to confirm).
 */
export function ConfirmSubmit({
  label,
  confirmLabel,
  question,
  pending,
}: {
  label: string;
  confirmLabel: string;
  question: string;
  pending: boolean;
}) {
  const [asking, setAsking] = useState(false);
  if (!asking) {
    return (
      <button type="button" className={secondaryButton} onClick={() => setAsking(true)}>
        {label}
      </button>
    );
  }
  return (
    <span role="group" aria-label={question} className="inline-flex flex-wrap items-center gap-2">
      <span className="text-sm text-slate-700">{question}</span>
      <button type="submit" className={dangerButton} disabled={pending} autoFocus>
        {pending ? 'Working…' : confirmLabel}
      </button>
      <button type="button" className={secondaryButton} onClick={() => setAsking(false)}>
        Cancel
      </button>
    </span>
  );
}
