import Link from 'next/link';
import { PageHeader } from '@/components/ui';
import { requirePageActor } from '@/lib/auth/current';
import { getDb } from '@/lib/db';
import { countOverview } from '@/lib/registry/listings';

export default async function OverviewPage() {
  const actor = await requirePageActor('/');
  const c = await countOverview(await getDb(), actor);
  const cards = [
    { label: 'Training jobs', value: c.jobs, href: '/training-jobs' },
    { label: 'Exported models', value: c.exports, href: '/models' },
    { label: 'Active deployments', value: c.active, href: '/deployments' },
    { label: 'Open deployment requests', value: c.openRequests, href: '/reviews' },
  ];
  return (
    <>
      <PageHeader
        title={`Welcome, ${actor.name}`}
        description="The registry and deployment console for the age-group drawing autoencoders."
      />
      <ul className="grid gap-4 sm:grid-cols-2 lg:grid-cols-4">
        {cards.map((card) => (
          <li key={card.label}>
            <Link
              href={card.href}
              className="block rounded-lg border border-slate-200 bg-white p-5 hover:border-indigo-300"
            >
              <span className="block text-sm text-slate-600">{card.label}</span>
              <span className="mt-1 block text-3xl font-semibold tabular-nums">{card.value}</span>
            </Link>
          </li>
        ))}
      </ul>
    </>
  );
}
