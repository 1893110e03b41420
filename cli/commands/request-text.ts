/** The CLI's text for deployment requests and review policies (what --json does not print). */
import type {
  createRequestJson,
  listRequestsJson,
  requestDetailJson,
  setPolicyJson,
} from '../../lib/api/deployment-requests';
import { ages, keyValues, table } from '../output';

export type RequestJson = Awaited<ReturnType<typeof createRequestJson>>;
export type DetailJson = Awaited<ReturnType<typeof requestDetailJson>>;
export type ListJson = Awaited<ReturnType<typeof listRequestsJson>>;
export type PolicyJson = Awaited<ReturnType<typeof setPolicyJson>>;

type Missing = { code: string; message: string; fix: string }[];

/** The policy's reasons; what the deploy would refuse is said once, with its fix. */
function stillNeeds(
  e: { satisfied: boolean; approvals: number; required: number; reasons: string[] },
  missing: Missing,
): string {
  const said = new Set(missing.map((m) => m.message));
  const lines = [...missing.map((m) => `${m.message} Fix: ${m.fix}`), ...e.reasons.filter((r) => !said.has(r))];
  return (
    `approvals ${e.approvals} of ${e.required}${e.satisfied ? ' (policy satisfied)' : ''}\n` +
    (lines.length ? `still needs:\n${lines.map((r) => `  - ${r}`).join('\n')}\n` : '')
  );
}

export function requestText(r: RequestJson, verb = 'request'): string {
  return (
    `${verb} ${r.request_id} (${r.state}): deploy ${r.model_id} to ${r.deployment_environment}, ages ${ages(r.age_group_min, r.age_group_max)}\n` +
    keyValues({
      replace_existing: r.replace_existing,
      backup_existing: r.backup_existing,
      validate_before_deployment: r.validate_before_deployment,
      artifact_sha256: r.artifact_sha256,
      requester: r.requester.email,
      policy: `${r.policy.required_approvals} approval(s)${r.policy.require_preview_summary ? ', preview summary required' : ''}${r.policy.is_default ? ' (default)' : ''}`,
    }) +
    stillNeeds(r.evaluation, r.still_missing)
  );
}

export function requestsTable(l: ListJson): string {
  if (!l.requests.length) return 'no deployment requests\n';
  const rows = l.requests.map((r) => [
    r.request_id,
    r.state + (r.awaiting_me ? '*' : ''),
    r.deployment_environment,
    ages(r.age_group_min, r.age_group_max),
    r.model_id,
    `${r.approvals}/${r.required}`,
    r.requester.email,
    (r.created_at ?? '').replace('T', ' ').replace(/\.\d+Z$/, 'Z'),
  ]);
  return (
    table(['ID', 'STATE', 'ENV', 'AGES', 'MODEL ID', 'APPROVALS', 'REQUESTER', 'CREATED'], rows) +
    `${l.requests.length} of ${l.total} requests (page ${l.page}; * awaits your review)\n`
  );
}

export function detailText(d: DetailJson): string {
  const reviews = d.reviews.length
    ? table(
        ['REVIEWER', 'DECISION', 'PREVIEW', 'STATUS', 'COMMENT'],
        d.reviews.map((r) => [
          r.reviewer.email,
          r.decision,
          r.preview_summary ? 'yes' : 'no',
          r.counted ? 'counts' : r.lapse ? `lapsed (${r.lapse})` : '—',
          r.comment,
        ]),
      )
    : 'no reviews yet\n';
  return (
    `request ${d.request_id} (${d.state}): deploy ${d.model_id} to ${d.deployment_environment}, ages ${ages(d.age_group_min, d.age_group_max)}\n` +
    keyValues({
      rationale: d.rationale,
      requester: d.requester.email,
      export_format: d.export_format,
      artifact_sha256: d.artifact_sha256,
      replace_existing: d.replace_existing,
      backup_existing: d.backup_existing,
      validate_before_deployment: d.validate_before_deployment,
      latest_validation: d.latest_validation
        ? `${d.latest_validation.is_valid ? 'valid' : 'INVALID'} (run ${d.latest_validation.validation_run_id})`
        : 'none',
      policy: `${d.policy.required_approvals} approval(s)${d.policy.require_preview_summary ? ', preview summary required' : ''}`,
      failure_reason: d.failure_reason,
      deployments:
        d.deployments.map((x) => `${x.id}${x.break_glass_reason ? ' (break-glass)' : ''}`).join(', ') || null,
    }) +
    stillNeeds(d.evaluation, d.still_missing) +
    reviews +
    (d.available_actions.length ? `you may: ${d.available_actions.join(', ')}\n` : '')
  );
}

export function policiesTable(ps: PolicyJson[]): string {
  return table(
    ['ENV', 'APPROVALS', 'PREVIEW SUMMARY', 'SET BY'],
    ps.map((p) => [
      p.deployment_environment,
      String(p.required_approvals),
      p.require_preview_summary ? 'required' : 'not required',
      p.is_default ? '(default)' : (p.updated_by ?? '—'),
    ]),
  );
}
