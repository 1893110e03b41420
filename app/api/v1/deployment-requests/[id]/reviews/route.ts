// POST /api/v1/deployment-requests/{id}/reviews - approve, request changes or reject
//      ({decision, comment, preview_summary?}); a preview_summary object is attached to the
//      export's bytes first (once the server's recomputation verifies it), so the approval carries
//      it → 201 {review, request}.
import { withActor } from '@/lib/api/handler';
import { readParams } from '@/lib/api/params';
import { reviewJson } from '@/lib/api/deployment-requests';
import { getStore } from '@/lib/storage';

export const POST = withActor<{ id: string }>('reviews.write', async (req, { actor, db, params }) =>
  Response.json(await reviewJson(db, getStore(), actor, params.id, await readParams(req)), { status: 201 }),
);
