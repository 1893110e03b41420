import type { Metadata } from 'next';
import { redirect } from 'next/navigation';
import { SignInForm } from './_components/sign-in-form';
import { getCurrentActor } from '@/lib/auth/current';
import { safeRedirectPath } from '@/lib/auth/safe-redirect';
import { demoMode, publicUrl } from '@/lib/config';
import { DEMO_USERS } from '@/lib/registry/demo-users';

export const metadata: Metadata = { title: 'Sign in' };

export default async function SignInPage({ searchParams }: { searchParams: Promise<{ next?: string }> }) {
  const { next } = await searchParams;
  // `next` is anyone's to set: only a same-origin path is followed (lib/auth/safe-redirect.ts).
  if (await getCurrentActor()) redirect(safeRedirectPath(next, publicUrl().origin));
  return (
    <main className="mx-auto flex min-h-screen max-w-md flex-col justify-center px-6 py-12">
      <h1 className="text-2xl font-semibold tracking-tight">Sign in to Drawbridge</h1>
      <p className="mt-1 text-sm text-slate-600">Nothing crosses the drawbridge unless it is verified and approved.</p>
      <div className="mt-8 rounded-lg border border-slate-200 bg-white p-6 shadow-sm">
        <SignInForm next={next} />
      </div>
      {demoMode() && (
        <section
          aria-labelledby="demo-heading"
          className="mt-6 rounded-lg border border-amber-300 bg-amber-50 p-4 text-sm"
        >
          <h2 id="demo-heading" className="font-medium text-amber-900">
            Demo accounts
          </h2>
          <p className="mt-1 text-amber-900">This server runs in demo mode. One account per role:</p>
          <table className="mt-2 w-full text-left">
            <thead>
              <tr className="text-amber-900">
                <th scope="col" className="py-1 font-medium">
                  Role
                </th>
                <th scope="col" className="py-1 font-medium">
                  Email
                </th>
                <th scope="col" className="py-1 font-medium">
                  Password
                </th>
              </tr>
            </thead>
            <tbody className="font-mono text-xs">
              {DEMO_USERS.map((u) => (
                <tr key={u.email}>
                  <td className="py-1 font-sans text-sm">{u.role}</td>
                  <td className="py-1">{u.email}</td>
                  <td className="py-1">{u.password}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
    </main>
  );
}
