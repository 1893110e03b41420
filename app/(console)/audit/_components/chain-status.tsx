import type { Actor } from '@/lib/auth/permissions';
import { getDb } from '@/lib/db';
import { verifyAuditTrail } from '@/lib/registry/audit-export';

/**
 * The audit page's verdict on the hash chain: the whole log re-checked on every view (streamed in
 * behind a Suspense boundary, so the table does not wait for it).
 */
export async function ChainStatus({ actor }: { actor: Actor }) {
  const r = await verifyAuditTrail(await getDb(), actor);
  const events = `${r.events} event${r.events === 1 ? '' : 's'}`;
  if (!r.broken) {
    return (
      <p
        role="status"
        aria-label="Audit chain"
        className="mb-4 rounded-md border border-green-200 bg-green-50 px-3 py-2 text-sm text-green-900"
      >
        <strong>Chain intact ({events})</strong>
        <span className="ml-2 text-xs text-green-800">
          every event&apos;s hash checked; head <code className="font-mono break-all">{r.headHash}</code>
        </span>
      </p>
    );
  }
  const where = r.broken.eventId === null ? 'at its head' : `at event ${r.broken.eventId}`;
  return (
    <div
      role="alert"
      aria-label="Audit chain"
      className="mb-4 rounded-md border border-red-300 bg-red-50 px-3 py-2 text-sm text-red-900"
    >
      <strong>Chain broken {where}</strong> <span className="font-mono text-xs">({r.broken.reason})</span>
      <p className="mt-1">{r.broken.message}</p>
      <p className="mt-1 text-xs">
        {events} before it verified. The database was changed outside Drawbridge: restore from a backup, or keep this
        log as evidence.
      </p>
    </div>
  );
}

export function ChainStatusPending() {
  return (
    <p
      role="status"
      aria-label="Audit chain"
      className="mb-4 rounded-md border border-slate-200 bg-slate-50 px-3 py-2 text-sm text-slate-700"
    >
      Verifying the audit chain…
    </p>
  );
}
