// POST /api/v1/admin/signing-keys/{id}/retire - admins retire a key: the links it signed stop
//      opening (on every server within 60 s); 200 with the key, 409 key_in_use for the key that
//      signs (rotate first), 404 key_not_found. A POST to a sub-path, not DELETE: the row stays,
//      dated, so the list and the audit log still name it.
import { withActor } from '@/lib/api/handler';
import { retireSigningKeyJson } from '@/lib/api/signing-keys';

export const POST = withActor<{ id: string }>('keys.manage', async (_req, { actor, db, params }) =>
  Response.json(await retireSigningKeyJson(db, actor, params.id)),
);
