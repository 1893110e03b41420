import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { ISOLATION_HEADERS, ORT_FILES, ortDistDir, ortVersion } from '../preview/ort-assets';
import { toStream } from './artifact-response';

/** The answer for anything outside the allowlist, and for a share link that opens nothing. */
export function notFoundResponse(): Response {
  return Response.json({ detail: 'Not found', code: 'not_found' }, { status: 404 });
}

/**
 * One onnxruntime-web runtime file from node_modules/onnxruntime-web/dist: an allowlist only (no
 * path from the caller reaches the filesystem), correct MIME types for module workers and wasm
 * streaming compilation, immutable caching (the version is in the path), and the isolation headers
 * threads need. Served at /ort and, scoped to one link, under /share/{token}/ort.
 */
export async function ortFileResponse(req: Request, version: string, file: string): Promise<Response> {
  const type = Object.hasOwn(ORT_FILES, file) ? ORT_FILES[file] : undefined;
  if (!type || version !== ortVersion()) return notFoundResponse();
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
