/** `drawbridge policy show|set`: each environment's review policy. */
import { listPoliciesJson, setPolicyJson } from '../../lib/api/deployment-requests';
import { ENVIRONMENTS } from '../../lib/registry/deploy';
import { idArgument, oneOf, required, UsageError } from '../args';
import { json } from '../output';
import { API } from '../remote';
import { policiesTable, type PolicyJson } from './request-text';
import { act, dropUndefined } from './requests-shared';
import type { CommandImpl } from './types';

export const policyShow: CommandImpl = {
  help: `Show each environment's review policy: how many approvals a deployment request needs and whether
each approval must carry the reviewer's reconstruction preview summary.

Options:
  --json         Print {"policies": [...]} as JSON.
`,
  async run(ctx) {
    const r = await act<{ policies: PolicyJson[] }>(
      ctx,
      'policy show',
      (remote) => remote.get(API.policies),
      (db, actor) => listPoliciesJson(db, actor),
    );
    ctx.out(ctx.v.json ? json(r) : policiesTable(r.policies));
    return 0;
  },
};

export const policySet: CommandImpl = {
  help: `Set an environment's review policy (admins). What is not given keeps its current value. Requests
under review in that environment are re-evaluated at once: raising the bar sends approved requests
back to open, lowering it approves those that now satisfy it.

Options:
  --env E                  production or staging (required).
  --approvals N            Approvals a request needs (1–10).
  --preview | --no-preview Whether each approval must carry the reviewer's preview summary.
  --json                   Print the policy as JSON.

Example:
  drawbridge policy set --env staging --approvals 1 --no-preview
`,
  async run(ctx) {
    const { v } = ctx;
    const cmd = 'policy set';
    const environment = oneOf(required(v, 'env', cmd), ENVIRONMENTS, 'env', cmd)!;
    if (v.preview && v['no-preview']) throw new UsageError('give --preview or --no-preview, not both', cmd);
    const body = dropUndefined({
      required_approvals: v.approvals !== undefined ? idArgument(v.approvals, '--approvals', cmd) : undefined,
      require_preview_summary: v.preview ? true : v['no-preview'] ? false : undefined,
    });
    if (!Object.keys(body).length)
      throw new UsageError('policy set needs --approvals N, --preview or --no-preview', cmd);
    const r = await act<PolicyJson>(
      ctx,
      cmd,
      (remote) => remote.put(API.policy(environment), { json: body }),
      (db, actor) => setPolicyJson(db, actor, environment, body),
    );
    ctx.out(
      v.json
        ? json(r)
        : `review policy of ${environment}: ${r.required_approvals} approval(s), preview summary ${r.require_preview_summary ? 'required' : 'not required'}\n`,
    );
    return 0;
  },
};
