import { modelCardImage, OG_SIZE } from '@/components/model-card-image';
import { getDb } from '@/lib/db';
import { resolveShareToken } from '@/lib/registry/share-links';

export const size = OG_SIZE;
export const contentType = 'image/png';
export const alt = 'Drawbridge model card';

export default async function Image({ params }: { params: Promise<{ token: string }> }) {
  const exp = await resolveShareToken(await getDb(), (await params).token, { count: false });
  if (!exp) return new Response('Not found', { status: 404 });
  return modelCardImage(exp);
}
