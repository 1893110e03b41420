// POST /api/v1/deployment-requests/{id}/amend - the requester changes the export, a flag
//      (replace_existing, backup_existing, validate_before_deployment) or the rationale; approvals
//      lapse only when the bytes change.
import { withActor } from '@/lib/api/handler';
import { readParams } from '@/lib/api/params';
import { amendJson } from '@/lib/api/deployment-requests';

export const POST = withActor<{ id: string }>('requests.create', async (req, { actor, db, params }) =>
  Response.json(await amendJson(db, actor, params.id, await readParams(req))),
);
