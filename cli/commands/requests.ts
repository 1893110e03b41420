/**
 * The review workflow from the command line: open a deployment request, list and show requests,
 * review, deploy an approved request (or break glass), withdraw, submit a draft; the review policy.
 * Local mode calls the same lib/api operations as the routes, so both modes print the same JSON.
 */
import {
  amendJson,
  breakGlassJson,
  createRequestJson,
  deployRequestJson,
  listPoliciesJson,
  listRequestsJson,
  requestDetailJson,
  reviewJson,
  setPolicyJson,
  submitJson,
  withdrawJson,
} from '../../lib/api/deployment-requests';
import { ENVIRONMENTS } from '../../lib/registry/deploy';
import { REQUEST_STATES } from '../../lib/registry/review-state';
import { getStore } from '../../lib/storage';
import { idArgument, oneOf, required, UsageError, type Values } from '../args';
import { readObjectFile } from '../files';
import { resolveActor, withDb } from '../local';
import { json } from '../output';
import { API, requestCreateBody, reviewBodyOf, type Remote } from '../remote';
import type { Actor } from '../../lib/auth/permissions';
import type { Db } from '../../lib/db';
import { deployText } from './deployments';
import {
  detailText,
  policiesTable,
  requestsTable,
  requestText,
  type DetailJson,
  type ListJson,
  type PolicyJson,
  type RequestJson,
} from './request-text';
import type { CommandImpl } from './types';

type ReviewJson = Awaited<ReturnType<typeof reviewJson>>;
type DeployJson = Awaited<ReturnType<typeof deployRequestJson>>;

const ENV_HELP = `--env E                  production (default) or staging.`;

function requestId(args: string[], command: string): string {
  const id = args[0];
  if (!id || !/^[A-Za-z0-9_-]{1,64}$/.test(id))
    throw new UsageError(`${command} needs a REQUEST_ID (see "drawbridge requests list")`, command);
  return id;
}

/** Runs `local` on the database as --as (or the first admin), or `remote` over --server. */
async function act<T>(
  ctx: { v: Values; remote: Remote | null },
  command: string,
  remote: (r: Remote) => Promise<T>,
  local: (db: Db, actor: Actor) => Promise<T>,
): Promise<T> {
  if (ctx.remote) return remote(ctx.remote);
  return withDb(async (db) => local(db, await resolveActor(db, ctx.v.as, command)));
}

export const requestsCreate: CommandImpl = {
  help: `Open a deployment request: deploy export MODEL_ID (for its own age group) to an environment with
these deployment flags, for the reason given. Reviewers are notified; once the environment's review
policy is satisfied (approvals bound to the export's SHA-256 and a passing validation of it, never
the requester's own) and nothing the deploy checks is missing (e.g. another model serves the range
and --replace was not given: amend it with "requests amend ID --replace") it is approved and a deployer can deploy it ("drawbridge requests deploy ID", or
"drawbridge deploy" with the same config).

Options:
  ${ENV_HELP}
  --rationale TEXT         Why (at least 10 characters; required).
  --replace                Replace the model now active for this age group and environment.
  --no-backup              With --replace: retire the replaced deployment instead of keeping it as a backup.
  --no-validate            Do not validate again when deploying.
  --draft                  Keep it as a draft ("drawbridge requests submit ID" opens it).
  --json                   Print the request (with its policy and evaluation) as JSON.

Example:
  drawbridge requests create autoencoder_2.0_3.0_20261127_071000 --env production --replace \\
    --rationale "Nightly retrain: lower loss on the 2–3 validation set"
`,
  async run(ctx) {
    const { v, args, out } = ctx;
    const cmd = 'requests create';
    const modelId = args[0];
    if (!modelId) throw new UsageError(`${cmd} needs a MODEL_ID (see "drawbridge exports list")`, cmd);
    if (v['no-backup'] && !v.replace) throw new UsageError('--no-backup only matters with --replace', cmd);
    const body = requestCreateBody({
      modelId,
      environment: oneOf(v.env, ENVIRONMENTS, 'env', cmd) ?? 'production',
      rationale: required(v, 'rationale', cmd),
      replace: !!v.replace,
      backup: !v['no-backup'],
      validate: !v['no-validate'],
      draft: !!v.draft,
    });
    const r = await act<RequestJson>(
      ctx,
      cmd,
      (remote) => remote.post(API.requests, { json: body }),
      (db, actor) => createRequestJson(db, actor, body),
    );
    out(v.json ? json(r) : requestText(r, r.state === 'draft' ? 'drafted request' : 'opened request'));
    return 0;
  },
};

export const requestsList: CommandImpl = {
  help: `List deployment requests, open ones first, 25 a page, with their approvals against the policy
(lapsed approvals do not count). Drafts show only to their requester and admins.

Options:
  --state S      Only requests in state S (${REQUEST_STATES.join(', ')}).
  --env E        Only environment E (production or staging).
  --mine         Only the requests you opened.
  --awaiting     Only open requests of others that await your review.
  --page N       Page N (default 1).
  --json         Print {total, page, page_size, requests: [...]} as JSON.

Examples:
  drawbridge requests list --awaiting
  drawbridge requests list --state approved --env production --json
`,
  async run(ctx) {
    const { v, out } = ctx;
    const cmd = 'requests list';
    if (v.mine && v.awaiting) throw new UsageError('--mine and --awaiting are different views; give one', cmd);
    const query = {
      state: oneOf(v.state, REQUEST_STATES, 'state', cmd),
      environment: oneOf(v.env, ENVIRONMENTS, 'env', cmd),
      view: v.mine ? 'mine' : v.awaiting ? 'awaiting' : undefined,
      page: v.page ? idArgument(v.page, '--page', cmd) : undefined,
    };
    const r = await act<ListJson>(
      ctx,
      cmd,
      (remote) => remote.get(API.requests, query),
      (db, actor) => listRequestsJson(db, actor, dropUndefined(query)),
    );
    out(v.json ? json(r) : requestsTable(r));
    return 0;
  },
};

