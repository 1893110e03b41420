import { modelCardImage, OG_SIZE } from '@/components/model-card-image';
import { getCurrentActor } from '@/lib/auth/current';
import { can } from '@/lib/auth/permissions';
import { getDb } from '@/lib/db';
import { getModelCard } from '@/lib/registry/model-page';

export const size = OG_SIZE;
export const contentType = 'image/png';
export const alt = 'Drawbridge model card';

// Behind sign-in like the page itself; public unfurls go through share links.
export default async function Image({ params }: { params: Promise<{ modelId: string }> }) {
  const actor = await getCurrentActor();
  if (!actor || !can(actor, 'models.read')) return new Response('Not authenticated', { status: 401 });
  const exp = await getModelCard(await getDb(), actor, (await params).modelId);
  if (!exp) return new Response('Not found', { status: 404 });
  return modelCardImage(exp);
}
