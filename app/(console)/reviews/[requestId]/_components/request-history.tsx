import { Panel } from '@/components/ui';
import { fmtDate } from '@/lib/format-display';
import type { RequestDetail } from '@/lib/registry/review-detail';

/** The request's audit rows, oldest first, each with the change it recorded in a few words. */
export function RequestHistory({ history }: { history: RequestDetail['history'] }) {
  return (
    <Panel id="history-h" title="History" className="mt-6">
      <ol className="mt-3 space-y-1 text-sm">
        {history.map((h) => (
          <li key={h.id} className="flex flex-wrap gap-2">
            <time className="text-slate-600" dateTime={h.createdAt.toISOString()}>
              {fmtDate(h.createdAt)}
            </time>
            <code className="text-xs">{h.action}</code>
            <span>{h.actorLabel}</span>
            <HistoryDetail before={h.before} after={h.after} />
          </li>
        ))}
      </ol>
    </Panel>
  );
}

function HistoryDetail({ before, after }: { before: unknown; after: unknown }) {
  const b = (before ?? {}) as Record<string, unknown>;
  const a = (after ?? {}) as Record<string, unknown>;
  const bits: string[] = [];
  if (b.state && a.state && b.state !== a.state) bits.push(`${b.state} → ${a.state}`);
  if (a.decision) bits.push(String(a.decision).replace('_', ' '));
  if (b.modelId && a.modelId && b.modelId !== a.modelId) bits.push(`${b.modelId} → ${a.modelId}`);
  if (a.breakGlassReason) bits.push(`break-glass: ${a.breakGlassReason}`);
  if (a.failureReason) bits.push(`failed: ${a.failureReason}`);
  if (a.cause) bits.push(`because ${a.cause}`);
  return bits.length ? <span className="text-slate-600">({bits.join('; ')})</span> : null;
}
