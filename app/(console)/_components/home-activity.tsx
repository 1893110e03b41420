import Link from 'next/link';
import { HomeLink } from './home-link';
import { Panel } from '@/components/ui';
import { fmtDate } from '@/lib/format-display';
import type { ActivityItem } from '@/lib/registry/home';

/** The team's latest steps as sentences, each subject linked. */
export function HomeActivity({ items, auditLink }: { items: ActivityItem[]; auditLink: boolean }) {
  return (
    <Panel id="home-activity" title="Recent activity">
      {items.length === 0 ? (
        <p className="mt-2 text-sm text-slate-600">
          Nothing has happened yet: push a training job (CLI <code>drawbridge jobs push</code> or Training jobs) to
          begin.
        </p>
      ) : (
        <ol aria-label="Recent activity" className="mt-3 space-y-2 text-sm">
          {items.map((a) => (
            <li key={a.id}>
              <span className="font-medium">{a.who}</span> {a.did}{' '}
              {a.subject && (
                <Link href={a.subject.href} className="break-all text-indigo-800 underline hover:no-underline">
                  {a.subject.label}
                </Link>
              )}
              <span className="block text-xs text-slate-600">{fmtDate(a.at)}</span>
            </li>
          ))}
        </ol>
      )}
      {auditLink && <HomeLink href="/audit">The whole audit log</HomeLink>}
    </Panel>
  );
}
