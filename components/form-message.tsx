'use client';

import { useEffect, useSyncExternalStore } from 'react';
import type { ActionState } from '@/lib/auth/action-state';

export function FieldError({ id, errors }: { id: string; errors?: string[] }) {
  if (!errors?.length) return null;
  return (
    <p id={id} className="mt-1 text-sm text-red-700">
      {errors.join(' ')}
    </p>
  );
}

/**
 * The latest result shown per page section. Forms that sit side by side (undeploy and roll back on
 * one row, validate and deploy on a model page) each have their own action state, so without this
 * every form kept its last message and the results stacked up. A module-level store, not a context:
 * the page that places the forms is a server component and need not wrap them in anything.
 */
const latest = new Map<string, ActionState>();
const listeners = new Set<() => void>();

function subscribe(listener: () => void) {
  listeners.add(listener);
  return () => {
    listeners.delete(listener);
  };
}

function publish(section: string, state: ActionState) {
  latest.set(section, state);
  for (const l of listeners) l();
}

/**
 * A form's success or failure message. With `section`, only the newest result among the forms of
 * that section is shown: each action's message replaces the previous one instead of joining it.
 */
export function FormMessage({ state, section }: { state: ActionState; section?: string }) {
  useEffect(() => {
    if (section && state.message) publish(section, state);
  }, [section, state]);
  const shown = useSyncExternalStore(
    subscribe,
    () => (section ? latest.get(section) : undefined),
    () => undefined,
  );
  if (!state.message) return null;
  if (section && shown !== undefined && shown !== state) return null;
  return (
    <p role={state.ok ? 'status' : 'alert'} className={`text-sm ${state.ok ? 'text-emerald-800' : 'text-red-700'}`}>
      {state.message}
    </p>
  );
}
