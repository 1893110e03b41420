/** `drawbridge review` and `requests deploy`: a reviewer's decision, and a deployer's deploy (or break glass). */
import { breakGlassJson, deployRequestJson, reviewJson } from '../../lib/api/deployment-requests';
import { getStore } from '../../lib/storage';
import { UsageError } from '../args';
import { readObjectFile } from '../files';
import { json } from '../output';
import { API, reviewBodyOf } from '../remote';
import { deployText } from './deployments';
import { requestText } from './request-text';
import { act, requestId } from './requests-shared';
import type { CommandImpl } from './types';

type ReviewJson = Awaited<ReturnType<typeof reviewJson>>;
type DeployJson = Awaited<ReturnType<typeof deployRequestJson>>;
export const reviewCommand: CommandImpl = {
  help: `Review a deployment request. You can never review a request you opened (self_review). An approval
binds to the request's SHA-256 and a passing verdict on those bytes: the export's latest validation
run must pass (validation_required otherwise); a later passing run keeps it, a failing one (or new
bytes) lapses it. Where the environment's policy
requires it, an approval must carry your reconstruction preview summary of these bytes, verified
by the server: pass it with --preview-summary (the JSON the model page's preview produces). The
server recomputes its numbers with onnxruntime-node on the same export and validation set and
refuses it unless they agree within 1e-4 relative (preview_mismatch names the first that does not;
artifact_hash_mismatch / validation_set_mismatch: it ran on other bytes or samples).

Options:
  --approve | --request-changes | --reject    The decision (exactly one).
  --comment TEXT           Required to request changes or reject.
  --preview-summary FILE   A JSON object: your preview summary of the export, attached before the review.
  --json                   Print {review, request} as JSON.

Examples:
  drawbridge review clx2k0c1d0000abcd1234efgh --approve --preview-summary preview.json
  drawbridge review clx2k0c1d0000abcd1234efgh --request-changes --comment "Re-export with opset 17"
`,
  async run(ctx) {
    const { v, out } = ctx;
    const cmd = 'review';
    const id = requestId(ctx.args, cmd);
    const decisions = (['approve', 'request-changes', 'reject'] as const).filter((d) => v[d]);
    if (decisions.length !== 1)
      throw new UsageError('review needs exactly one of --approve, --request-changes or --reject', cmd);
    const decision = decisions[0] === 'request-changes' ? 'request_changes' : decisions[0];
    if (decision !== 'approve' && !v.comment?.trim())
      throw new UsageError(`--${decisions[0]} needs --comment TEXT saying why`, cmd);
    const previewSummary = v['preview-summary']
      ? await readObjectFile(v['preview-summary'], '--preview-summary', cmd)
      : undefined;
    const body = reviewBodyOf({ decision, comment: v.comment, previewSummary });
    const r = await act<ReviewJson>(
      ctx,
      cmd,
      (remote) => remote.post(API.requestReviews(id), { json: body }),
      (db, actor) => reviewJson(db, getStore(), actor, id, body),
    );
    const past = { approve: 'approved', request_changes: 'requested changes to', reject: 'rejected' }[decision];
    out(
      v.json
        ? json(r)
        : `${past} request ${id}${r.review.preview?.verified ? ' (with your verified preview summary)' : ''}\n` +
            requestText(r.request),
    );
    return 0;
  },
};

export const requestsDeploy: CommandImpl = {
  help: `Deploy an approved deployment request with its reviewed config. The deploy re-checks, in its own
transaction, the request's state, the reviewed SHA-256, the latest validation, what it would refuse
(an active model in the way without --replace: the request goes back to open, amend it) and the
whole policy (a deployer may not be the only approver of what they deploy). Deploying a request
twice is safe: while another deploy of it runs the answer is deploy_in_progress (exit 1, retry),
and once it has deployed you get that deployment again. A deploy that fails (a failed validation,
corrupt bytes) marks the request failed with the reason.

Options:
  --break-glass REASON     Admins only: deploy an open, approved or failed request without its
                           approvals, for this written reason (at least 20 characters); flagged.
  --json                   Print the deployment result as JSON.

Example:
  drawbridge requests deploy clx2k0c1d0000abcd1234efgh
`,
  async run(ctx) {
    const { v, out } = ctx;
    const cmd = 'requests deploy';
    const id = requestId(ctx.args, cmd);
    const reason = v['break-glass'];
    if (reason !== undefined && reason.trim() === '') throw new UsageError('--break-glass needs a written REASON', cmd);
    const r = await act<DeployJson>(
      ctx,
      cmd,
      (remote) =>
        reason !== undefined
          ? remote.post(API.requestBreakGlass(id), { json: { reason } })
          : remote.post(API.requestDeploy(id)),
      (db, actor) =>
        reason !== undefined
          ? breakGlassJson(db, getStore(), actor, id, { reason })
          : deployRequestJson(db, getStore(), actor, id),
    );
    // deployments/<env>/<min>-<max>/<file>: where the deployment went.
    const [, env = '?', min = 'NaN', max = 'NaN'] =
      /^deployments\/([^/]+)\/([\d.]+)-([\d.]+)\//.exec(r.deployment_path) ?? [];
    out(v.json ? json(r) : deployText(r, env, Number(min), Number(max)));
    return 0;
  },
};
