// GET /api/v1/audit - audit events, newest first (?action, ?subject_type, ?subject_id, ?page).
import { withActor } from '@/lib/api/handler';
import { listAuditEvents } from '@/lib/registry/audit';

export const GET = withActor('audit.read', async (req, { actor, db }) => {
  const sp = new URL(req.url).searchParams;
  const r = await listAuditEvents(db, actor, {
    action: sp.get('action') ?? undefined,
    subjectType: sp.get('subject_type') ?? undefined,
    subjectId: sp.get('subject_id') ?? undefined,
    page: Number(sp.get('page')) || 1,
  });
  return Response.json({ total: r.total, page: r.page, page_size: r.pageSize, events: r.events });
});
