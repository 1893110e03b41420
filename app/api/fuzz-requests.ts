/**
 * What the route fuzz (app/api/fuzz.test.ts) sends: every route file under app/api with the methods
 * it exports, the fast-check generators of one request for a route, and the Request built from one.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import {
  CONTENT_TYPES,
  deepJson,
  enc,
  FIELDS,
  headers,
  type J,
  nastyString,
  numberText,
  plainString,
  raw,
  str,
  VALID_VALUES,
  wideJson,
} from './fuzz-values';

type Handler = (req: Request, ctx: { params: Promise<Record<string, string>> }) => Promise<Response>;
export type Route = { file: string; path: string; params: string[]; method: string; handler: Handler };
/** Names that exist in the seeded database (by path-parameter name), so some requests reach past the look-ups. */
export type Known = Record<'id' | 'model_id' | 'sha256' | 'environment', string[]>;

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

export function routeFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = path.join(dir, d.name);
    return d.isDirectory() ? routeFiles(p) : d.name === 'route.ts' ? [p] : [];
  });
}

/** One entry per exported HTTP method of every route file below `dir` (app/api), in path order. */
export async function loadRoutes(dir: string): Promise<Route[]> {
  const routes: Route[] = [];
  for (const file of routeFiles(dir).sort()) {
    const rel = path.relative(dir, path.dirname(file)).split(path.sep);
    const mod = (await import(/* @vite-ignore */ file)) as Record<string, unknown>;
    for (const method of METHODS) {
      if (typeof mod[method] !== 'function') continue;
      routes.push({
        file,
        path: `/api/${rel.join('/')}`,
        params: rel.filter((s) => /^\[.+\]$/.test(s)).map((s) => s.slice(1, -1)),
        method,
        handler: mod[method] as Handler,
      });
    }
  }
  return routes;
}

export type Case = {
  params: Record<string, string>;
  rawPath: string | null;
  query: string;
  headers: Record<string, string>;
  body:
    | { kind: 'none' }
    | { kind: 'json'; text: string; asType: string | null }
    | { kind: 'form'; form: FormData }
    | { kind: 'text'; text: string };
};
/**
 * The request generators over one kind of text: `nasty` text (NUL, surrogates, controls, broken
 * escapes) mostly meets the input guard; plain text gets past it to the parsers and the database.
 * `known` is read when this is called, so call it after the seeded names are in.
 */
