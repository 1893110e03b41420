/**
 * A small Markdown reader for model cards: headings, paragraphs, emphasis, inline code, code
 * blocks, lists, quotes, rules, pipe tables and links. It builds a tree of only those nodes, so a
 * renderer can never emit anything else: raw HTML stays text, and a link survives only with an
 * http(s) or mailto address. Pure and dependency-free (renders on the server; no parser shipped).
 */
export type Inline =
  | { t: 'text'; v: string }
  | { t: 'code'; v: string }
  | { t: 'strong' | 'em'; c: Inline[] }
  | { t: 'link'; href: string; c: Inline[] };

export type Align = 'left' | 'center' | 'right' | null;

export type Block =
  | { t: 'heading'; level: number; c: Inline[] }
  | { t: 'p'; c: Inline[] }
  | { t: 'ul'; items: Inline[][] }
  | { t: 'ol'; start: number; items: Inline[][] }
  | { t: 'pre'; v: string }
  | { t: 'quote'; c: Inline[] }
  | { t: 'hr' }
  | { t: 'table'; align: Align[]; head: Inline[][]; rows: Inline[][][] };

/** Addresses a card may link to: the web and e-mail, nothing that runs or reaches local files. */
export function safeHref(raw: string): string | null {
  const url = raw.trim();
  if (!/^(https?:\/\/[^\s/]|mailto:[^\s])/i.test(url) || /[\s\u0000-\u001f\u007f]/.test(url)) return null;
  return url;
}

// Nesting deeper than this renders as text: enough for real prose, bounded for hostile input.
const MAX_DEPTH = 6;

type Make = (m: RegExpExecArray, depth: number) => Inline;

