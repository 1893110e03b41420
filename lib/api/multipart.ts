import { ApiError } from './errors';

/**
 * A streaming multipart/form-data reader. `Request.formData()` buffers the whole body (every file)
 * in memory before the handler sees a byte; this yields the parts one by one, each file part as an
 * async iterable of chunks that can be piped straight into the artifact store. Only the delimiter
 * look-behind (boundary length) is ever held back.
 */
export type MultipartPart = {
  name: string;
  /** Present (possibly "") for file parts, undefined for plain fields. */
  filename: string | undefined;
  contentType: string | undefined;
  /** The part's bytes; read it (or not) before asking for the next part. */
  body: AsyncIterable<Uint8Array>;
  /** The part as UTF-8 text, refused past `limit` bytes. */
  text(limit: number): Promise<string>;
};

const CRLF = Buffer.from('\r\n');
const HEADER_END = Buffer.from('\r\n\r\n');
const MAX_HEADER_BYTES = 16 * 1024;
const MAX_PARTS = 100;

export function multipartBoundary(contentType: string | null): string | null {
  if (!contentType || !/^multipart\/form-data\s*(;|$)/i.test(contentType)) return null;
  const m = /;\s*boundary=(?:"([^"]{1,70})"|([^\s;]{1,70}))/i.exec(contentType);
  return m ? (m[1] ?? m[2]) : null;
}

function bad(message: string): ApiError {
  return new ApiError('invalid_multipart', `malformed multipart/form-data body: ${message}`);
}

class Scanner {
  private buf: Buffer = Buffer.alloc(0);
  private ended = false;
  constructor(private readonly it: AsyncIterator<Uint8Array>) {}

  get buffer(): Buffer {
    return this.buf;
  }

  async fill(): Promise<boolean> {
    if (this.ended) return false;
    let r: IteratorResult<Uint8Array>;
    try {
      r = await this.it.next();
    } catch {
      // The client went away mid-upload (or the connection broke): a short body, not a server fault.
      throw bad('the connection closed before the body ended');
    }
    if (r.done) {
      this.ended = true;
      return false;
    }
    this.buf = this.buf.length
      ? Buffer.concat([this.buf, r.value])
      : Buffer.from(r.value.buffer, r.value.byteOffset, r.value.byteLength);
    return true;
  }

  /** Ensures at least n bytes are buffered; false at end of input. */
  async need(n: number): Promise<boolean> {
    while (this.buf.length < n) if (!(await this.fill())) return false;
    return true;
  }

  consume(n: number): Buffer {
    const out = this.buf.subarray(0, n);
    this.buf = this.buf.subarray(n);
    return out;
  }

  /** Yields bytes up to (not including) `delim`, leaving the delimiter at the front of the buffer. */
  async *until(delim: Buffer): AsyncGenerator<Uint8Array> {
    for (;;) {
      const idx = this.buf.indexOf(delim);
      if (idx >= 0) {
        if (idx > 0) yield this.consume(idx);
        return;
      }
      const keep = delim.length - 1;
      if (this.buf.length > keep) yield this.consume(this.buf.length - keep);
      if (!(await this.fill())) throw bad('the body ended inside a part');
    }
  }

  async close(): Promise<void> {
    if (!this.ended) await this.it.return?.();
  }
}

function parseHeaders(raw: string): { name: string; filename: string | undefined; contentType: string | undefined } {
  let disposition: string | undefined;
  let contentType: string | undefined;
  for (const line of raw.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) throw bad('a part header has no name');
    const key = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (key === 'content-disposition') disposition = value;
    else if (key === 'content-type') contentType = value;
  }
  if (!disposition || !/^form-data\s*(;|$)/i.test(disposition))
    throw bad('a part has no Content-Disposition: form-data');
  const params = dispositionParams(disposition);
  const name = params.get('name');
  if (!name) throw bad('a part has no field name');
  return { name, filename: params.get('filename'), contentType };
}

/**
 * The `; key=value` parameters after `form-data`, quoted strings honoured: a regex search for
 * `; name=` also matched inside a quoted filename (`filename="a; name=x.pth"` named the field "x").
 * The first of a repeated parameter wins; one without `=` is skipped; an unterminated quote is refused.
 */
