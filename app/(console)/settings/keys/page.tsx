import type { Metadata } from 'next';
import { CardTable, TableHead } from '@/components/table';
import { Badge, PageHeader } from '@/components/ui';
import { RetireSigningKeyButton, RotateSigningKeyButton } from './_components/signing-key-actions';
import { requirePagePermission } from '@/lib/auth/current';
import { getDb } from '@/lib/db';
import { fmtDate } from '@/lib/format-display';
import { listSigningKeys } from '@/lib/registry/signing-keys';

export const metadata: Metadata = { title: 'Signing keys' };

export default async function SigningKeysPage() {
  const actor = await requirePagePermission('keys.manage', '/settings/keys');
  const keys = await listSigningKeys(await getDb(), actor);
  // Set on this server, the environment's secret signs and verifies instead of these keys.
  const overridden = !!process.env.DRAWBRIDGE_SECRET;
  return (
    <>
      <PageHeader
        title="Signing keys"
        description="Share links carry a signature made with one of these keys (kept in the database, so every server uses the same ones). Rotating makes a new key that signs new links from then on; links signed with older keys keep opening until their key is retired. Retiring a key stops every link it signed. Every server picks a change up within a minute; rotations and retirements are audited."
        actions={<RotateSigningKeyButton />}
      />
      {overridden && (
        <p role="note" className="mb-4 rounded-md border border-amber-200 bg-amber-50 px-4 py-3 text-sm text-amber-900">
          DRAWBRIDGE_SECRET is set on this server: it signs and verifies share links with that secret, not with these
          keys.
        </p>
      )}
      <CardTable caption="Signing keys">
        <TableHead columns={['Generation', 'Key id', 'Created', 'Status', 'Actions']} />
        <tbody className="divide-y divide-slate-100">
          {keys.map((k) => (
            <tr key={k.id} className="align-top">
              <td className="px-4 py-3 font-medium">{k.generation}</td>
              <td className="px-4 py-3 font-mono text-xs">{k.id}</td>
              <td className="px-4 py-3 whitespace-nowrap">{fmtDate(k.createdAt)}</td>
              <td className="px-4 py-3">
                {k.signing ? (
                  <Badge tone="green">signing</Badge>
                ) : k.retiredAt ? (
                  <span className="inline-flex flex-col gap-1">
                    <Badge tone="red">retired</Badge>
                    <span className="text-xs text-slate-600">since {fmtDate(k.retiredAt)}</span>
                  </span>
                ) : (
                  <Badge tone="amber">verifies only</Badge>
                )}
              </td>
              <td className="px-4 py-3">
                {k.retiredAt ? (
                  <span className="text-xs text-slate-600">Its links no longer open.</span>
                ) : (
                  <RetireSigningKeyButton signingKey={k} />
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </CardTable>
    </>
  );
}
