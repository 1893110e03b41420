// DELETE /api/v1/share-links/{id} - deployers and admins revoke a share link: it stops opening the
//        page at once; 204, or 404 share_link_not_found for an unknown or already revoked id.
//        Named by the link's id alone (not under its model) because the list hands out only ids.
import { withActor } from '@/lib/api/handler';
import { revokeShareLinkById } from '@/lib/api/share-links';

export const DELETE = withActor<{ id: string }>('share.manage', async (_req, { actor, db, params }) => {
  await revokeShareLinkById(db, actor, params.id);
  return new Response(null, { status: 204 });
});
