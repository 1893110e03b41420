import 'server-only';
import { can, type Actor } from '../auth/permissions';
import { ModelDeploymentError, errorFamily } from '../formats/errors';

/**
 * The deployment request's state machine, pure: which action moves which state where, and who may
 * take it. Stored states are the schema's RequestState; the registry applies a transition inside
 * the transaction that changes the row, audits it and emits its event.
 *
 *   draft ──submit──▶ open ──(policy met)──▶ approved ──deploy──▶ deployed
 *     │                │  ▲                    │   └──(deploy fails)──▶ failed ──submit/amend──▶ open
 *     │                │  └──lapse / amend / request changes──┘
 *     └──withdraw──────┴──reject──▶ rejected          (withdraw from draft/open/approved/failed)
 *   break-glass (admin, written reason): open | approved | failed ──▶ deployed, flagged
 */
export const REQUEST_STATES = ['draft', 'open', 'approved', 'rejected', 'withdrawn', 'deployed', 'failed'] as const;
export type RequestState = (typeof REQUEST_STATES)[number];

/** Who takes an action: the request's author, a reviewer (never the author), a deployer, an admin, or the system itself. */
export type Party = 'requester' | 'reviewer' | 'deployer' | 'admin' | 'system';

export type RequestAction =
  | 'submit'
  | 'withdraw'
  | 'amend'
  | 'approve'
  | 'request_changes'
  | 'reject'
  | 'approval_met'
  | 'lapse'
  | 'deploy'
  | 'fail'
  | 'break_glass';

type Rule = { from: readonly RequestState[]; to: (from: RequestState) => RequestState; by: Party };

export const TRANSITIONS: Record<RequestAction, Rule> = {
  submit: { from: ['draft', 'failed'], to: () => 'open', by: 'requester' },
  withdraw: { from: ['draft', 'open', 'approved', 'failed'], to: () => 'withdrawn', by: 'requester' },
  // Pointing the request at other bytes: a draft stays a draft; anything else reopens for review.
  amend: {
    from: ['draft', 'open', 'approved', 'failed'],
    to: (s) => (s === 'draft' ? 'draft' : 'open'),
    by: 'requester',
  },
  // An approval keeps the state; the system's approval_met moves it once the policy is satisfied.
  approve: { from: ['open', 'approved'], to: (s) => s, by: 'reviewer' },
  request_changes: { from: ['open', 'approved'], to: () => 'open', by: 'reviewer' },
  reject: { from: ['open', 'approved'], to: () => 'rejected', by: 'reviewer' },
  approval_met: { from: ['open'], to: () => 'approved', by: 'system' },
  lapse: { from: ['approved'], to: () => 'open', by: 'system' },
  deploy: { from: ['approved'], to: () => 'deployed', by: 'deployer' },
  fail: { from: ['approved'], to: () => 'failed', by: 'system' },
  break_glass: { from: ['open', 'approved', 'failed'], to: () => 'deployed', by: 'admin' },
};

export const REQUEST_ACTIONS = Object.keys(TRANSITIONS) as RequestAction[];

/** The request states people still act on (the reviews page lists them first). */
export const ACTIVE_STATES: readonly RequestState[] = ['open', 'approved', 'draft', 'failed'];
export const TERMINAL_STATES: readonly RequestState[] = ['rejected', 'withdrawn', 'deployed'];

export class WorkflowError extends ModelDeploymentError {}
errorFamily(WorkflowError, 'WorkflowError');

export const SELF_REVIEW_MESSAGE = 'You requested this deployment, so you cannot review it: a teammate has to.';

/** The state `action` leads to from `state`, or a WorkflowError saying why it cannot be taken. */
export function nextState(state: RequestState, action: RequestAction): RequestState {
  const rule = TRANSITIONS[action];
  if (!rule.from.includes(state)) {
    throw new WorkflowError(
      'invalid_transition',
      `A ${state} request cannot be ${PAST[action]} (only ${rule.from.join(', ')} requests can).`,
      { state, action },
    );
  }
  return rule.to(state);
}

export function canTransition(state: RequestState, action: RequestAction): boolean {
  return TRANSITIONS[action].from.includes(state);
}

/** Whether `actor` is the party `action` needs, on a request by `requesterId`; the reason when not. */
export function partyCheck(
  actor: Pick<Actor, 'id' | 'role'>,
  requesterId: string,
  action: RequestAction,
): { ok: true } | { ok: false; reason: string } {
  const by = TRANSITIONS[action].by;
  switch (by) {
    case 'requester':
      return actor.id === requesterId && can(actor, 'requests.create')
        ? { ok: true }
        : { ok: false, reason: 'Only the requester can do this.' };
    case 'reviewer':
      if (actor.id === requesterId) return { ok: false, reason: SELF_REVIEW_MESSAGE };
      return can(actor, 'reviews.write')
        ? { ok: true }
        : { ok: false, reason: 'Your role may not review deployment requests.' };
    case 'deployer':
      return can(actor, 'deployments.write')
        ? { ok: true }
        : { ok: false, reason: 'Only a deployer can deploy an approved request.' };
    case 'admin':
      return can(actor, 'deployments.break_glass')
        ? { ok: true }
        : { ok: false, reason: 'Only an admin can deploy with break-glass.' };
    case 'system':
      return { ok: false, reason: 'The registry takes this step itself when the policy says so.' };
  }
}

/** State and party checks together: the new state, or a WorkflowError. */
export function authorizeTransition(
  actor: Pick<Actor, 'id' | 'role'>,
  request: { state: RequestState; requesterId: string },
  action: RequestAction,
): RequestState {
  const to = nextState(request.state, action);
  const p = partyCheck(actor, request.requesterId, action);
  if (!p.ok)
    throw new WorkflowError(
      action === 'approve' || action === 'reject' || action === 'request_changes'
        ? actor.id === request.requesterId
          ? 'self_review'
          : 'forbidden'
        : 'forbidden',
      p.reason,
      { action },
    );
  return to;
}

/** The actions `actor` may take on the request now (for the UI; the server checks again). */
export function availableActions(
  actor: Pick<Actor, 'id' | 'role'>,
  request: { state: RequestState; requesterId: string },
): RequestAction[] {
  return REQUEST_ACTIONS.filter(
    (a) =>
      TRANSITIONS[a].by !== 'system' && canTransition(request.state, a) && partyCheck(actor, request.requesterId, a).ok,
  );
}

const PAST: Record<RequestAction, string> = {
  submit: 'submitted',
  withdraw: 'withdrawn',
  amend: 'amended',
  approve: 'approved',
  request_changes: 'sent back for changes',
  reject: 'rejected',
  approval_met: 'marked approved',
  lapse: 'lapsed',
  deploy: 'deployed',
  fail: 'marked failed',
  break_glass: 'deployed with break-glass',
};
