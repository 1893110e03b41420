// GET /ort/{version}/{file} - the onnxruntime-web runtime files for the in-browser preview
//     (lib/api/ort-response.ts: an allowlist, MIME types, immutable caching, isolation headers).
import { withPublic } from '@/lib/api/handler';
import { ortFileResponse } from '@/lib/api/ort-response';

export const GET = withPublic<{ version: string; file: string }>(async (req, ctx) => {
  const { version, file } = await ctx.params;
  return ortFileResponse(req, version, file);
});
