import { describe, expect, it } from 'vitest';
import type { Actor, Role } from '../auth/permissions';
import {
  authorizeTransition,
  availableActions,
  canTransition,
  nextState,
  partyCheck,
  REQUEST_ACTIONS,
  REQUEST_STATES,
  SELF_REVIEW_MESSAGE,
  type RequestAction,
  type RequestState,
} from './review-state';

// The whole table, written out: every (state, action) pair is either this target state or refused.
const EXPECTED: Record<RequestAction, Partial<Record<RequestState, RequestState>>> = {
  submit: { draft: 'open', failed: 'open' },
  withdraw: { draft: 'withdrawn', open: 'withdrawn', approved: 'withdrawn', failed: 'withdrawn' },
  amend: { draft: 'draft', open: 'open', approved: 'open', failed: 'open' },
  approve: { open: 'open', approved: 'approved' },
  request_changes: { open: 'open', approved: 'open' },
  reject: { open: 'rejected', approved: 'rejected' },
  approval_met: { open: 'approved' },
  lapse: { approved: 'open' },
  deploy: { approved: 'deployed' },
  fail: { approved: 'failed' },
  break_glass: { open: 'deployed', approved: 'deployed', failed: 'deployed' },
};

const user = (id: string, role: Role): Pick<Actor, 'id' | 'role'> => ({ id, role });

describe('request state machine', () => {
  for (const action of REQUEST_ACTIONS) {
    for (const state of REQUEST_STATES) {
      const to = EXPECTED[action][state];
      if (to) {
        it(`${state} --${action}--> ${to}`, () => {
          expect(canTransition(state, action)).toBe(true);
          expect(nextState(state, action)).toBe(to);
        });
      } else {
        it(`${state} refuses ${action}`, () => {
          expect(canTransition(state, action)).toBe(false);
          expect(() => nextState(state, action)).toThrow(expect.objectContaining({ code: 'invalid_transition' }));
        });
      }
    }
  }

  it('terminal states accept nothing', () => {
    for (const s of ['rejected', 'withdrawn', 'deployed'] as const) {
      expect(REQUEST_ACTIONS.filter((a) => canTransition(s, a))).toEqual([]);
    }
  });
});

describe('who may take each action', () => {
  const requester = user('u-req', 'reviewer');
  const reviewer = user('u-rev', 'reviewer');
  const deployer = user('u-dep', 'deployer');
  const admin = user('u-adm', 'admin');
  const viewer = user('u-view', 'viewer');

  it('requester actions: only the requester (with requests.create)', () => {
    for (const a of ['submit', 'withdraw', 'amend'] as const) {
      expect(partyCheck(requester, 'u-req', a).ok).toBe(true);
      expect(partyCheck(reviewer, 'u-req', a).ok).toBe(false);
      expect(partyCheck(admin, 'u-req', a).ok).toBe(false);
      // a requester demoted to viewer can no longer act on the request
      expect(partyCheck(user('u-req', 'viewer'), 'u-req', a).ok).toBe(false);
    }
  });

  it('reviews: anyone with reviews.write except the requester', () => {
    for (const a of ['approve', 'request_changes', 'reject'] as const) {
      expect(partyCheck(reviewer, 'u-req', a).ok).toBe(true);
      expect(partyCheck(deployer, 'u-req', a).ok).toBe(true);
      expect(partyCheck(viewer, 'u-req', a).ok).toBe(false);
      expect(partyCheck(requester, 'u-req', a)).toEqual({ ok: false, reason: SELF_REVIEW_MESSAGE });
    }
    expect(() => authorizeTransition(requester, { state: 'open', requesterId: 'u-req' }, 'approve')).toThrow(
      expect.objectContaining({ code: 'self_review' }),
    );
    expect(() => authorizeTransition(viewer, { state: 'open', requesterId: 'u-req' }, 'approve')).toThrow(
      expect.objectContaining({ code: 'forbidden' }),
    );
  });

  it('deploy: deployers (and admins); break-glass: admins only; system steps: nobody', () => {
    expect(partyCheck(deployer, 'u-req', 'deploy').ok).toBe(true);
    expect(partyCheck(admin, 'u-req', 'deploy').ok).toBe(true);
    expect(partyCheck(reviewer, 'u-req', 'deploy').ok).toBe(false);
    expect(partyCheck(admin, 'u-req', 'break_glass').ok).toBe(true);
    expect(partyCheck(deployer, 'u-req', 'break_glass').ok).toBe(false);
    for (const a of ['approval_met', 'lapse', 'fail'] as const) expect(partyCheck(admin, 'u-req', a).ok).toBe(false);
  });

  it('checks the state before the party', () => {
    expect(authorizeTransition(deployer, { state: 'approved', requesterId: 'u-req' }, 'deploy')).toBe('deployed');
    expect(() => authorizeTransition(deployer, { state: 'open', requesterId: 'u-req' }, 'deploy')).toThrow(
      /open request cannot be deployed/,
    );
  });

  it('lists what a person can do now', () => {
    expect(availableActions(requester, { state: 'draft', requesterId: 'u-req' })).toEqual([
      'submit',
      'withdraw',
      'amend',
    ]);
    expect(availableActions(requester, { state: 'open', requesterId: 'u-req' })).toEqual(['withdraw', 'amend']);
    expect(availableActions(reviewer, { state: 'open', requesterId: 'u-req' })).toEqual([
      'approve',
      'request_changes',
      'reject',
    ]);
    expect(availableActions(deployer, { state: 'approved', requesterId: 'u-req' })).toEqual([
      'approve',
      'request_changes',
      'reject',
      'deploy',
    ]);
    expect(availableActions(admin, { state: 'approved', requesterId: 'u-req' })).toEqual([
      'approve',
      'request_changes',
      'reject',
      'deploy',
      'break_glass',
    ]);
    expect(availableActions(viewer, { state: 'open', requesterId: 'u-req' })).toEqual([]);
    expect(availableActions(admin, { state: 'deployed', requesterId: 'u-req' })).toEqual([]);
  });
});
