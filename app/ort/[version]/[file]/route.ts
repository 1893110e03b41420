// GET /ort/{version}/{file} - the onnxruntime-web runtime files for the in-browser preview, from
//     node_modules/onnxruntime-web/dist: an allowlist only (no path from the caller reaches the
//     filesystem), correct MIME types for module workers and wasm streaming compilation, immutable
//     caching (the version is in the path), and the isolation headers threads need.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { toStream } from '@/lib/api/artifact-response';
import { ISOLATION_HEADERS, ORT_FILES, ortDistDir, ortVersion } from '@/lib/preview/ort-assets';

export async function GET(
  req: Request,
  ctx: { params: Promise<{ version: string; file: string }> },
): Promise<Response> {
  const { version, file } = await ctx.params;
  const type = Object.hasOwn(ORT_FILES, file) ? ORT_FILES[file] : undefined;
  if (!type || version !== ortVersion()) {
    return Response.json({ detail: 'Not found', code: 'not_found' }, { status: 404 });
  }
  const etag = `"onnxruntime-web-${version}-${file}"`;
  const headers = new Headers({
    ...ISOLATION_HEADERS,
    'Content-Type': type,
    'Cache-Control': 'public, max-age=31536000, immutable',
    ETag: etag,
  });
  if (
    req.headers
      .get('if-none-match')
      ?.split(',')
      .some((t) => t.trim() === etag)
  )
    return new Response(null, { status: 304, headers });
  const p = path.join(ortDistDir(), file);
  headers.set('Content-Length', String((await stat(p)).size));
  return new Response(toStream(createReadStream(p)), { status: 200, headers });
}
