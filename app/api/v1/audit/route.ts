// GET /api/v1/audit - audit events, newest first (?actor_id, ?action, ?subject_type, ?subject_id, ?page; the total
// is counted up to 1000, total_exact says whether it stopped); or the
// whole matching log, oldest first, streamed as JSON lines (?format=jsonl or Accept: application/x-ndjson)
// or CSV (?format=csv or Accept: text/csv), hashes included so a reader can re-check the chain.
import { auditListQuery } from '@/lib/api/contract/system';
import { withActor } from '@/lib/api/handler';
import { parseQuery, queryParams } from '@/lib/api/params';
import { auditEventToJson } from '@/lib/api/serialize';
import { listAuditEvents } from '@/lib/registry/audit';
import { AUDIT_EXPORT_TYPES, streamAuditEvents, type AuditExportFormat } from '@/lib/registry/audit-export';

/** ?format wins; otherwise the Accept header may ask for a file form. */
function formatOf(req: Request, format: 'json' | AuditExportFormat | undefined): 'json' | AuditExportFormat {
  if (format) return format;
  const accept = req.headers.get('accept') ?? '';
  if (/application\/(x-)?ndjson|application\/jsonl/i.test(accept)) return 'jsonl';
  if (/text\/csv/i.test(accept)) return 'csv';
  return 'json';
}

export const GET = withActor('audit.read', async (req, { actor, db }) => {
  const q = parseQuery(auditListQuery, queryParams(req));
  const filter = { actorId: q.actor_id, action: q.action, subjectType: q.subject_type, subjectId: q.subject_id };
  const format = formatOf(req, q.format);
  if (format !== 'json') {
    const day = new Date().toISOString().slice(0, 10);
    return new Response(streamAuditEvents(db, actor, filter, format), {
      headers: {
        'content-type': AUDIT_EXPORT_TYPES[format],
        'content-disposition': `attachment; filename="drawbridge-audit-${day}.${format}"`,
        'cache-control': 'no-store',
      },
    });
  }
  const r = await listAuditEvents(db, actor, { ...filter, page: q.page });
  return Response.json({
    total: r.total,
    total_exact: r.totalExact,
    page: r.page,
    page_size: r.pageSize,
    events: r.events.map(auditEventToJson),
  });
});
