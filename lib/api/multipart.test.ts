import { describe, expect, it } from 'vitest';
import { parseRange } from './artifact-response';
import { multipartBoundary, readMultipart } from './multipart';

function streamOf(bytes: Uint8Array, chunk: number): ReadableStream<Uint8Array> {
  let i = 0;
  return new ReadableStream({
    pull(c) {
      if (i >= bytes.length) return c.close();
      c.enqueue(bytes.slice(i, i + chunk));
      i += chunk;
    },
  });
}

async function collect(body: Uint8Array, boundary: string, chunk: number) {
  const out: { name: string; filename?: string; contentType?: string; data: string }[] = [];
  for await (const p of readMultipart(streamOf(body, chunk), boundary)) {
    const parts: Uint8Array[] = [];
    for await (const c of p.body) parts.push(c);
    out.push({
      name: p.name,
      filename: p.filename,
      contentType: p.contentType,
      data: Buffer.concat(parts).toString('latin1'),
    });
  }
  return out;
}

describe('readMultipart', () => {
  it('matches what undici encodes, whatever the chunking', async () => {
    const f = new FormData();
    f.set('metadata', '{"job_name":"x"}');
    const bin = new Uint8Array(5000).map((_, i) => (i * 31) % 256);
    bin.set(Buffer.from('\r\n--'), 100); // a false delimiter start inside the data
    f.set('checkpoint', new Blob([bin], { type: 'application/octet-stream' }), 'a "b";c.pth');
    f.set('empty', new Blob([]), '');
    const req = new Request('http://x/', { method: 'POST', body: f });
    const boundary = multipartBoundary(req.headers.get('content-type'))!;
    const bytes = new Uint8Array(await req.arrayBuffer());
    for (const chunk of [1, 7, 64, 100_000]) {
      const parts = await collect(bytes, boundary, chunk);
      expect(parts.map((p) => p.name)).toEqual(['metadata', 'checkpoint', 'empty']);
      expect(parts[0]).toMatchObject({ data: '{"job_name":"x"}', filename: undefined });
      expect(parts[1].filename).toBe('a %22b%22;c.pth'); // undici percent-encodes quotes
      expect(Buffer.from(parts[1].data, 'latin1').equals(Buffer.from(bin))).toBe(true);
      expect(parts[2]).toMatchObject({ data: '', filename: undefined }); // undici omits an empty filename
    }
  });

  it('skips parts the caller does not read, and a preamble', async () => {
    const body = Buffer.from(
      'preamble\r\n--b\r\nContent-Disposition: form-data; name="a"\r\n\r\nAAA\r\n--b\r\nContent-Disposition: form-data; name=c\r\n\r\nC\r\n--b--\r\n',
    );
    const names: string[] = [];
    let last = '';
    for await (const p of readMultipart(streamOf(body, 3), 'b')) {
      names.push(p.name);
      if (p.name === 'c') last = await p.text(10);
    }
    expect(names).toEqual(['a', 'c']);
    expect(last).toBe('C');
  });

  it('refuses truncated or headerless bodies and over-long fields', async () => {
    const run = async (s: string) => {
      for await (const p of readMultipart(streamOf(Buffer.from(s), 4), 'b')) await p.text(5);
    };
    await expect(run('--b\r\nContent-Disposition: form-data; name="a"\r\n\r\nAAA')).rejects.toMatchObject({
      code: 'invalid_multipart',
    });
    await expect(run('--b\r\nX: y\r\n\r\nA\r\n--b--')).rejects.toMatchObject({ code: 'invalid_multipart' });
    await expect(run('--b\r\nContent-Disposition: form-data; name="a"\r\n\r\nAAAAAAAA\r\n--b--')).rejects.toMatchObject(
      { code: 'payload_too_large' },
    );
    await expect(run('')).rejects.toMatchObject({ code: 'invalid_multipart' });
  });

  it('reads the boundary from the Content-Type', () => {
    expect(multipartBoundary('multipart/form-data; boundary=abc')).toBe('abc');
    expect(multipartBoundary('multipart/form-data; boundary="a b"')).toBe('a b');
    expect(multipartBoundary('multipart/form-data')).toBeNull();
    expect(multipartBoundary('application/json; boundary=x')).toBeNull();
  });
});

describe('parseRange', () => {
  it('handles a-b, a-, -n, unsatisfiable and ignorable ranges', () => {
    expect(parseRange('bytes=0-9', 100)).toEqual({ start: 0, end: 9 });
    expect(parseRange('bytes=90-', 100)).toEqual({ start: 90, end: 99 });
    expect(parseRange('bytes=95-200', 100)).toEqual({ start: 95, end: 99 });
    expect(parseRange('bytes=-10', 100)).toEqual({ start: 90, end: 99 });
    expect(parseRange('bytes=-1000', 100)).toEqual({ start: 0, end: 99 });
    expect(parseRange('bytes=100-', 100)).toBe('unsatisfiable');
    expect(parseRange('bytes=-0', 100)).toBe('unsatisfiable');
    expect(parseRange('bytes=9-1', 100)).toBeNull();
    expect(parseRange('bytes=0-1,3-4', 100)).toBeNull();
    expect(parseRange('items=0-1', 100)).toBeNull();
  });
});
