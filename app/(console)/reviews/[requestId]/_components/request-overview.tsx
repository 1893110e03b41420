import Link from 'next/link';
import { Badge, Panel, Sha } from '@/components/ui';
import { fmtAgeRange, fmtDate } from '@/lib/format-display';
import type { RequestDetail } from '@/lib/registry/review-detail';

/** The request's own terms (export, environment, options, reviewed bytes) and the deployments it made. */
export function RequestPanel({ request: req }: { request: RequestDetail['request'] }) {
  return (
    <Panel id="req-h" title="Request">
      <dl className="mt-3 grid gap-x-6 gap-y-2 text-sm sm:grid-cols-2">
        <Kv k="Export">
          <Link className="font-mono text-xs text-indigo-800 underline" href={`/models/${req.modelExport.modelId}`}>
            {req.modelExport.modelId}
          </Link>{' '}
          ({req.modelExport.exportFormat})
        </Kv>
        <Kv k="Environment">{req.environment}</Kv>
        <Kv k="Age range">{fmtAgeRange(req.ageGroupMin, req.ageGroupMax)}</Kv>
        {req.modelExport.ageRangeOverrideReason !== null && req.modelExport.jobAgeGroupMin !== null && (
          <div className="sm:col-span-2 rounded border-2 border-red-600 bg-red-50 p-2" role="note">
            <dt className="text-xs font-semibold text-red-800">Exported for other ages than it was trained for</dt>
            <dd className="text-red-900">
              Trained on {fmtAgeRange(req.modelExport.jobAgeGroupMin, req.modelExport.jobAgeGroupMax!)}. Reason given:{' '}
              <q>{req.modelExport.ageRangeOverrideReason}</q>
            </dd>
          </div>
        )}
        <Kv k="Options">
          {[
            req.validateBeforeDeployment ? 'validate again' : 'no re-validation',
            req.replaceExisting ? 'replace active' : 'do not replace',
            req.backupExisting ? 'keep backup' : 'no backup',
          ].join(' · ')}
        </Kv>
        <div className="sm:col-span-2">
          <dt className="text-xs text-slate-600">Reviewed bytes (SHA-256)</dt>
          <dd>
            <Sha value={req.artifactSha256} />
          </dd>
        </div>
        <div className="sm:col-span-2">
          <dt className="text-xs text-slate-600">Rationale</dt>
          <dd className="whitespace-pre-wrap">{req.rationale || '—'}</dd>
        </div>
        {req.failureReason && (
          <div className="sm:col-span-2" role="alert">
            <dt className="text-xs text-red-800">Last deploy failed</dt>
            <dd className="text-red-800">{req.failureReason}</dd>
          </div>
        )}
      </dl>
      {req.deployments.length > 0 && (
        <ul className="mt-3 space-y-1 text-sm">
          {req.deployments.map((x) => (
            <li key={x.id} className="flex flex-wrap items-center gap-2">
              <Badge tone={x.isActive ? 'green' : 'slate'}>{x.status}</Badge>
              {x.breakGlassReason && <Badge tone="red">break-glass</Badge>}
              deployment {x.id}, {fmtDate(x.createdTimestamp)} by {x.deployedBy?.name ?? '—'}
              {x.breakGlassReason && <span className="w-full text-xs text-red-800">Reason: {x.breakGlassReason}</span>}
            </li>
          ))}
        </ul>
      )}
    </Panel>
  );
}

/** The environment's policy in words, and what this request still lacks to satisfy it. */
export function PolicyPanel({ detail: d }: { detail: RequestDetail }) {
  return (
    <Panel id="policy-h" title={`Policy for ${d.request.environment}`}>
      <p className="mt-1 text-sm text-slate-600">
        {d.policy.requiredApprovals} approval{d.policy.requiredApprovals === 1 ? '' : 's'} from people other than the
        requester; validation passing on these bytes (an approval lapses if a later run on them fails);
        {d.policy.requirePreviewSummary
          ? ' each approval carries the reviewer’s reconstruction preview summary;'
          : ' preview summaries optional;'}{' '}
        nothing the deploy would refuse (a model serving the range without Replace, no threshold); the deployer may not
        be the only approver.
        {d.policy.isDefault && ' (Defaults: no admin has set this environment’s policy.)'}
      </p>
      {d.state === 'open' || d.state === 'approved' || d.state === 'draft' || d.state === 'failed' ? (
        d.evaluation.satisfied ? (
          <p className="mt-3 text-sm font-medium text-emerald-800" role="status">
            The policy is satisfied ({d.evaluation.approvals} of {d.evaluation.required} approvals).
          </p>
        ) : (
          <>
            <p className="mt-3 text-sm font-medium">Still missing:</p>
            <ul className="mt-1 list-disc pl-5 text-sm text-amber-900" aria-label="Still missing">
              {d.evaluation.stillMissing.map((m) => (
                <li key={m.code} data-code={m.code}>
                  <strong className="font-semibold">{m.fix}</strong> <span>({m.message})</span>
                </li>
              ))}
              {otherReasons(d.evaluation).map((r) => (
                <li key={r}>{r}</li>
              ))}
            </ul>
          </>
        )
      ) : (
        <p className="mt-3 text-sm text-slate-600">This request is {d.state}; nothing more to evaluate.</p>
      )}
      {d.evaluation.notes.length > 0 && (
        <ul className="mt-2 list-disc pl-5 text-xs text-slate-600">
          {d.evaluation.notes.map((n) => (
            <li key={n}>{n}</li>
          ))}
        </ul>
      )}
      <p className="mt-3 text-xs text-slate-600">
        Latest validation:{' '}
        {d.latestValidation ? (
          <>
            <Badge tone={d.latestValidation.isValid ? 'green' : 'red'}>
              {d.latestValidation.isValid ? 'valid' : 'invalid'}
            </Badge>{' '}
            {fmtDate(d.latestValidation.createdAt)}
          </>
        ) : (
          'none yet'
        )}
      </p>
    </Panel>
  );
}

/** The policy's reasons that are not a deploy precondition (those are listed once, with their fix). */
function otherReasons(e: RequestDetail['evaluation']): string[] {
  const said = new Set(e.stillMissing.map((m) => m.message));
  return e.reasons.filter((r) => !said.has(r));
}

function Kv({ k, children }: { k: string; children: React.ReactNode }) {
  return (
    <div>
      <dt className="text-xs text-slate-600">{k}</dt>
      <dd>{children}</dd>
    </div>
  );
}
