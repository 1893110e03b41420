import type { Metadata } from 'next';
import { CreateTokenForm } from './_components/create-token-form';
import { Badge, PageHeader } from '@/components/ui';
import { requirePageActor } from '@/lib/auth/current';
import { listApiTokens } from '@/lib/auth/sessions';
import { getDb } from '@/lib/db';
import { fmtDate } from '@/lib/format-display';
import { revokeTokenAction } from './actions';

export const metadata: Metadata = { title: 'API tokens' };

async function revoke(formData: FormData) {
  'use server';
  await revokeTokenAction(undefined, formData);
}

export default async function TokensPage() {
  const actor = await requirePageActor('/settings/tokens');
  const tokens = await listApiTokens(await getDb(), actor);
  return (
    <>
      <PageHeader
        title="API tokens"
        description={`Tokens let pipelines and the drawbridge CLI act as you (${actor.email}, role ${actor.role}) over HTTP: send "Authorization: Bearer <token>". Only a hash is stored.`}
      />
      <section className="rounded-lg border border-slate-200 bg-white p-5">
        <CreateTokenForm />
      </section>
      <ul className="mt-6 divide-y divide-slate-100 rounded-lg border border-slate-200 bg-white">
        {tokens.length === 0 && <li className="px-4 py-6 text-sm text-slate-600">You have no API tokens.</li>}
        {tokens.map((t) => (
          <li key={t.id} className="flex flex-wrap items-center justify-between gap-3 px-4 py-3 text-sm">
            <span>
              <span className="font-medium">{t.name}</span> <code className="text-xs text-slate-600">{t.prefix}…</code>
            </span>
            <span className="flex items-center gap-3 text-slate-600">
              created {fmtDate(t.createdAt)} · last used {fmtDate(t.lastUsedAt)}
              {t.expiresAt && ` · expires ${fmtDate(t.expiresAt)}`}
              {t.revokedAt ? (
                <Badge tone="red">revoked</Badge>
              ) : (
                <form action={revoke}>
                  <input type="hidden" name="id" value={t.id} />
                  <button
                    type="submit"
                    className="rounded border border-red-300 px-2 py-1 text-red-800 hover:bg-red-50"
                    aria-label={`Revoke token ${t.name}`}
                  >
                    Revoke
                  </button>
                </form>
              )}
            </span>
          </li>
        ))}
      </ul>
    </>
  );
}