export function arbitraries(nasty: boolean, known: Known) {
  const S = nasty ? nastyString : plainString;
  const jsonLeaf: fc.Arbitrary<J> = fc.oneof(
    S.map(str),
    numberText.filter((t) => /^-?\d+(\.\d+)?(e[-+]?\d+)?$/i.test(t)).map(raw),
    fc.constantFrom('true', 'false', 'null', '"true"', '"false"', '"1"', '"0"').map(raw),
  );
  const { tree: jsonTree } = fc.letrec<{ tree: J }>((tie) => ({
    tree: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      { weight: 5, arbitrary: jsonLeaf },
      {
        weight: 1,
        arbitrary: fc.array(tie('tree'), { maxLength: 4 }).map((a) => raw(`[${a.map((x) => x.t).join(',')}]`)),
      },
      {
        weight: 1,
        arbitrary: fc.dictionary(S, tie('tree'), { maxKeys: 4 }).map((o) =>
          raw(
            `{${Object.entries(o)
              .map(([k, v]) => `${JSON.stringify(k)}:${v.t}`)
              .join(',')}}`,
          ),
        ),
      },
    ),
  }));
  const fieldValue = () =>
    fc.oneof(
      { weight: 12, arbitrary: jsonTree },
      { weight: 6, arbitrary: fc.constantFrom(...VALID_VALUES, ...known.model_id, ...known.id).map(str) },
      { weight: 6, arbitrary: fc.constantFrom('2', '3', '4', '1', '0').map(raw) },
      { weight: nasty ? 3 : 0, arbitrary: deepJson },
      { weight: 1, arbitrary: wideJson },
      {
        weight: 3,
        arbitrary: fc
          .constantFrom(...known.id)
          .filter((s) => /^\d+$/.test(s))
          .map(raw),
      },
    );
  const jsonBody = () =>
    fc.oneof(
      {
        weight: 8,
        arbitrary: fc
          .dictionary(
            fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...FIELDS) }, { weight: 1, arbitrary: S }),
            fieldValue(),
            { maxKeys: 8 },
          )
          .map(
            (o) =>
              `{${Object.entries(o)
                .map(([k, v]) => `${JSON.stringify(k)}:${v.t}`)
                .join(',')}}`,
          ),
      },
      { weight: 1, arbitrary: fc.oneof(jsonTree, nasty ? deepJson : jsonTree, wideJson).map((j) => j.t) },
      {
        weight: nasty ? 1 : 0,
        arbitrary: fc.constantFrom(
          '',
          '{',
          '{"a":',
          '[1,]',
          'nul',
          '{"a":1}{',
          '\u0000',
          '{"a":"\\ud800"}',
          '{"a":"\\u0000"}',
          '{"__proto__":{"x":1}}',
          '{"constructor":{"prototype":{"x":1}}}',
        ),
      },
    );

  const queryValue = () =>
    fc.oneof(
      S.map(enc),
      numberText.map(enc),
      fc.constantFrom(
        ...(nasty ? ['%00', '%ZZ', '%', '%ED%A0%80', '%C0%80', '%FF%FE', 'a%2', '%E2%82'] : []),
        '1e308',
        ...VALID_VALUES.map(enc),
        ...known.model_id,
        ...known.id,
      ),
    );
  const queryString = () =>
    fc
      .array(
        fc.tuple(
          fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...FIELDS) }, { weight: 1, arbitrary: S.map(enc) }),
          queryValue(),
        ),
        { maxLength: 5 },
      )
      .map((kv) => (kv.length ? `?${kv.map(([k, v]) => `${k}=${v}`).join('&')}` : ''));

  const pathValue = (name: string) =>
    fc.oneof(
      { weight: 3, arbitrary: S },
      {
        weight: 2,
        arbitrary: fc.constantFrom(
          ...((known as Record<string, string[]>)[name] ?? known.id),
          ...known.model_id,
          ...known.id,
        ),
      },
      { weight: 1, arbitrary: numberText },
      {
        weight: 1,
        arbitrary: fc.constantFrom(
          '0'.repeat(64),
          crypto.createHash('sha256').update('x').digest('hex'),
          '../../etc/passwd',
          '%2e%2e%2f',
          ...(nasty ? ['a'.repeat(10_000)] : []),
        ),
      },
    );

  /** A multipart body with hostile text fields (and now and then a small junk file). */
  const multipartBody = () =>
    fc
      .tuple(
        fc.dictionary(
          fc.oneof(
            fc.constantFrom(
              'metadata',
              'model_info',
              'age_group_min',
              'age_group_max',
              'export_format',
              'checkpoint',
              'validation_set',
            ),
            S,
          ),
          fc.oneof(jsonBody(), S, numberText),
          { maxKeys: 5 },
        ),
        fc.option(fc.uint8Array({ maxLength: 64 })),
      )
      .map(([fields, junk]) => {
        const f = new FormData();
        for (const [k, v] of Object.entries(fields)) f.append(k, v);
        if (junk) f.append('checkpoint', new Blob([junk as BlobPart]), 'junk.pth');
        return f;
      });

  const caseFor = (r: Route): fc.Arbitrary<Case> =>
    fc.record({
      params: fc.record(Object.fromEntries(r.params.map((n) => [n, pathValue(n)]))) as fc.Arbitrary<
        Record<string, string>
      >,
      rawPath: nasty
        ? fc.option(fc.constantFrom('/%ZZ', '/%00', '/%ED%A0%80', '/%C0%AF', '/a%2', '/%F0%9F%98'), { freq: 20 })
        : fc.constant(null),
      query: fc.oneof({ weight: 1, arbitrary: fc.constant('') }, { weight: 2, arbitrary: queryString() }),
      headers,
      body:
        r.method === 'GET' || r.method === 'HEAD'
          ? fc.constant({ kind: 'none' as const })
          : fc.oneof(
              {
                weight: 6,
                arbitrary: fc.record({
                  kind: fc.constant('json' as const),
                  text: jsonBody(),
                  asType: fc.option(fc.constantFrom(...CONTENT_TYPES), { freq: 4 }),
                }),
              },
              { weight: 2, arbitrary: multipartBody().map((form) => ({ kind: 'form' as const, form })) },
              { weight: 1, arbitrary: fc.oneof(S, jsonBody()).map((text) => ({ kind: 'text' as const, text })) },
              { weight: 1, arbitrary: fc.constant({ kind: 'none' as const }) },
            ),
    });
  return caseFor;
}

/**
 * The Request for one generated case, as the admin `token`; null where fetch itself refuses the
 * headers or the URL (no client could send it), which the fuzz counts as skipped, not as a pass.
 */
export function buildRequest(r: Route, c: Case, token: string): Request | null {
  let p = r.path;
  for (const n of r.params) p = p.replace(`[${n}]`, enc(c.params[n]));
  if (c.rawPath) p += c.rawPath;
  const h = new Headers();
  try {
    for (const [k, v] of Object.entries(c.headers)) h.set(k, v);
  } catch {
    return null;
  }
  h.set('authorization', `Bearer ${token}`);
  let body: BodyInit | undefined;
  if (c.body.kind === 'json') {
    body = c.body.text;
    h.set('content-type', c.body.asType ?? 'application/json');
  } else if (c.body.kind === 'text') body = c.body.text;
  else if (c.body.kind === 'form') {
    body = c.body.form;
    h.delete('content-type'); // the Request sets multipart/form-data with its boundary
  }
  if (body === undefined) h.delete('content-length');
  try {
    return new Request(`http://test${p}${c.query}`, { method: r.method, headers: h, body });
  } catch {
    return null;
  }
}
