// GET  /api/v1/admin/signing-keys - admins list the share-link signing keys, newest first: ids,
//      generations, dates and which one signs, never the keys (as `drawbridge admin list-keys --json`).
// POST /api/v1/admin/signing-keys - admins rotate: 201 with the new key, which signs new links from
//      now on while links signed with older keys keep opening until retired. Audited; takes no body.
import { withActor } from '@/lib/api/handler';
import { rotateSigningKeyJson, signingKeysJson } from '@/lib/api/signing-keys';

export const GET = withActor('keys.manage', async (_req, { actor, db }) =>
  Response.json(await signingKeysJson(db, actor)),
);

export const POST = withActor('keys.manage', async (_req, { actor, db }) =>
  Response.json(await rotateSigningKeyJson(db, actor), { status: 201 }),
);