function dropUndefined(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, x]) => x !== undefined));
}

export const requestsShow: CommandImpl = {
  help: `Show a deployment request: its config and rationale, the export's latest validation, each review
(whether it still counts, or lapsed because the bytes changed or a validation run of them failed),
the review policy, what the request still needs (what the deploy would refuse now, with the fix),
its deployments, and what you may do with it.

Options:
  --json         Print the request detail as JSON.

Example:
  drawbridge requests show clx2k0c1d0000abcd1234efgh
`,
  async run(ctx) {
    const cmd = 'requests show';
    const id = requestId(ctx.args, cmd);
    const d = await act<DetailJson>(
      ctx,
      cmd,
      (remote) => remote.get(API.request(id)),
      (db, actor) => requestDetailJson(db, actor, id),
    );
    ctx.out(ctx.v.json ? json(d) : detailText(d));
    return 0;
  },
};

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

export const requestsWithdraw: CommandImpl = {
  help: `Withdraw a deployment request you opened (draft, open, approved or failed). Its reviewers are told.

Options:
  --reason TEXT  Why (optional).
  --json         Print the request as JSON.

Example:
  drawbridge requests withdraw clx2k0c1d0000abcd1234efgh --reason "superseded by tonight's retrain"
`,
  async run(ctx) {
    const cmd = 'requests withdraw';
    const id = requestId(ctx.args, cmd);
    const body = dropUndefined({ reason: ctx.v.reason });
    const r = await act<RequestJson>(
      ctx,
      cmd,
      (remote) => remote.post(API.requestWithdraw(id), { json: body }),
      (db, actor) => withdrawJson(db, actor, id, body),
    );
    ctx.out(ctx.v.json ? json(r) : `withdrew request ${id}\n`);
    return 0;
  },
};

export const requestsSubmit: CommandImpl = {
  help: `Open a draft request you made (requests create --draft), or a failed one, for review. Reviewers are
notified; approvals that still bind count again.

Options:
  --json         Print the request as JSON.

Example:
  drawbridge requests submit clx2k0c1d0000abcd1234efgh
`,
  async run(ctx) {
    const cmd = 'requests submit';
    const id = requestId(ctx.args, cmd);
    const r = await act<RequestJson>(
      ctx,
      cmd,
      (remote) => remote.post(API.requestSubmit(id)),
      (db, actor) => submitJson(db, actor, id),
    );
    ctx.out(ctx.v.json ? json(r) : requestText(r, 'submitted request'));
    return 0;
  },
};

/** --X / --no-X: true, false, or undefined (leave it as it is); both is a usage error. */
function eitherWay(v: Values, name: 'replace' | 'backup' | 'validate', cmd: string): boolean | undefined {
  const yes = v[name];
  const no = v[`no-${name}`];
  if (yes && no) throw new UsageError(`give --${name} or --no-${name}, not both`, cmd);
  return yes ? true : no ? false : undefined;
}

export const requestsAmend: CommandImpl = {
  help: `Change a deployment request you opened. Approvals bind to the bytes: pointing it at another
export (--model, same age range) lapses them and reopens the request; a flag or the rationale keeps
them, and an approved request stays approved while the policy is met. "requests show" lists what
the deploy would refuse now ("still missing") with the fix, e.g. "Tick Replace: ages 3–4 in
production are served by …": amend with --replace.

Options:
  --model MODEL_ID          Another export of the same age range.
  --rationale TEXT          A new rationale (at least 10 characters).
  --replace | --no-replace  Replace the model now active for this age group and environment, or not.
  --backup | --no-backup    Keep the replaced deployment as a backup, or retire it.
  --validate | --no-validate  Validate again when deploying, or not.
  --json                    Print the request (with its policy, evaluation and still_missing) as JSON.

Example:
  drawbridge requests amend clx2k0c1d0000abcd1234efgh --replace
`,
  async run(ctx) {
    const { v, out } = ctx;
    const cmd = 'requests amend';
    const id = requestId(ctx.args, cmd);
    const body = dropUndefined({
      model_id: v.model,
      rationale: v.rationale,
      replace_existing: eitherWay(v, 'replace', cmd),
      backup_existing: eitherWay(v, 'backup', cmd),
      validate_before_deployment: eitherWay(v, 'validate', cmd),
    });
    if (!Object.keys(body).length)
      throw new UsageError(
        'requests amend needs something to change: --model, --rationale, --[no-]replace, --[no-]backup or --[no-]validate',
        cmd,
      );
    const r = await act<RequestJson>(
      ctx,
      cmd,
      (remote) => remote.post(API.requestAmend(id), { json: body }),
      (db, actor) => amendJson(db, actor, id, body),
    );
    out(v.json ? json(r) : requestText(r, 'amended request'));
    return 0;
  },
};

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
