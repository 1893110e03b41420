// GET /api/v1/me - who the session or API token acts as, and what it may do.
import { withActor } from '@/lib/api/handler';
import { permissionsOf } from '@/lib/auth/permissions';

export const GET = withActor('models.read', async (_req, { actor }) =>
  Response.json({
    id: actor.id,
    email: actor.email,
    name: actor.name,
    role: actor.role,
    via: actor.via,
    permissions: permissionsOf(actor.role),
  }),
);
