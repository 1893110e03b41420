'use client';

import { useEffect, useRef, useState } from 'react';
import { secondaryButton } from '@/components/field';

type Outcome = 'idle' | 'copied' | 'selected';

/**
 * Copies a link or secret that is shown once. The async Clipboard API exists only on secure
 * origins (HTTPS, localhost); elsewhere, or when the browser refuses, the text is selected in its
 * field (`targetId`) and copied the old way, or left selected for Ctrl+C. The outcome is announced.
 */
export function CopyButton({ value, label, targetId }: { value: string; label: string; targetId?: string }) {
  const [outcome, setOutcome] = useState<Outcome>('idle');
  const timer = useRef<ReturnType<typeof setTimeout>>(undefined);
  useEffect(() => () => clearTimeout(timer.current), []);

  async function copy() {
    let result: Outcome;
    try {
      if (!navigator.clipboard) throw new Error('no async clipboard on this origin');
      await navigator.clipboard.writeText(value);
      result = 'copied';
    } catch {
      result = copyBySelecting(value, targetId) ? 'copied' : 'selected';
    }
    setOutcome(result);
    clearTimeout(timer.current);
    timer.current = setTimeout(() => setOutcome('idle'), 4000);
  }

  return (
    <span className="inline-flex items-center gap-2">
      <button type="button" onClick={copy} className={secondaryButton}>
        {label}
      </button>
      <span role="status" aria-live="polite" className="text-xs text-slate-700">
        {outcome === 'copied' ? 'Copied' : outcome === 'selected' ? 'Selected: press Ctrl+C (⌘C) to copy' : ''}
      </span>
    </span>
  );
}

/** The pre-Clipboard-API way: select the text (its own field, else a hidden one) and execCommand. */
function copyBySelecting(value: string, targetId?: string): boolean {
  const field = targetId ? document.getElementById(targetId) : null;
  if (field instanceof HTMLInputElement || field instanceof HTMLTextAreaElement) {
    field.focus();
    field.select();
    return document.execCommand('copy');
  }
  const scratch = document.createElement('textarea');
  scratch.value = value;
  scratch.setAttribute('readonly', '');
  scratch.style.position = 'fixed';
  scratch.style.opacity = '0';
  document.body.append(scratch);
  scratch.select();
  try {
    return document.execCommand('copy');
  } finally {
    scratch.remove();
  }
}
