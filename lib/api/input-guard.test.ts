/**
 * The input guard's rules one by one, and the backstop behind it: values the real databases
 * (PGlite, and PostgreSQL when DRAWBRIDGE_TEST_POSTGRES_URL is set) refuse map to a 400, not a 500.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testTargets, openTestDatabase } from '../db/test-databases';
import type { Db } from '../db';
import { ApiError, errorToResponseParts } from './errors';
import {
  MAX_JSON_DEPTH,
  badText,
  checkFormField,
  checkJsonValue,
  guardRequestTarget,
  jsonTextTooDeep,
} from './input-guard';
import { pageParam, parseJsonText, parseQuery } from './params';
import { z } from 'zod';

function refusal(fn: () => unknown): { status: number; code: string; detail: string } | null {
  try {
    fn();
    return null;
  } catch (e) {
    const { status, body } = errorToResponseParts(e);
    return {
      status,
      code: body.code,
      detail: typeof body.detail === 'string' ? body.detail : JSON.stringify(body.detail),
    };
  }
}
const target = (url: string, params: Record<string, string> = {}) =>
  refusal(() => guardRequestTarget(new Request(`http://test${url}`), params));

describe('text the database cannot store', () => {
  it.each([
    ['a\u0000b', 'NUL'],
    ['\ud800', 'unpaired'],
    ['x\udc00', 'unpaired'],
    ['\udc00\ud800', 'unpaired'],
  ])('%j is refused (%s)', (s, why) => {
    expect(badText(s, { controls: false })).toContain(why);
  });

  it('paired surrogates, tabs and newlines are fine; controls only where asked', () => {
    expect(badText('😀 é\t\n\r\u2028', { controls: false })).toBeNull();
    expect(badText('a\tb', { controls: true })).toContain('control');
    expect(badText('\u007f', { controls: true })).toContain('control');
    expect(badText('\u0085', { controls: true })).toContain('control');
  });
});

describe('path and query', () => {
  it.each([
    ['query parameter "subject_id" contains a NUL', '/api/v1/audit?subject_id=%00'],
    [
      'query parameter "action" has a malformed percent-encoding or bytes that are not UTF-8',
      '/api/v1/audit?action=%ED%A0%80',
    ],
    ['query parameter "action" has a malformed', '/api/v1/audit?action=%C0%80'],
    ['query parameter "action" has a malformed', '/api/v1/audit?action=%ZZ'],
    ['query parameter "action" has a malformed', '/api/v1/audit?action=50%'],
    ['query parameter "action" contains a control character', '/api/v1/audit?action=%01'],
    ['query parameter name', '/api/v1/audit?%00=1'],
    ['the URL path has a malformed', '/api/v1/training/jobs/%ZZ'],
    ['the limit is 4096', `/api/v1/audit?q=${'x'.repeat(5000)}`],
  ])('→ 400 malformed_input: %s', (message, url) => {
    const r = target(url);
    expect(r).toMatchObject({ status: 400, code: 'malformed_input' });
    expect(r!.detail).toContain(message);
  });

  it.each([['\u0000'], ['\ud800'], ['a\nb'], ['x'.repeat(5000)]])('path parameter #%# → 400 naming it', (v) => {
    expect(target('/api/v1/deployment-requests/x', { id: v })).toMatchObject({
      status: 400,
      code: 'malformed_input',
      detail: expect.stringContaining('path parameter "id"'),
    });
  });

  it('ordinary targets pass', () => {
    expect(
      target('/api/v1/training/models/exports?age_group_min=2&q=caf%C3%A9+au+lait&sort=newest&empty=&flag'),
    ).toBeNull();
    expect(
      target('/api/v1/training/models/exports/autoencoder_2_3_20250101_000000', {
        model_id: 'autoencoder_2_3_20250101_000000',
      }),
    ).toBeNull();
  });
});

describe('JSON documents', () => {
  const deep = (n: number) => '['.repeat(n) + ']'.repeat(n);
  it(`nesting up to ${MAX_JSON_DEPTH} levels is read; one more (or 5000) is a 400 before parsing`, () => {
    expect(parseJsonText(deep(MAX_JSON_DEPTH))).toBeTruthy();
    for (const n of [MAX_JSON_DEPTH + 1, 5000, 500_000]) {
      expect(refusal(() => parseJsonText(deep(n)))).toMatchObject({
        status: 400,
        code: 'malformed_input',
        detail: expect.stringContaining('nests deeper than 64'),
      });
    }
    // Brackets inside strings are text, not nesting.
    expect(jsonTextTooDeep(JSON.stringify({ a: '['.repeat(1000), b: '\\"[[[[' }))).toBe(false);
  });

  it('checkJsonValue stops at the limit on a value built in memory too', () => {
    let v: unknown = 1;
    for (let i = 0; i < 10_000; i++) v = [v];
    expect(refusal(() => checkJsonValue(v))).toMatchObject({
      status: 400,
      detail: expect.stringContaining('field body[0][0]'),
    });
  });

  it('a NUL or lone surrogate anywhere names its field path', () => {
    expect(refusal(() => parseJsonText('{"config_parameters":{"layers":[1,2,{"name":"a\\u0000"}]}}'))).toMatchObject({
      status: 400,
      code: 'malformed_input',
      detail: 'field body.config_parameters.layers[2].name contains a NUL character (\\u0000)',
    });
    expect(refusal(() => parseJsonText('{"rationale":"\\ud800"}'))).toMatchObject({
      detail: expect.stringContaining('field body.rationale contains an unpaired UTF-16 surrogate'),
    });
    expect(refusal(() => parseJsonText('{"a\\u0000":1}'))).toMatchObject({
      detail: expect.stringContaining('a key in body contains a NUL'),
    });
    expect(refusal(() => parseJsonText('{"x":1}', 'the metadata field'))).toBeNull();
    expect(refusal(() => parseJsonText('{"x":"\\u0000"}', 'the metadata field'))).toMatchObject({
      detail: expect.stringContaining('field metadata.x'),
    });
    expect(refusal(() => parseJsonText('{"x":'))).toMatchObject({ status: 400, code: 'invalid_json' });
  });

  it('form fields: NUL refused (naming the field), newlines kept', () => {
    expect(refusal(() => checkFormField('age_group_min', '2\u0000'))).toMatchObject({
      status: 400,
      detail: 'form field "age_group_min" contains a NUL character (\\u0000)',
    });
    expect(refusal(() => checkFormField('model_info', '{\n "a": 1\n}'))).toBeNull();
  });
});

describe('page numbers', () => {
  const q = z.object({ page: pageParam.default(1) });
  it.each(['1e308', '-1', '0', '1.5', 'NaN', 'Infinity', '99999999999999999999', '1000001', 'abc'])(
    'page=%s → 422 at query.page',
    (page) => {
      const r = refusal(() => parseQuery(q, { page }));
      expect(r).toMatchObject({ status: 422, code: 'invalid_request' });
      expect(JSON.parse(r!.detail)[0]).toMatchObject({
        loc: ['query', 'page'],
        msg: 'must be an integer from 1 to 1000000',
      });
    },
  );
  it('1, 1e3 and 1000000 are pages', () => {
    expect(['1', '1e3', '1000000'].map((page) => parseQuery(q, { page }).page)).toEqual([1, 1000, 1_000_000]);
  });
});

// The backstop, against the real databases: what they refuse is the client's 400.
describe.each(testTargets())('database refusals of input on %s', (kind) => {
  let db: Db;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    const t = await openTestDatabase(kind);
    db = t.db;
    cleanup = t.cleanup;
  });
  afterAll(async () => cleanup?.());

  const mapped = async (p: Promise<unknown>) => {
    try {
      await p;
      return null;
    } catch (e) {
      expect(e).not.toBeInstanceOf(ApiError);
      return errorToResponseParts(e);
    }
  };

  it('NUL in a text column (22021) → 400 malformed_input', async () => {
    expect(await mapped(db.trainingJob.findFirst({ where: { jobName: 'a\u0000b' } }))).toEqual({
      status: 400,
      body: { code: 'malformed_input', detail: expect.stringContaining('NUL') },
    });
  });

  it('\\u0000 inside a JSON column (22P05) → 400 malformed_input', async () => {
    const r = await mapped(
      db.trainingJob.create({ data: { jobName: 'nul-json', configParameters: { a: 'x\u0000y' } } }),
    );
    expect(r).toMatchObject({ status: 400, body: { code: 'malformed_input' } });
  });

  it('a skip past what PostgreSQL takes → 400, not 500', async () => {
    const r = await mapped(db.$queryRawUnsafe('SELECT 1 OFFSET 99999999999999999999'));
    expect(r).toMatchObject({ status: 400, body: { code: 'malformed_input' } });
  });
});
