'use client';

import { useCallback, useSyncExternalStore } from 'react';
import { parseBackendPreference, type BackendPreference } from '@/lib/preview/backend-choice';

// The reviewer's backend choice, kept per browser: every preview (model pages, request pages, other
// tabs) starts from the last one chosen.
const KEY = 'drawbridge.preview.backend';
const CHANGED = 'drawbridge:preview-backend';
// Where the choice lives when storage is blocked (private modes, policies): this page only.
let inMemory: BackendPreference | null = null;

export function readBackendPreference(): BackendPreference {
  try {
    return parseBackendPreference(localStorage.getItem(KEY) ?? inMemory);
  } catch {
    return inMemory ?? 'auto';
  }
}

function subscribe(onChange: () => void) {
  // 'storage' fires for other tabs' writes, CHANGED for this page's.
  window.addEventListener('storage', onChange);
  window.addEventListener(CHANGED, onChange);
  return () => {
    window.removeEventListener('storage', onChange);
    window.removeEventListener(CHANGED, onChange);
  };
}

/** The stored preference (automatic on the server and until hydrated) and its setter. */
export function useBackendPreference(): [BackendPreference, (p: BackendPreference) => void] {
  const pref = useSyncExternalStore(subscribe, readBackendPreference, () => 'auto' as const);
  const set = useCallback((p: BackendPreference) => {
    inMemory = p;
    try {
      localStorage.setItem(KEY, p);
    } catch {
      // Blocked storage: kept in memory for this page.
    }
    window.dispatchEvent(new Event(CHANGED));
  }, []);
  return [pref, set];
}
