'use client';

import { useState } from 'react';

/**
 * The console header's collapsible part. Below the md breakpoint it folds behind a Menu button
 * (aria-expanded, aria-controls), so the header stays one line at 390 px; from md up it is always
 * shown and the button is hidden. Following a link closes it.
 */
export function HeaderMenu({ children }: { children: React.ReactNode }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button
        type="button"
        aria-expanded={open}
        aria-controls="console-menu"
        onClick={() => setOpen(!open)}
        className="ml-auto rounded-md border border-slate-300 px-3 py-1.5 text-sm font-medium text-slate-800 hover:bg-slate-50 md:hidden"
      >
        {open ? 'Close menu' : 'Menu'}
      </button>
      <div
        id="console-menu"
        onClick={(e) => {
          if ((e.target as HTMLElement).closest('a')) setOpen(false);
        }}
        className={`${open ? 'flex' : 'hidden'} w-full flex-col gap-3 pb-2 md:flex md:w-auto md:flex-1 md:flex-row md:items-center md:gap-4 md:pb-0`}
      >
        {children}
      </div>
    </>
  );
}
