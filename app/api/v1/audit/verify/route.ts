// GET /api/v1/audit/verify - walks the audit hash chain and reports the first broken link (an event
// edited, deleted or reordered in the database). `drawbridge audit verify` calls it over --server and
// through the server that holds the data directory.
import { withActor } from '@/lib/api/handler';
import { chainReportToDict, verifyAuditTrail } from '@/lib/registry/audit-export';

export const GET = withActor('audit.read', async (_req, { actor, db }) =>
  Response.json(chainReportToDict(await verifyAuditTrail(db, actor))),
);
