import Link from 'next/link';
import { HomeLink } from './home-link';
import { Panel } from '@/components/ui';
import { fmtDate, fmtModelName } from '@/lib/format-display';
import type { HomeSituation } from '@/lib/registry/home';

type Todo = HomeSituation['todo'];
type RequestRow = NonNullable<Todo['reviews']>[number];

/** The request lists, for the roles that act on them (null in the data for the others). */
const REQUEST_GROUPS = [
  {
    key: 'reviews',
    title: 'Awaiting your review',
    verb: 'Review',
    next: "Run the preview on the request's page, then approve or request changes.",
    empty: 'Nothing awaits your review. New requests appear here and in your inbox.',
  },
  {
    key: 'deploys',
    title: 'Approved, ready to deploy',
    verb: 'Deploy',
    next: 'Open the request and deploy it; its reviewed flags (replace, backup, validate again) apply.',
    empty: 'No approved request waits for a deploy.',
  },
] as const;

/** What awaits this person, by what their role acts on, each with its next step. */
export function HomeTodo({ todo }: { todo: Todo }) {
  const { reviews, deploys, inbox, webhooks } = todo;
  const mayAct = reviews !== null || deploys !== null;
  return (
    <Panel id="home-todo" title="What awaits you">
      {REQUEST_GROUPS.map((g) => {
        const rows = todo[g.key];
        return (
          rows && (
            <TodoGroup key={g.key} id={`todo-${g.key}`} title={g.title} count={rows.length}>
              <RequestList rows={rows} {...g} />
            </TodoGroup>
          )
        );
      })}
      <TodoGroup id="todo-inbox" title="Mentions and news" count={inbox.unread}>
        {inbox.items.length === 0 ? (
          <p className="text-sm text-slate-600">Nothing unread. Your inbox keeps everything you have read.</p>
        ) : (
          <ul className="space-y-2 text-sm">
            {inbox.items.map((n) => (
              <li key={n.id}>
                {n.href ? (
                  <Link href={n.href} className="text-indigo-800 hover:underline">
                    {n.message}
                  </Link>
                ) : (
                  n.message
                )}
                <span className="block text-xs text-slate-600">{fmtDate(n.createdAt)}</span>
              </li>
            ))}
          </ul>
        )}
        <HomeLink href="/inbox">Open the inbox</HomeLink>
      </TodoGroup>
      {webhooks && webhooks.length > 0 && (
        <TodoGroup id="todo-webhooks" title="Webhooks failing" count={webhooks.length}>
          <ul className="space-y-2 text-sm">
            {webhooks.map((h) => (
              <li key={h.id}>
                <Link
                  href={`/settings/webhooks/${encodeURIComponent(h.id)}`}
                  className="text-indigo-800 hover:underline"
                >
                  {h.url}
                </Link>{' '}
                ({h.environment}): {h.failed} deliver{h.failed === 1 ? 'y' : 'ies'} gave up. Check the receiver, then
                send them again from the webhook&apos;s page.
              </li>
            ))}
          </ul>
        </TodoGroup>
      )}
      {!mayAct && (
        <p className="mt-4 text-sm text-slate-600">
          Your role can read everything here. Reviewing needs the reviewer role and deploying the deployer role: ask an
          admin if you need them.
        </p>
      )}
    </Panel>
  );
}

function TodoGroup({
  id,
  title,
  count,
  children,
}: {
  id: string;
  title: string;
  count: number;
  children: React.ReactNode;
}) {
  return (
    <section aria-labelledby={id} className="mt-4">
      <h3 id={id} className="mb-2 text-sm font-semibold">
        {title} <span className="font-normal text-slate-600">({count})</span>
      </h3>
      {children}
    </section>
  );
}

function RequestList({ rows, verb, next, empty }: { rows: RequestRow[]; verb: string; next: string; empty: string }) {
  if (rows.length === 0) return <p className="text-sm text-slate-600">{empty}</p>;
  return (
    <ul className="space-y-3 text-sm">
      {rows.map((r) => (
        <li key={r.id}>
          <Link href={`/reviews/${encodeURIComponent(r.id)}`} className="font-medium text-indigo-800 hover:underline">
            {verb}: {fmtModelName(r.modelExport)} to {r.environment}
          </Link>
          <span className="block text-slate-700">
            Asked by {r.requester.name} · {fmtDate(r.createdAt)}. {next}
          </span>
        </li>
      ))}
    </ul>
  );
}
