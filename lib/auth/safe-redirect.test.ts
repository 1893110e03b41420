import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { safeRedirectPath } from './safe-redirect';

const ORIGIN = 'http://localhost:3000';

// The spellings of issue 10 and the usual open-redirect corpus: each must come back as '/'.
const HOSTILE = [
  '/%5Cevil.example',
  '/%5cevil.example',
  '/%09/evil.example',
  '/\\evil.example',
  '\\evil.example',
  '//evil.example',
  '///evil.example',
  '////evil.example',
  'https:evil.example',
  'https://evil.example',
  'http://localhost:3000.evil.example/',
  '%2F%2Fevil.example',
  '/%2F/evil.example',
  '/%2f%2fevil.example',
  '/%252F%252Fevil.example',
  '/%25252F%25252Fevil.example',
  '/%255Cevil.example',
  'javascript:alert(1)',
  'JaVaScRiPt:alert(1)',
  '\t/evil',
  '/\t/evil.example',
  '/\n/evil.example',
  '/\r\n/evil.example',
  '/\u0000/evil.example',
  '/%00/evil.example',
  '/%0d%0a/evil.example',
  '/..//evil',
  '/.//evil.example',
  '/./..//evil.example',
  '/%2e%2e//evil.example',
  'evil.example',
  'data:text/html,<script>alert(1)</script>',
  '/%E0%A4%A',
  '',
];

const LEGITIMATE: [string, string][] = [
  ['/models?page=2#x', '/models?page=2#x'],
  ['/', '/'],
  ['/reviews/abc-123', '/reviews/abc-123'],
  ['/models/m1?tab=preview&sort=-created', '/models/m1?tab=preview&sort=-created'],
  ['/audit?q=sign%20in', '/audit?q=sign%20in'],
  ['/settings/tokens#new', '/settings/tokens#new'],
];

describe('safeRedirectPath', () => {
  it.each(HOSTILE)('refuses %j → /', (raw) => {
    expect(safeRedirectPath(raw, ORIGIN)).toBe('/');
  });

  it.each(LEGITIMATE)('keeps %j', (raw, expected) => {
    expect(safeRedirectPath(raw, ORIGIN)).toBe(expected);
  });

  it('refuses non-strings and over-long targets', () => {
    expect(safeRedirectPath(undefined, ORIGIN)).toBe('/');
    expect(safeRedirectPath(['/models'], ORIGIN)).toBe('/');
    expect(safeRedirectPath(`/${'a'.repeat(3000)}`, ORIGIN)).toBe('/');
  });

  it('always answers a same-origin path, whatever the input (fast-check)', () => {
    const pieces = fc.constantFrom(
      '/',
      '\\',
      '//',
      '%2F',
      '%5C',
      '%252F',
      '%09',
      '\t',
      '\n',
      '.',
      '..',
      ':',
      '@',
      'evil.example',
      'https:',
      '?',
      '#',
      '%',
      'a',
    );
    const input = fc.oneof(
      fc.string(),
      fc.array(pieces, { maxLength: 12 }).map((a) => a.join('')),
      fc.array(pieces, { maxLength: 12 }).map((a) => `/${a.join('')}`),
    );
    fc.assert(
      fc.property(input, (raw) => {
        const out = safeRedirectPath(raw, ORIGIN);
        // What a browser does with the Location header: resolve it against the page it came from.
        expect(new URL(out, `${ORIGIN}/sign-in`).origin).toBe(ORIGIN);
        expect(out).toMatch(/^\/(?![/\\])/);
        expect(out).not.toMatch(/[\u0000-\u001f\u007f\\]/);
      }),
      { numRuns: 2000 },
    );
  });
});
