// GET /ort/{version}/{file} - the onnxruntime-web runtime files for the in-browser preview
//     (lib/api/ort-response.ts: an allowlist, MIME types, immutable caching, isolation headers).
import { ortFileResponse } from '@/lib/api/ort-response';

export async function GET(
  req: Request,
  ctx: { params: Promise<{ version: string; file: string }> },
): Promise<Response> {
  const { version, file } = await ctx.params;
  return ortFileResponse(req, version, file);
}
