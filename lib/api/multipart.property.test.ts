/**
 * Property: the streaming multipart reader yields parts or throws ApiError (invalid_multipart /
 * payload_too_large) for random bodies, generated bodies cut into random chunks, mutations of them
 * and streams that break mid-body; within the time cap, memory bounded; an honest body always
 * yields exactly the parts it was built from, whatever the chunking and whatever the field names
 * and filenames contain (quotes, semicolons, "name=").
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyMutation, checkReader, mutationArb } from '../formats/test-support/property';
import { ApiError } from './errors';
import { readMultipart } from './multipart';

type Part = { name: string; filename?: string; contentType?: string; data: Uint8Array };
type Input = { body: Uint8Array; boundary: string; chunks: number[]; breakAt?: number; limit: number; honest?: Part[] };

const BCHARS = "abcXYZ0123456789'()+_,-./:=?";
const boundaryArb = fc.array(fc.constantFrom(...BCHARS), { minLength: 1, maxLength: 70 }).map((c) => c.join(''));
const paramArb = fc.oneof(
  fc
    .array(fc.constantFrom('a', 'b', '.', '_', ' ', ';', '=', '"', '\\', 'é', 'name=', '; name=x', 'filename='), {
      minLength: 1,
      maxLength: 8,
    })
    .map((c) => c.join('')),
  fc.constantFrom('metadata', 'checkpoint', 'validation_set', 'a.pth'),
);
const partArb: fc.Arbitrary<Part> = fc.record(
  {
    name: paramArb,
    filename: paramArb,
    contentType: fc.constantFrom('application/octet-stream', 'text/plain; charset=utf-8'),
    data: fc.oneof(
      fc.uint8Array({ maxLength: 300 }),
      fc.constantFrom(new Uint8Array(0), new TextEncoder().encode('\r\n--\r\n-')),
    ),
  },
  { requiredKeys: ['name', 'data'] },
);

const quote = (s: string): string => `"${s.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

function encode(parts: Part[], boundary: string, preamble: string): Uint8Array {
  const out: Uint8Array[] = [enc(preamble ? `${preamble}\r\n` : '')];
  for (const p of parts) {
    let h = `--${boundary}\r\nContent-Disposition: form-data; name=${quote(p.name)}`;
    if (p.filename !== undefined) h += `; filename=${quote(p.filename)}`;
    h += '\r\n';
    if (p.contentType !== undefined) h += `Content-Type: ${p.contentType}\r\n`;
    out.push(enc(`${h}\r\n`), p.data, enc('\r\n'));
  }
  out.push(enc(`--${boundary}--\r\n`));
  return Buffer.concat(out);
}

const chunksArb = fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 8 });

const generated: fc.Arbitrary<Input> = fc
  .record({
    parts: fc.array(partArb, { maxLength: 5 }),
    boundary: boundaryArb,
    preamble: fc.constantFrom('', '', 'preamble text'),
    chunks: chunksArb,
    mutations: fc.oneof(
      { weight: 3, arbitrary: fc.constant([]) },
      { weight: 2, arbitrary: fc.array(mutationArb, { minLength: 1, maxLength: 3 }) },
    ),
    breakAt: fc.option(fc.nat({ max: 2000 }), { freq: 8, nil: undefined }),
    limit: fc.constantFrom(0, 10, 1000),
  })
  .map((r) => {
    const clean = encode(r.parts, r.boundary, r.preamble);
    const body = r.mutations.reduce((b, m) => applyMutation(b, m), clean);
    const delim = Buffer.from(`\r\n--${r.boundary}`);
    // Honest: unmutated, unbroken, and no part's data (or the preamble) contains the delimiter.
    const ok =
      !r.mutations.length &&
      r.breakAt === undefined &&
      r.parts.every((p) => !Buffer.concat([Buffer.from('\r\n'), p.data, Buffer.from('\r\n')]).includes(delim)) &&
      !Buffer.from(`\r\n${r.preamble}\r\n`).includes(delim);
    return {
      body,
      boundary: r.boundary,
      chunks: r.chunks,
      breakAt: r.breakAt,
      limit: r.limit,
      honest: ok ? r.parts : undefined,
    };
  });

const randomBody: fc.Arbitrary<Input> = fc
  .record({
    body: fc.uint8Array({ maxLength: 400 }),
    boundary: boundaryArb,
    chunks: chunksArb,
    limit: fc.constantFrom(0, 10, 1000),
    opened: fc.boolean(),
  })
  .map(({ opened, ...r }) => ({
    ...r,
    body: opened ? Buffer.concat([Buffer.from(`--${r.boundary}\r\n`), r.body]) : r.body,
  }));

function stream(i: Input): ReadableStream<Uint8Array> {
  let pos = 0;
  let k = 0;
  return new ReadableStream({
    pull(c) {
      if (i.breakAt !== undefined && pos >= i.breakAt) return c.error(new TypeError('terminated'));
      if (pos >= i.body.length) return c.close();
      const n = i.chunks[k++ % i.chunks.length];
      c.enqueue(i.body.slice(pos, pos + n));
      pos += n;
    },
  });
}

async function read(i: Input): Promise<Part[]> {
  const out: Part[] = [];
  let idx = 0;
  for await (const p of readMultipart(stream(i), i.boundary)) {
    const part: Part = { name: p.name, data: new Uint8Array(0) };
    if (p.filename !== undefined) part.filename = p.filename;
    if (p.contentType !== undefined) part.contentType = p.contentType;
    // Read each part a different way: raw chunks, or as text under a limit (honest runs: chunks only).
    if (i.honest || idx++ % 2 === 0) {
      const cs: Uint8Array[] = [];
      for await (const c of p.body) cs.push(c);
      part.data = Buffer.concat(cs);
    } else {
      part.data = enc(await p.text(i.limit));
    }
    out.push(part);
  }
  return out;
}

const multipartErrors = (e: unknown): string | null =>
  e instanceof ApiError && (e.code === 'invalid_multipart' || e.code === 'payload_too_large') && e.message.length > 0
    ? `ApiError:${e.code}`
    : null;

describe('multipart reader (property)', () => {
  it('a quoted filename containing "; name=" does not rename the field (found by the property)', async () => {
    const body = enc(
      '--b\r\nContent-Disposition: form-data; name="checkpoint"; filename="a; name=x.pth"\r\n\r\nA\r\n--b--\r\n',
    );
    const parts = await read({ body, boundary: 'b', chunks: [5], limit: 10, honest: [] });
    expect(parts.map((p) => [p.name, p.filename])).toEqual([['checkpoint', 'a; name=x.pth']]);
  });

  it('yields parts or throws ApiError; honest bodies round-trip whatever the chunking', async () => {
    const s = await checkReader<Input>({
      reader: 'multipart',
      seed: 0x5eed_0008,
      arbitrary: fc.oneof({ weight: 1, arbitrary: randomBody }, { weight: 4, arbitrary: generated }),
      run: read,
      classify: multipartErrors,
      onReturn: (i, result) => {
        if (!i.honest) return;
        const got = result as Part[];
        expect(got.map((p) => ({ ...p, data: Buffer.from(p.data).toString('latin1') }))).toEqual(
          i.honest.map((p) => ({ ...p, data: Buffer.from(p.data).toString('latin1') })),
        );
      },
      onError: (i, label) => {
        if (i.honest) throw new Error(`an honest body was refused: ${label}`);
      },
    });
    expect(s.cases).toBeGreaterThanOrEqual(10_000);
  });
});
