/**
 * The hostile vocabulary of the route fuzz (app/api/fuzz.test.ts): characters, strings, number
 * spellings, JSON shapes, field names and header values that once broke, or could break, a parser.
 * Stateless arbitraries only, so the same seed draws the same requests whichever module builds them.
 */
import fc from 'fast-check';

const NASTY = [
  '\u0000',
  '\ud800',
  '\udfff',
  '\udc00\ud800',
  '\u0001',
  '\u001b',
  '\u007f',
  '\u0085',
  '\u2028',
  '\ufeff',
  '\uffff',
  '\n',
  '\r\n',
  '\t',
  '%',
  '%00',
  '%ZZ',
  '%ED%A0%80',
  '%C0%80',
  '%FF',
  '\\',
  '"',
  "'",
  '../',
  '..%2f',
  '/',
  '?',
  '#',
  '&',
  '=',
  '+',
  '😀',
  'é',
  '\u0301',
  ' ',
];
const nastyChar = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...NASTY) },
  { weight: 3, arbitrary: fc.char() },
  // Any UTF-16 code unit, so lone surrogates come from here too.
  { weight: 2, arbitrary: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)) },
  { weight: 1, arbitrary: fc.integer({ min: 0x10000, max: 0x10ffff }).map((c) => String.fromCodePoint(c)) },
);
const plainChar = fc.oneof(fc.char(), fc.constantFrom('é', '😀', '-', '_', '.', ' ', '\u2028', '\u0301'));
export const plainString = fc.oneof(
  { weight: 6, arbitrary: fc.string({ unit: plainChar, maxLength: 24 }) },
  { weight: 1, arbitrary: fc.constantFrom('', ' ', 'null', 'true', '[]', 'x'.repeat(5000)) },
);
export const nastyString = fc.oneof(
  { weight: 6, arbitrary: fc.string({ unit: nastyChar, maxLength: 24 }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom('', ' ', 'null', 'undefined', 'true', '[]', '{}', 'x'.repeat(5000), 'é'.repeat(70_000)),
  },
);
const NUMBER_SPELLINGS = [
  '1e308',
  '-1e308',
  '1e999',
  '-1',
  '0',
  '-0',
  '1.5',
  '2.000000001',
  '99999999999999999999',
  '9007199254740993',
  '2147483648',
  '4294967296',
  'NaN',
  'Infinity',
  '-Infinity',
  '0x10',
  '0b1',
  '1_000',
  ' 1 ',
  '+1',
  '١',
  '1e-400',
  '5e-324',
  '3',
  '2',
  '4',
  '25',
  '100',
  '1000001',
];
export const numberText = fc.oneof(
  fc.constantFrom(...NUMBER_SPELLINGS),
  fc.integer().map(String),
  fc.double({ noNaN: true }).map(String),
);

/** A JSON node rendered as text, so numbers like 1e999 (Infinity once parsed) and deep nesting can be sent. */
export type J = { t: string };
export const raw = (t: string): J => ({ t });
export const str = (s: string): J => raw(JSON.stringify(s));
export const deepJson = fc
  .tuple(fc.integer({ min: 60, max: 5000 }), fc.boolean())
  .map(([n, arr]) => raw(arr ? '['.repeat(n) + '1' + ']'.repeat(n) : '{"a":'.repeat(n) + '1' + '}'.repeat(n)));
// Built once: generating 20 000 keys per case would cost more than the request it feeds.
const WIDE = [1000, 20_000].flatMap((n) => [
  raw(`[${Array(n).fill('0').join(',')}]`),
  raw(`{${Array.from({ length: n }, (_, i) => `"k${i}":${i}`).join(',')}}`),
]);
export const wideJson = fc.constantFrom(...WIDE);

// Every field name the API reads, plus the strings known to exist for some.
export const FIELDS = [
  'model_id',
  'model_export_path',
  'training_job_id',
  'age_group_min',
  'age_group_max',
  'export_format',
  'deployment_environment',
  'replace_existing',
  'backup_existing',
  'validate_before_deployment',
  'rationale',
  'submit',
  'decision',
  'comment',
  'preview_summary',
  'reason',
  'break_glass_reason',
  'required_approvals',
  'require_preview_summary',
  'job_name',
  'environment',
  'status',
  'config_parameters',
  'dataset_path',
  'start_timestamp',
  'end_timestamp',
  'sagemaker_job_arn',
  'report',
  'model_info',
  'metadata',
  'page',
  'page_size',
  'state',
  'view',
  'include_inactive',
  'action',
  'subject_type',
  'subject_id',
  'q',
  'sort',
];
export const VALID_VALUES = [
  'onnx',
  'pytorch',
  'safetensors',
  'pickle',
  'production',
  'staging',
  'approve',
  'reject',
  'request_changes',
  'completed',
  'local',
  'true',
  'false',
  '2',
  '3',
  '1',
  'A reason that is long enough for break glass.',
];
/** Percent-encodes like a client would, a lone surrogate as its (invalid) CESU-8 bytes. */
export function enc(s: string): string {
  try {
    return encodeURIComponent(s); // throws only on a lone surrogate
  } catch {
    /* spelled out below */
  }
  let out = '';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    out +=
      c >= 0xd800 && c <= 0xdfff
        ? `%${(0xe0 | (c >> 12)).toString(16)}%${(0x80 | ((c >> 6) & 0x3f)).toString(16)}%${(0x80 | (c & 0x3f)).toString(16)}`.toUpperCase()
        : encodeURIComponent(ch);
  }
  return out;
}
// Header values a Request can carry: latin-1 without NUL, CR, LF.
const headerValue = fc.string({
  unit: fc
    .integer({ min: 1, max: 0xff })
    .filter((c) => c !== 10 && c !== 13)
    .map((c) => String.fromCharCode(c)),
  maxLength: 40,
});
export const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'application/merge-patch+json',
  'text/plain',
  'text/plain;charset=UTF-8',
  'application/x-www-form-urlencoded',
  'multipart/form-data',
  'multipart/form-data; boundary=',
  'multipart/form-data; boundary=XyZ',
  'application/octet-stream',
  'application/xml',
  'JSON',
  '',
];
export const headers = fc.record(
  {
    'content-type': fc.oneof(fc.constantFrom(...CONTENT_TYPES), headerValue),
    'if-none-match': fc.oneof(headerValue, fc.constant('*'), fc.constant('"abc", W/"x"')),
    range: fc.oneof(
      headerValue,
      fc.constantFrom(
        'bytes=0-0',
        'bytes=-1',
        'bytes=999999999999999999999-',
        'bytes=5-1',
        'bytes=0-1,2-3',
        'bytes=1e3-',
      ),
    ),
    cookie: fc.oneof(
      headerValue,
      fc.constantFrom('drawbridge_session=%ZZ', 'drawbridge_session=%00', 'drawbridge_session=x; drawbridge_session=y'),
    ),
    'x-drawbridge-act-as': headerValue,
    origin: fc.oneof(headerValue, fc.constantFrom('null', 'http://evil.example', 'http://test')),
    'sec-fetch-site': fc.constantFrom('same-origin', 'cross-site', 'none', 'same-site'),
    'content-length': fc.oneof(headerValue, numberText),
    accept: headerValue,
  },
  { requiredKeys: [] },
);