function dispositionParams(value: string): Map<string, string> {
  const params = new Map<string, string>();
  const n = value.length;
  let i = 'form-data'.length;
  const skipWs = (): void => {
    while (i < n && (value[i] === ' ' || value[i] === '\t')) i++;
  };
  skipWs();
  while (i < n) {
    if (value[i] !== ';') {
      // Junk between parameters: skip to the next separator.
      while (i < n && value[i] !== ';') i++;
      continue;
    }
    i++;
    skipWs();
    let k = i;
    while (k < n && value[k] !== '=' && value[k] !== ';') k++;
    if (k >= n || value[k] === ';') {
      i = k;
      continue;
    }
    const key = value.slice(i, k).trim().toLowerCase();
    i = k + 1;
    skipWs();
    let v = '';
    if (value[i] === '"') {
      i++;
      for (;;) {
        if (i >= n) throw bad('a Content-Disposition quoted string is not terminated');
        const c = value[i];
        if (c === '"') {
          i++;
          break;
        }
        if (c === '\\' && i + 1 < n) {
          v += value[i + 1];
          i += 2;
        } else {
          v += c;
          i++;
        }
      }
    } else {
      let j = i;
      while (j < n && value[j] !== ';') j++;
      v = value.slice(i, j).trim();
      i = j;
    }
    skipWs();
    if (!params.has(key)) params.set(key, v);
  }
  return params;
}

/**
 * Reads `body` as multipart/form-data with `boundary`. The previous part's body is drained when the
 * next part is requested, so a caller may skip parts it does not want.
 */
export async function* readMultipart(
  body: ReadableStream<Uint8Array> | null,
  boundary: string,
): AsyncGenerator<MultipartPart> {
  if (!body) throw bad('the body is empty');
  const reader = body.getReader();
  const it: AsyncIterator<Uint8Array> = {
    next: () => reader.read() as Promise<IteratorResult<Uint8Array>>,
    return: async () => {
      await reader.cancel().catch(() => {});
      return { done: true, value: undefined };
    },
  };
  const s = new Scanner(it);
  const dash = Buffer.from(`--${boundary}`);
  const delim = Buffer.concat([CRLF, dash]);
  try {
    // Preamble: anything before the first boundary line (normally nothing).
    if (!(await s.need(dash.length))) throw bad('no opening boundary');
    if (!s.buffer.subarray(0, dash.length).equals(dash)) {
      for await (const _ of s.until(delim)) void _;
      s.consume(CRLF.length);
    }
    let parts = 0;
    for (;;) {
      // At "--boundary": then "--" (the end) or CRLF (another part).
      if (!(await s.need(dash.length + 2))) throw bad('the body ended after a boundary');
      s.consume(dash.length);
      const after = s.consume(2).toString('latin1');
      if (after === '--') return;
      if (after !== '\r\n') throw bad('a boundary is not followed by CRLF');
      if (++parts > MAX_PARTS) throw bad(`more than ${MAX_PARTS} parts`);

      let end: number;
      while ((end = s.buffer.indexOf(HEADER_END)) < 0) {
        if (s.buffer.length > MAX_HEADER_BYTES) throw bad('part headers are too long');
        if (!(await s.fill())) throw bad('the body ended inside part headers');
      }
      if (end > MAX_HEADER_BYTES) throw bad('part headers are too long');
      const headers = parseHeaders(s.consume(end).toString('utf8'));
      s.consume(HEADER_END.length);

      let done = false;
      const gen = s.until(delim);
      const partBody: AsyncIterable<Uint8Array> = {
        [Symbol.asyncIterator]: () => ({
          next: async () => {
            const r = await gen.next();
            if (r.done) done = true;
            return r;
          },
        }),
      };
      yield {
        ...headers,
        body: partBody,
        async text(limit: number) {
          const chunks: Uint8Array[] = [];
          let n = 0;
          for await (const c of partBody) {
            n += c.byteLength;
            if (n > limit)
              throw new ApiError('payload_too_large', `form field "${headers.name}" exceeds ${limit} bytes`);
            chunks.push(c);
          }
          return Buffer.concat(chunks).toString('utf8');
        },
      };
      if (!done) for await (const _ of partBody) void _;
      s.consume(CRLF.length); // the CRLF that starts the delimiter
    }
  } finally {
    await s.close();
  }
}
