import { Panel } from '@/components/ui';
import type { RequestDetail } from '@/lib/registry/review-detail';
import {
  AmendRequestForm,
  BreakGlassForm,
  DeployRequestButton,
  SubmitRequestButton,
  WithdrawRequestForm,
} from './request-actions';

/**
 * One block per workflow action the viewer may take now (`detail.actions`, worked out by the
 * registry); break-glass also needs the admin permission. Renders nothing when no action applies.
 */
export function RoleActions({
  d,
  isRequester,
  canBreakGlass,
}: {
  d: RequestDetail;
  isRequester: boolean;
  canBreakGlass: boolean;
}) {
  const a = d.actions;
  const req = d.request;
  const blocks: React.ReactNode[] = [];
  if (a.includes('submit'))
    blocks.push(
      <Block key="submit" title={d.state === 'failed' ? 'Resubmit' : 'Submit'}>
        <SubmitRequestButton
          requestId={req.id}
          label={d.state === 'failed' ? 'Resubmit for review' : 'Submit for review'}
        />
      </Block>,
    );
  if (a.includes('amend'))
    blocks.push(
      <Block key="amend" title="Amend">
        <AmendRequestForm
          requestId={req.id}
          exports={d.siblings.map((s) => ({
            modelId: s.modelId,
            label: `${s.modelId} (${s.exportFormat}, ${s.checksum.slice(0, 8)}…)`,
          }))}
          flags={{
            replaceExisting: req.replaceExisting,
            backupExisting: req.backupExisting,
            validateBeforeDeployment: req.validateBeforeDeployment,
          }}
        />
      </Block>,
    );
  if (a.includes('deploy'))
    blocks.push(
      <Block key="deploy" title="Deploy">
        <DeployRequestButton requestId={req.id} blocked={d.asDeployer?.reasons ?? []} />
      </Block>,
    );
  if (a.includes('break_glass') && canBreakGlass)
    blocks.push(
      <Block key="bg" title="Break-glass (admins)">
        <p className="mb-2 text-sm text-slate-600">
          Deploys without approvals. Flagged on the deployment, the model page and the audit log, with your reason.
        </p>
        <BreakGlassForm requestId={req.id} />
      </Block>,
    );
  if (a.includes('withdraw'))
    blocks.push(
      <Block key="withdraw" title="Withdraw">
        <WithdrawRequestForm requestId={req.id} />
      </Block>,
    );
  if (!blocks.length) return null;
  return (
    <Panel id="actions-h" title={isRequester ? 'Your request' : 'Actions'} className="mt-6">
      <div className="mt-3 grid gap-6 lg:grid-cols-2">{blocks}</div>
    </Panel>
  );
}

function Block({ title, children }: { title: string; children: React.ReactNode }) {
  return (
    <div>
      <h3 className="mb-2 text-sm font-semibold">{title}</h3>
      {children}
    </div>
  );
}
