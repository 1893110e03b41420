import type { Metadata } from 'next';
import { ReviewPolicyForm } from './_components/review-policy-form';
import { PageHeader } from '@/components/ui';
import { requirePagePermission } from '@/lib/auth/current';
import { getDb } from '@/lib/db';
import { fmtDate } from '@/lib/format-display';
import { listReviewPolicies } from '@/lib/registry/requests';

export const metadata: Metadata = { title: 'Review policy' };

export default async function PolicyPage() {
  const actor = await requirePagePermission('policy.manage', '/settings/policy');
  const policies = await listReviewPolicies(await getDb(), actor);
  return (
    <>
      <PageHeader
        title="Review policy"
        description="What a deployment request needs before a deployer can deploy it, per environment. Always enforced: the requester never approves their own request, the deployer may not be the only approver, validation must be passing on the reviewed bytes, and approvals lapse when the bytes or the latest validation run change."
      />
      <div className="grid gap-6 lg:grid-cols-2">
        {policies.map((p) => (
          <section
            key={p.environment}
            aria-labelledby={`${p.environment}-h`}
            className="rounded-lg border border-slate-200 bg-white p-5"
          >
            <h2 id={`${p.environment}-h`} className="text-base font-semibold">
              {p.environment}
            </h2>
            <p className="mt-1 text-xs text-slate-600">
              {p.isDefault
                ? 'Defaults (never changed).'
                : `Last changed ${fmtDate(p.updatedAt)} by ${p.updatedBy ?? '—'}.`}{' '}
              Saving re-evaluates the requests under review in {p.environment}.
            </p>
            <div className="mt-3">
              <ReviewPolicyForm
                environment={p.environment}
                requiredApprovals={p.requiredApprovals}
                requirePreviewSummary={p.requirePreviewSummary}
              />
            </div>
          </section>
        ))}
      </div>
    </>
  );
}
