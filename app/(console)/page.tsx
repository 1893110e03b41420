import { HomeActivity } from './_components/home-activity';
import { HomeCoverage } from './_components/home-coverage';
import { HomeTodo } from './_components/home-todo';
import { PageHeader } from '@/components/ui';
import { requirePageActor } from '@/lib/auth/current';
import { can } from '@/lib/auth/permissions';
import { getDb } from '@/lib/db';
import { getHomeSituation } from '@/lib/registry/home';

// The team's situation for whoever signs in: what serves production, what awaits them, what happened.
export default async function HomePage() {
  const actor = await requirePageActor('/');
  const situation = await getHomeSituation(await getDb(), actor);
  return (
    <>
      <PageHeader
        title={`Welcome, ${actor.name}`}
        description="What serves each age group now, what awaits you, and what the team did lately."
      />
      <div className="grid gap-6 lg:grid-cols-3">
        <div className="space-y-6 lg:col-span-2">
          <HomeCoverage coverage={situation.coverage} />
          <HomeActivity items={situation.activity} auditLink={can(actor, 'audit.read')} />
        </div>
        <HomeTodo todo={situation.todo} />
      </div>
    </>
  );
}
