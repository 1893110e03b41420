import type { ReactNode } from 'react';
import { parseMarkdown, type Block, type Inline } from '@/lib/markdown';

/**
 * A model card's Markdown as React elements, on the server. Only the nodes lib/markdown.ts builds
 * exist, and React escapes every string: raw HTML in a card is shown as the text it is. Headings
 * start at h3, under the page section's own h2.
 */
export function ModelCardView({ markdown }: { markdown: string }) {
  return (
    <div className="model-card space-y-3 text-sm leading-6 text-slate-800">{parseMarkdown(markdown).map(block)}</div>
  );
}

const HEADING_CLASS = ['text-base font-semibold', 'text-sm font-semibold', 'text-sm font-medium'];

function block(b: Block, key: number): ReactNode {
  switch (b.t) {
    case 'heading': {
      // # and ## are the card's sections (h3); deeper levels follow below them.
      const level = Math.min(6, 3 + Math.max(0, b.level - 2));
      const Tag = `h${level}` as 'h3' | 'h4' | 'h5' | 'h6';
      return (
        <Tag key={key} className={`${HEADING_CLASS[Math.min(2, level - 3)]} pt-2 text-slate-900`}>
          {inlines(b.c)}
        </Tag>
      );
    }
    case 'p':
      return <p key={key}>{inlines(b.c)}</p>;
    case 'ul':
      return (
        <ul key={key} className="list-disc space-y-1 pl-5">
          {b.items.map((it, i) => (
            <li key={i}>{inlines(it)}</li>
          ))}
        </ul>
      );
    case 'ol':
      return (
        <ol key={key} start={b.start} className="list-decimal space-y-1 pl-5">
          {b.items.map((it, i) => (
            <li key={i}>{inlines(it)}</li>
          ))}
        </ol>
      );
    case 'pre':
      return (
        <pre key={key} className="overflow-x-auto rounded bg-slate-100 p-3 text-xs" tabIndex={0}>
          <code>{b.v}</code>
        </pre>
      );
    case 'quote':
      return (
        <blockquote key={key} className="border-l-4 border-slate-200 pl-3 text-slate-700">
          {inlines(b.c)}
        </blockquote>
      );
    case 'hr':
      return <hr key={key} className="border-slate-200" />;
    case 'table':
      return (
        <div key={key} className="overflow-x-auto">
          <table className="min-w-full text-left text-sm">
            <thead>
              <tr>
                {b.head.map((h, i) => (
                  <th
                    key={i}
                    scope="col"
                    className={`border-b border-slate-300 py-1 pr-4 font-semibold ${align(b, i)}`}
                  >
                    {inlines(h)}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {b.rows.map((row, r) => (
                <tr key={r} className="border-b border-slate-100">
                  {row.map((c, i) => (
                    <td key={i} className={`py-1 pr-4 ${align(b, i)}`}>
                      {inlines(c)}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      );
  }
}

const ALIGN_CLASS = { left: 'text-left', center: 'text-center', right: 'text-right' } as const;
const align = (b: Extract<Block, { t: 'table' }>, i: number) => ALIGN_CLASS[b.align[i] ?? 'left'];

function inlines(c: Inline[]): ReactNode[] {
  return c.map((n, i) => {
    switch (n.t) {
      case 'text':
        return n.v;
      case 'code':
        return (
          <code key={i} className="rounded bg-slate-100 px-1 text-xs">
            {n.v}
          </code>
        );
      case 'strong':
        return <strong key={i}>{inlines(n.c)}</strong>;
      case 'em':
        return <em key={i}>{inlines(n.c)}</em>;
      case 'link':
        return (
          <a key={i} href={n.href} rel="noopener noreferrer nofollow" className="text-indigo-800 underline">
            {inlines(n.c)}
          </a>
        );
    }
  });
}
