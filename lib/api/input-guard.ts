import { ApiError } from './errors';

/**
 * Input the database cannot store (NUL, lone UTF-16 surrogates), the URL cannot mean (broken
 * percent-encoding) or no parser should recurse through (deeply nested JSON) is refused here as a
 * 400 `malformed_input` that names the parameter or field, before a handler sees it. Without this
 * PostgreSQL answers "invalid byte sequence for encoding UTF8: 0x00" and the client gets a 500.
 */

/** Deepest JSON nesting we read: the registry's documents (configs, metrics, summaries) need a few levels. */
export const MAX_JSON_DEPTH = 64;
/** Longest path segment or query value: ids and filters are short; longer is not a mistake a person makes. */
export const MAX_PARAM_CHARS = 4096;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
// Path segments and query values: no control characters at all (C0, DEL, C1).
const CONTROL = /\p{Cc}/u;
// Free text (JSON strings, form fields) keeps tabs and newlines; NUL is what PostgreSQL refuses.
const NUL = /\u0000/;

export function invalidInput(where: string, what: string): ApiError {
  return new ApiError('malformed_input', `${where} ${what}`);
}

/** Why `s` cannot be stored or matched, or null when it can. */
export function badText(s: string, opts: { controls: boolean }): string | null {
  if (NUL.test(s)) return 'contains a NUL character (\\u0000)';
  if (LONE_SURROGATE.test(s)) return 'contains an unpaired UTF-16 surrogate (not valid Unicode)';
  if (opts.controls && CONTROL.test(s)) return 'contains a control character';
  return null;
}

function checkParam(where: string, s: string) {
  const why = badText(s, { controls: true });
  if (why) throw invalidInput(where, why);
  if (s.length > MAX_PARAM_CHARS)
    throw invalidInput(where, `is ${s.length} characters long; the limit is ${MAX_PARAM_CHARS}`);
}

/** decodeURIComponent, or null for a malformed escape (`%ZZ`, a lone `%`) or bytes that are not UTF-8 (`%ED%A0%80`, `%C0%80`). */
function decode(raw: string): string | null {
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' '));
  } catch {
    return null;
  }
}

/**
 * The request target: every query parameter (as sent: a malformed escape is refused rather than
 * read literally, as URLSearchParams would) and every path parameter Next.js decoded.
 */
export function guardRequestTarget(req: Request, params: unknown): void {
  const url = new URL(req.url);
  const rawPath = url.pathname;
  if (decode(rawPath) === null)
    throw invalidInput('the URL path', 'has a malformed percent-encoding or bytes that are not UTF-8');
  const search = url.search.slice(1);
  if (search) {
    for (const pair of search.split('&')) {
      if (!pair) continue;
      const eq = pair.indexOf('=');
      const rawKey = eq < 0 ? pair : pair.slice(0, eq);
      const key = decode(rawKey);
      const label = `query parameter "${(key ?? rawKey).slice(0, 60)}"`;
      if (key === null)
        throw invalidInput(label, 'has a malformed percent-encoding or bytes that are not UTF-8 in its name');
      checkParam(`query parameter name "${key.replace(/\p{Cc}/gu, '?').slice(0, 60)}"`, key);
      const value = eq < 0 ? '' : decode(pair.slice(eq + 1));
      if (value === null) throw invalidInput(label, 'has a malformed percent-encoding or bytes that are not UTF-8');
      checkParam(label, value);
    }
  }
  if (params && typeof params === 'object') {
    for (const [name, v] of Object.entries(params as Record<string, unknown>)) {
      for (const s of Array.isArray(v) ? v : [v]) if (typeof s === 'string') checkParam(`path parameter "${name}"`, s);
    }
  }
}

/** `a.b[3]`-style location of a JSON value, for messages. */
function at(base: string, key: string | number): string {
  if (typeof key === 'number') return `${base}[${key}]`;
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(key)
    ? `${base}.${key}`
    : `${base}[${JSON.stringify(key.replace(/[\u0000-\u001f\uD800-\uDFFF]/g, '?').slice(0, 60))}]`;
}

/**
 * A parsed JSON value: nesting within MAX_JSON_DEPTH, every string and key storable. Recursion
 * stops at the limit, so a hostile document cannot overflow the stack here.
 */
export function checkJsonValue(v: unknown, loc = 'body', depth = 0): void {
  if (typeof v === 'string') {
    const why = badText(v, { controls: false });
    if (why) throw invalidInput(`field ${loc}`, why);
    return;
  }
  if (!v || typeof v !== 'object') return;
  if (depth >= MAX_JSON_DEPTH)
    throw invalidInput(`field ${loc}`, `nests deeper than ${MAX_JSON_DEPTH} levels of arrays and objects`);
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) checkJsonValue(v[i], at(loc, i), depth + 1);
    return;
  }
  for (const [k, x] of Object.entries(v)) {
    const why = badText(k, { controls: false });
    if (why) throw invalidInput(`a key in ${loc}`, why);
    checkJsonValue(x, at(loc, k), depth + 1);
  }
}

/**
 * Nesting depth of JSON text, counted without parsing (strings skipped), stopping once past
 * `limit`: refuses `[[[[…` before JSON.parse builds it.
 */
export function jsonTextTooDeep(text: string, limit = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > limit) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}

/** A form field's text: storable (tabs and newlines are fine). */
export function checkFormField(name: string, value: string): void {
  const bad = badText(name, { controls: true });
  if (bad) throw invalidInput('a form field name', bad);
  const why = badText(value, { controls: false });
  if (why) throw invalidInput(`form field "${name.replace(/\p{Cc}/gu, '?').slice(0, 60)}"`, why);
}
