import type { ArtifactStore } from '../storage/types';

/**
 * Serves a content-addressed artifact. Its SHA-256 is its strong ETag and the bytes under a hash
 * never change, so caches may keep it forever (`immutable`); `If-None-Match` answers 304 and a
 * single `Range` answers 206. The store re-verifies the hash on every read (a range read verifies
 * the whole object first; a full read errors the stream if the bytes changed).
 */
export async function artifactResponse(
  req: Request,
  store: ArtifactStore,
  a: { sha256: string; mediaType: string },
  opts: { filename?: string } = {},
): Promise<Response> {
  const etag = `"${a.sha256}"`;
  const headers = new Headers({
    ETag: etag,
    'Cache-Control': 'private, max-age=31536000, immutable, no-transform',
    'Accept-Ranges': 'bytes',
    'X-Content-Type-Options': 'nosniff',
  });
  if (opts.filename) headers.set('Content-Disposition', contentDisposition(opts.filename));

  if (matchesEtag(req.headers.get('if-none-match'), a.sha256)) return new Response(null, { status: 304, headers });

  const size = await store.size(a.sha256);
  headers.set('Content-Type', a.mediaType);
  const rangeHeader = req.headers.get('range');
  const ifRange = req.headers.get('if-range');
  // If-Range with another validator (or a date, which we never issue) means "send it all".
  const honourRange = rangeHeader && (!ifRange || ifRange.trim() === etag);
  const range = honourRange ? parseRange(rangeHeader, size) : null;
  if (range === 'unsatisfiable') {
    headers.set('Content-Range', `bytes */${size}`);
    headers.delete('Content-Type');
    return new Response(null, { status: 416, headers });
  }
  if (range) {
    const body = toStream(await store.stream(a.sha256, range));
    headers.set('Content-Range', `bytes ${range.start}-${range.end}/${size}`);
    headers.set('Content-Length', String(range.end - range.start + 1));
    return new Response(body, { status: 206, headers });
  }
  headers.set('Content-Length', String(size));
  return new Response(toStream(await store.stream(a.sha256)), { status: 200, headers });
}

function matchesEtag(header: string | null, sha256: string): boolean {
  if (!header) return false;
  return header.split(',').some((t) => {
    const v = t.trim();
    return v === '*' || v.replace(/^W\//, '') === `"${sha256}"`;
  });
}

/**
 * One `bytes=` range (a-b, a-, -n). Several ranges or a malformed header are ignored (200 with the
 * whole object, as RFC 9110 allows); a well-formed range that misses the object is unsatisfiable.
 */
export function parseRange(header: string, size: number): { start: number; end: number } | 'unsatisfiable' | null {
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return null;
  if (m[1] === '') {
    const n = Number(m[2]);
    if (n === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - n), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (m[2] !== '' && Number(m[2]) < start) return null;
  if (start >= size) return 'unsatisfiable';
  return { start, end };
}

function contentDisposition(filename: string): string {
  const ascii = filename.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return ascii === filename
    ? `attachment; filename="${filename}"`
    : `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(filename)}`;
}

/**
 * An async iterable (a store read, a file stream) as a web ReadableStream for a Response body.
 * Safer than Node 20's Readable.toWeb, which throws an uncaught ERR_INVALID_STATE when a client
 * disconnects mid-transfer.
 */
export function toStream(source: AsyncIterable<Uint8Array>): ReadableStream<Uint8Array> {
  const it = source[Symbol.asyncIterator]();
  // The client may go away while a read is pending (a page navigating mid-download): after
  // cancel() the controller is closed and must not be touched again.
  let cancelled = false;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      let r: IteratorResult<Uint8Array>;
      try {
        r = await it.next();
      } catch (e) {
        if (cancelled) return;
        // The store found the bytes changed on disk: abort the transfer rather than end it cleanly.
        console.error('artifact stream failed', e);
        controller.error(e);
        return;
      }
      if (cancelled) return;
      if (r.done) controller.close();
      else controller.enqueue(new Uint8Array(r.value.buffer, r.value.byteOffset, r.value.byteLength));
    },
    async cancel() {
      cancelled = true;
      await it.return?.();
    },
  });
}
