/**
 * The model card renderer is safe by construction: whatever Markdown (or HTML, or hostile text) a
 * card holds, the markup contains only allow-listed elements and attributes, and every link is
 * http(s) or mailto with rel="noopener noreferrer nofollow". Checked on real server rendering.
 */
import fc from 'fast-check';
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { ModelCardView } from './model-card-view';

const render = (markdown: string) => renderToStaticMarkup(createElement(ModelCardView, { markdown }));

const ALLOWED_TAGS = new Set(
  'div h3 h4 h5 h6 p ul ol li pre code blockquote hr table thead tbody tr th td strong em a'.split(' '),
);
const ALLOWED_ATTRS = new Set(['class', 'href', 'rel', 'start', 'scope', 'tabindex']);

/** Every problem with the markup: a tag or attribute outside the allow-list, a link not allowed. */
function violations(html: string): string[] {
  const found: string[] = [];
  for (const tag of html.matchAll(/<\/?([a-zA-Z][\w-]*)((?:\s+[^\s=>]+(?:="[^"]*")?)*)\s*\/?>/g)) {
    const [, name, attrs] = tag;
    if (!ALLOWED_TAGS.has(name)) found.push(`tag ${name}`);
    for (const a of attrs.matchAll(/\s+([^\s=>]+)(?:="([^"]*)")?/g)) {
      if (!ALLOWED_ATTRS.has(a[1])) found.push(`attribute ${a[1]} on ${name}`);
      if (a[1] === 'href' && !/^(https?:\/\/|mailto:)/i.test(a[2].replace(/&amp;/g, '&'))) found.push(`href ${a[2]}`);
    }
    if (name === 'a' && !tag[0].startsWith('</') && !attrs.includes('rel="noopener noreferrer nofollow"')) {
      found.push('link without rel');
    }
  }
  // Anything that looks like a tag but is not one the regex above read is raw markup that escaped.
  const stripped = html.replace(/<\/?([a-zA-Z][\w-]*)((?:\s+[^\s=>]+(?:="[^"]*")?)*)\s*\/?>/g, '');
  if (/[<>]/.test(stripped)) found.push(`stray markup: ${stripped.slice(0, 80)}`);
  return found;
}

const hostile = [
  '<script>alert(1)</script>',
  '<img src=x onerror=alert(1)>',
  '[click](javascript:alert(1))',
  '[x](JaVaScRiPt:alert(1))',
  '[x](javascript:void%200)',
  '[x](javascript:alert`1`)',
  '[x]( javascript:alert(1))',
  '[x](data:text/html;base64,PHNjcmlwdD4=)',
  '[x](vbscript:msgbox)',
  '[x](//evil.example)',
  '[x](http://ok.example/"onmouseover="alert(1))',
  '<a href="javascript:alert(1)">x</a>',
  '**<b>bold</b>**',
  '`<script>`',
  '```\n<script>alert(1)</script>\n```',
  '| a | <b> |\n|---|---|\n| <i>x</i> | [y](javascript:1) |',
  '<!-- comment -->',
  '&lt;script&gt;',
  '\\<script>',
];

const markdownish = fc.stringMatching(
  /^(?:[#*_`[\]()|>\-:.!\\<>"'= \n]|[a-z]{1,6}|https?:\/\/x\.y|javascript:|mailto:a@b|<script>|<\/a>|<a href=|onerror=|\d\.)*$/,
);

describe('ModelCardView', () => {
  it('renders headings, emphasis, lists, code, links and tables', () => {
    const html = render(
      [
        '## Intended use',
        'Screens **drawings** of *3–4 year olds*; see [the report](https://example.org/r?a=1&b=2).',
        '',
        '### Limits',
        '- one',
        '- two `code`',
        '',
        '3. third',
        '',
        '| Metric | Value |',
        '|:--|--:|',
        '| median error | 0.012 |',
        '',
        '```',
        'x = 1',
        '```',
        '> quoted',
        '---',
        'Write to [us](mailto:team@example.org).',
      ].join('\n'),
    );
    expect(html).toContain('<h3 class="text-base font-semibold pt-2 text-slate-900">Intended use</h3>');
    expect(html).toContain('<h4');
    expect(html).toContain('<strong>drawings</strong>');
    expect(html).toContain('<em>3–4 year olds</em>');
    expect(html).toContain(
      '<a href="https://example.org/r?a=1&amp;b=2" rel="noopener noreferrer nofollow" class="text-indigo-800 underline">the report</a>',
    );
    expect(html).toMatch(/<ul[^>]*><li>one<\/li><li>two <code[^>]*>code<\/code><\/li><\/ul>/);
    expect(html).toMatch(/<ol start="3"/);
    expect(html).toMatch(/<th scope="col" class="[^"]*text-left">Metric<\/th>/);
    expect(html).toMatch(/<td class="[^"]*text-right">0.012<\/td>/);
    expect(html).toContain('<code>x = 1</code>');
    expect(html).toContain('<blockquote');
    expect(html).toContain('<hr');
    expect(html).toContain('href="mailto:team@example.org"');
    expect(violations(html)).toEqual([]);
  });

  it('shows raw HTML as text and never links a script address', () => {
    const html = render('# Card\n\n<script>alert(1)</script>\n\n[click me](javascript:alert(1))');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).not.toContain('<script');
    expect(html).toContain('click me');
    expect(html).not.toMatch(/href/);
  });

  it.each(hostile)('keeps %j inside the allow-list', (md) => {
    const html = render(md);
    expect(violations(html)).toEqual([]);
    expect(html.toLowerCase()).not.toMatch(/href="\s*(javascript|data|vbscript):/);
  });

  it('no input yields an element, attribute or address outside the allow-list (property)', () => {
    fc.assert(
      fc.property(markdownish, (md) => {
        expect(violations(render(md))).toEqual([]);
      }),
      { numRuns: 400, seed: 0x6d64 },
    );
  });

  it('the violation check itself catches what it must', () => {
    expect(violations('<div><script>x</script></div>')).toEqual(['tag script', 'tag script']);
    expect(violations('<a href="javascript:x" rel="noopener noreferrer nofollow">x</a>')).toEqual([
      'href javascript:x',
    ]);
    expect(violations('<p onclick="x">y</p>')).toEqual(['attribute onclick on p']);
  });

  it('parses a hostile card of the maximum size quickly', () => {
    const parts = ['**a', '*b', '`c', '[d](', '_e', '| f ', '\\', '<x>', ' '];
    const md = Array.from({ length: 20_000 }, (_, i) => parts[(i * 7) % parts.length])
      .join('')
      .slice(0, 20_000);
    const t0 = performance.now();
    expect(violations(render(md))).toEqual([]);
    expect(performance.now() - t0).toBeLessThan(1000);
  });
});
