// GET  /api/v1/training/models/exports/{model_id}/share-links - the export's share links, newest
//      first, without their tokens (a token is shown once, when its link is made).
// POST /api/v1/training/models/exports/{model_id}/share-links - deployers and admins make a public
//      read-only link ({expires_in_days?}, 1–365); 201 with the token and the absolute URL
//      (DRAWBRIDGE_PUBLIC_URL's origin, else the one this request was addressed to).
import { withActor } from '@/lib/api/handler';
import { readParams } from '@/lib/api/params';
import { createShareLinkJson, shareLinksJson } from '@/lib/api/share-links';

export const GET = withActor<{ model_id: string }>('share.manage', async (_req, { actor, db, params }) =>
  Response.json(await shareLinksJson(db, actor, params.model_id)),
);

export const POST = withActor<{ model_id: string }>('share.manage', async (req, { actor, db, params }) =>
  Response.json(await createShareLinkJson(db, actor, params.model_id, await readParams(req), req), { status: 201 }),
);