// Global, so each pattern searches from the current offset of the whole text (lookbehinds see it).
const INLINE_PATTERNS: [RegExp, Make][] = [
  [/(`+)([\s\S]*?[^`])\1(?!`)/g, (m) => ({ t: 'code', v: m[2].trim() })],
  [
    /\[([^\]\n]*)\]\(([^()\s]*)\)/g,
    (m, d) => {
      const href = safeHref(m[2]);
      // A refused address keeps its label, as text: the reader sees what was written, nothing links.
      return href ? { t: 'link', href, c: parseInline(m[1], d + 1) } : textOf(unescape(m[1]));
    },
  ],
  [/\*\*(?=\S)([\s\S]*?\S)\*\*/g, (m, d) => ({ t: 'strong', c: parseInline(m[1], d + 1) })],
  [/(?<!\w)__(?=\S)([\s\S]*?\S)__(?!\w)/g, (m, d) => ({ t: 'strong', c: parseInline(m[1], d + 1) })],
  [/\*(?=\S)([\s\S]*?\S)\*/g, (m, d) => ({ t: 'em', c: parseInline(m[1], d + 1) })],
  [/(?<!\w)_(?=\S)([\s\S]*?\S)_(?!\w)/g, (m, d) => ({ t: 'em', c: parseInline(m[1], d + 1) })],
];

const textOf = (v: string): Inline => ({ t: 'text', v });

/** Backslash escapes of Markdown punctuation become the character itself. */
const unescape = (s: string) => s.replace(/\\([\\`*_[\]()#+\-.!|>~])/g, '$1');

export function parseInline(src: string, depth = 0): Inline[] {
  if (depth >= MAX_DEPTH) return src ? [textOf(unescape(src))] : [];
  const out: Inline[] = [];
  // Each pattern's next match at or after `pos`, searched again only once `pos` passes it: one
  // pass over the text per pattern instead of one per token.
  const next: (RegExpExecArray | null | undefined)[] = INLINE_PATTERNS.map(() => undefined);
  let pos = 0;
  while (pos < src.length) {
    let best = -1;
    INLINE_PATTERNS.forEach(([re], k) => {
      for (let m = next[k]; m === undefined || (m && (m.index < pos || escapedAt(src, m.index))); m = next[k]) {
        re.lastIndex = m ? Math.max(m.index + 1, pos) : pos;
        next[k] = re.exec(src);
      }
      const m = next[k];
      if (m && (best < 0 || m.index < next[best]!.index)) best = k;
    });
    if (best < 0) break;
    const m = next[best]!;
    if (m.index > pos) out.push(textOf(unescape(src.slice(pos, m.index))));
    out.push(INLINE_PATTERNS[best][1](m, depth));
    pos = m.index + m[0].length;
  }
  if (pos < src.length) out.push(textOf(unescape(src.slice(pos))));
  return out;
}

function escapedAt(s: string, i: number): boolean {
  let n = 0;
  for (let k = i - 1; k >= 0 && s[k] === '\\'; k--) n++;
  return n % 2 === 1;
}

const FENCE = /^ {0,3}(`{3,}|~{3,})/;
const HEADING = /^ {0,3}(#{1,6})(?:\s+(.*?))?\s*#*\s*$/;
const RULE = /^ {0,3}([-*_])(\s*\1){2,}\s*$/;
const UL_ITEM = /^ {0,3}[-*+]\s+(.*)$/;
const OL_ITEM = /^ {0,3}(\d{1,9})[.)]\s+(.*)$/;
const QUOTE = /^ {0,3}>\s?(.*)$/;
const TABLE_RULE = /^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$/;

const splitRow = (line: string) =>
  line
    .trim()
    .replace(/^\|/, '')
    .replace(/(?<!\\)\|$/, '')
    .split(/(?<!\\)\|/)
    .map((c) => c.trim());

function alignOf(cell: string): Align {
  const l = cell.startsWith(':');
  const r = cell.endsWith(':');
  return l && r ? 'center' : r ? 'right' : l ? 'left' : null;
}

const startsBlock = (line: string) =>
  FENCE.test(line) ||
  HEADING.test(line) ||
  RULE.test(line) ||
  UL_ITEM.test(line) ||
  OL_ITEM.test(line) ||
  QUOTE.test(line);

export function parseMarkdown(src: string): Block[] {
  const lines = src.replace(/\r\n?/g, '\n').split('\n');
  const blocks: Block[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    if (line.trim() === '') {
      i++;
      continue;
    }
    const fence = FENCE.exec(line);
    if (fence) {
      const body: string[] = [];
      for (i++; i < lines.length && !lines[i].trimStart().startsWith(fence[1]); i++) body.push(lines[i]);
      i++;
      blocks.push({ t: 'pre', v: body.join('\n') });
      continue;
    }
    const heading = HEADING.exec(line);
    if (heading) {
      blocks.push({ t: 'heading', level: heading[1].length, c: parseInline(heading[2] ?? '') });
      i++;
      continue;
    }
    if (RULE.test(line)) {
      blocks.push({ t: 'hr' });
      i++;
      continue;
    }
    if (line.includes('|') && i + 1 < lines.length && TABLE_RULE.test(lines[i + 1]) && lines[i + 1].includes('-')) {
      const head = splitRow(line);
      const align = splitRow(lines[i + 1]).map(alignOf);
      const rows: Inline[][][] = [];
      for (i += 2; i < lines.length && lines[i].includes('|') && lines[i].trim() !== ''; i++) {
        const cells = splitRow(lines[i]);
        rows.push(head.map((_, k) => parseInline(cells[k] ?? '')));
      }
      blocks.push({
        t: 'table',
        align: head.map((_, k) => align[k] ?? null),
        head: head.map((h) => parseInline(h)),
        rows,
      });
      continue;
    }
    const list = UL_ITEM.test(line) ? UL_ITEM : OL_ITEM.test(line) ? OL_ITEM : null;
    if (list) {
      const items: string[] = [];
      const start = list === OL_ITEM ? Number(OL_ITEM.exec(line)![1]) : 1;
      while (i < lines.length && lines[i].trim() !== '') {
        const m = list.exec(lines[i]);
        if (m) items.push(m[m.length - 1]);
        else if (startsBlock(lines[i])) break;
        else items[items.length - 1] += ` ${lines[i].trim()}`;
        i++;
      }
      const parsed = items.map((it) => parseInline(it));
      blocks.push(list === OL_ITEM ? { t: 'ol', start, items: parsed } : { t: 'ul', items: parsed });
      continue;
    }
    if (QUOTE.test(line)) {
      const body: string[] = [];
      for (; i < lines.length && QUOTE.test(lines[i]); i++) body.push(QUOTE.exec(lines[i])![1]);
      blocks.push({ t: 'quote', c: parseInline(body.join(' ').trim()) });
      continue;
    }
    const para: string[] = [];
    for (; i < lines.length && lines[i].trim() !== '' && (para.length === 0 || !startsBlock(lines[i])); i++) {
      para.push(lines[i].trim());
    }
    blocks.push({ t: 'p', c: parseInline(para.join(' ')) });
  }
  return blocks;
}
