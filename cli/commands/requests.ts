/**
 * The review workflow from the command line: open a deployment request, list and show requests,
 * review, deploy an approved request (or break glass), withdraw, submit a draft; the review policy.
 * Local mode calls the same lib/api operations as the routes, so both modes print the same JSON.
 */
import {
  amendJson,
  createRequestJson,
  listRequestsJson,
  requestDetailJson,
  submitJson,
  withdrawJson,
} from '../../lib/api/deployment-requests';
import { ENVIRONMENTS } from '../../lib/registry/deploy';
import { REQUEST_STATES } from '../../lib/registry/review-state';
import { idArgument, oneOf, required, UsageError } from '../args';
import { json } from '../output';
import { API, requestCreateBody } from '../remote';
import {
  detailText,
  requestsTable,
  requestText,
  type DetailJson,
  type ListJson,
  type RequestJson,
} from './request-text';
import { act, dropUndefined, ENV_HELP, eitherWay, requestId } from './requests-shared';
import type { CommandImpl } from './types';

export { requestsDeploy, reviewCommand } from './requests-review';
export { policySet, policyShow } from './requests-policy';

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
