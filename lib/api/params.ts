import { z } from 'zod';
import { ApiError } from './errors';
import { MAX_JSON_DEPTH, checkJsonValue, invalidInput, jsonTextTooDeep } from './input-guard';

/** Largest JSON body or form field we read (metadata, configs); artifacts travel as files. */
export const MAX_JSON_BYTES = 1024 * 1024;

export type Params = Record<string, unknown>;

/** Query-string parameters as an object; empty values count as absent. */
export function queryParams(req: Request): Params {
  const out: Params = {};
  for (const [k, v] of new URL(req.url).searchParams) if (v !== '') out[k] = v;
  return out;
}

function mediaType(req: Request): string {
  return (req.headers.get('content-type') ?? '').split(';')[0].trim().toLowerCase();
}

export function isJson(req: Request): boolean {
  const t = mediaType(req);
  return t === 'application/json' || t.endsWith('+json');
}

/**
 * Refuses a declared body over `limit` before reading a byte of it (a chunked body has no
 * Content-Length; its reader enforces the limit as the bytes arrive). `limitText` says what the
 * limit is in the caller's terms, e.g. which setting sets it.
 */
export function checkContentLength(req: Request, limit: number, limitText = `the ${limit}-byte limit`): void {
  const header = req.headers.get('content-length');
  const n = header === null ? NaN : Number(header);
  if (Number.isFinite(n) && n > limit)
    throw new ApiError('payload_too_large', `request body of ${n} bytes exceeds ${limitText}`);
}

/** Reads the body as text, refusing more than `limit` bytes even when no Content-Length was sent. */
export async function readBodyText(req: Request, limit = MAX_JSON_BYTES): Promise<string> {
  checkContentLength(req, limit);
  if (!req.body) return '';
  const chunks: Uint8Array[] = [];
  let n = 0;
  for await (const c of req.body as unknown as AsyncIterable<Uint8Array>) {
    n += c.byteLength;
    if (n > limit) throw new ApiError('payload_too_large', `request body exceeds the ${limit}-byte limit`);
    chunks.push(c);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * JSON text → value, refusing nesting past MAX_JSON_DEPTH and strings the database cannot store
 * (NUL, lone surrogates) with a 400 naming the field: `loc` is where the document sits
 * (`body`, `metadata`, `model_info`).
 */
export function parseJsonText(
  text: string,
  what = 'request body',
  loc = what === 'request body' ? 'body' : what.replace(/^the | field$/g, ''),
): unknown {
  if (jsonTextTooDeep(text))
    throw invalidInput(what, `nests deeper than ${MAX_JSON_DEPTH} levels of arrays and objects`);
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new ApiError('invalid_json', `${what} is not valid JSON: ${(e as Error).message}`);
  }
  checkJsonValue(v, loc);
  return v;
}

/** A JSON object body (or {} when there is none). */
export async function readJsonObject(req: Request): Promise<Params> {
  const text = await readBodyText(req);
  if (text.trim() === '') return {};
  const v = parseJsonText(text);
  if (!v || typeof v !== 'object' || Array.isArray(v))
    throw new ApiError('invalid_json', 'request body must be a JSON object');
  return v as Params;
}

/**
 * The original service took its parameters as a query string; we also accept a JSON body. Body
 * fields win over query fields of the same name. Any other body type is refused (415). The query
 * string reaches here only on API-token calls: withActor refuses it on a cookie-authenticated
 * mutation (csrf.ts), so a forged link or form action can never carry a mutation's parameters.
 */
export async function readParams(req: Request): Promise<Params> {
  const query = queryParams(req);
  if (isJson(req)) return { ...query, ...(await readJsonObject(req)) };
  const text = req.body ? await readBodyText(req) : '';
  if (text.trim() !== '') {
    throw new ApiError(
      'unsupported_media_type',
      `send parameters as a query string or an application/json body (got ${mediaType(req) || 'no Content-Type'})`,
    );
  }
  return query;
}

/**
 * Booleans from a query string or JSON: true/false, "true"/"false", "1"/"0". `z.coerce.boolean()`
 * would read the string "false" as true; anything else is a 422.
 */
export const strictBoolean = z.union([
  z.boolean(),
  z
    .enum(['true', 'false', '1', '0'], { message: 'expected true, false, 1 or 0' })
    .transform((v) => v === 'true' || v === '1'),
]);

/** A database integer id from a path segment: digits only, within PostgreSQL's int4. */
export const intIdSchema = z
  .string()
  .regex(/^\d{1,10}$/, 'must be a positive integer')
  .transform(Number)
  .refine((n) => n >= 1 && n <= 2147483647, 'must be a positive integer');

export function parsePathInt(raw: string, name: string): number {
  const r = intIdSchema.safeParse(raw);
  if (!r.success) throw new z.ZodError(r.error.issues.map((i) => ({ ...i, path: ['path', name] })));
  return r.data;
}

/** The deepest page a listing serves: past it a page is a typo or a probe, and `skip` stays a small integer. */
export const MAX_PAGE = 1_000_000;

/** A positive integer query parameter within 1..max ("1e3" is 1000; "1.5", "-1", "1e308", "NaN", "Infinity" are 422s). */
export function positiveIntParam(max: number) {
  const message = `must be an integer from 1 to ${max}`;
  return z.coerce.number({ message }).int(message).min(1, message).max(max, message);
}

export const pageParam = positiveIntParam(MAX_PAGE);

/** Parses query parameters with `schema`; issues are reported at ['query', name]. */
export function parseQuery<T extends z.ZodType>(schema: T, q: Params): z.output<T> {
  const r = schema.safeParse(q);
  if (!r.success) throw new z.ZodError(r.error.issues.map((i) => ({ ...i, path: ['query', ...i.path] })));
  return r.data;
}
