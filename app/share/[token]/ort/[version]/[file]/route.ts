// GET /share/{token}/ort/{version}/{file} - the onnxruntime-web runtime for the shared page's
//     preview, the same allowlist as /ort (lib/api/ort-response.ts), answered only while the link
//     opens its page: revoked, expired or unknown, it is a 404 like any other miss.
import { withPublic } from '@/lib/api/handler';
import { notFoundResponse, ortFileResponse } from '@/lib/api/ort-response';
import { getDb } from '@/lib/db';
import { resolveShareToken } from '@/lib/registry/share-links';

export const dynamic = 'force-dynamic';

export const GET = withPublic<{ token: string; version: string; file: string }>(async (req, ctx) => {
  const { token, version, file } = await ctx.params;
  // Runtime files are not page views: the link's access counter stays as it is.
  if (!(await resolveShareToken(await getDb(), token, { count: false }))) return notFoundResponse();
  const res = await ortFileResponse(req, version, file);
  // Browser caches only: a shared cache would go on answering for the link after it is revoked.
  res.headers.set('Cache-Control', 'private, max-age=31536000, immutable');
  return res;
});
