import Link from 'next/link';
import { HeaderMenu } from './_components/header-menu';
import { NavLink } from './_components/nav-link';
import { signOut } from '@/app/(auth)/sign-in/actions';
import { requirePageActor } from '@/lib/auth/current';
import { can } from '@/lib/auth/permissions';
import { getDb } from '@/lib/db';
import { NAVIGATION } from '@/lib/navigation';
import { countUnread } from '@/lib/registry/notifications';

export default async function ConsoleLayout({ children }: { children: React.ReactNode }) {
  const actor = await requirePageActor();
  const unread = await countUnread(await getDb(), actor);
  return (
    <div className="min-h-screen">
      <a
        href="#main"
        className="sr-only focus:not-sr-only focus:absolute focus:left-2 focus:top-2 focus:bg-white focus:p-2"
      >
        Skip to content
      </a>
      <header className="border-b border-slate-200 bg-white">
        <div className="mx-auto flex max-w-7xl flex-wrap items-center gap-x-4 gap-y-2 px-4 py-3">
          <Link href="/" className="text-lg font-semibold tracking-tight text-indigo-900">
            Drawbridge
          </Link>
          <HeaderMenu>
            <nav aria-label="Main" className="flex flex-col gap-1 md:flex-1 md:flex-row md:flex-wrap">
              {NAVIGATION.filter((n) => can(actor, n.permission)).map((n) => (
                <NavLink key={n.href} href={n.href}>
                  {n.label}
                </NavLink>
              ))}
            </nav>
            <div className="flex flex-wrap items-center gap-3 text-sm">
              <NavLink href="/inbox">
                Inbox
                {unread > 0 && (
                  <>
                    <span
                      aria-hidden
                      className="ml-1.5 rounded-full bg-indigo-700 px-1.5 py-0.5 text-xs font-semibold text-white"
                      data-testid="inbox-unread"
                    >
                      {unread > 99 ? '99+' : unread}
                    </span>
                    <span className="sr-only">, {unread} unread</span>
                  </>
                )}
              </NavLink>
              <Link href="/settings/tokens" className="text-slate-700 hover:underline">
                <span className="font-medium">{actor.name}</span>{' '}
                <span className="rounded bg-slate-100 px-1.5 py-0.5 text-xs text-slate-700" data-testid="current-role">
                  {actor.role}
                </span>
              </Link>
              <form action={signOut}>
                <button type="submit" className="rounded-md border border-slate-300 px-3 py-1.5 hover:bg-slate-50">
                  Sign out
                </button>
              </form>
            </div>
          </HeaderMenu>
        </div>
      </header>
      <main id="main" className="mx-auto max-w-7xl px-4 py-6 md:py-8">
        {children}
      </main>
    </div>
  );
}
