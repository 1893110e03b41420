import { describe, expect, it } from 'vitest';
import { defaultPolicy, evaluatePolicy, type PolicyInput, type ReviewFacts } from './review-policy';

const SHA = 'a'.repeat(64);
const OTHER = 'b'.repeat(64);
const RUN = { id: 'run-2', isValid: true, artifactSha256: SHA };
let t = 0;
const review = (reviewerId: string, over: Partial<ReviewFacts> = {}): ReviewFacts => ({
  id: `r-${reviewerId}-${++t}`,
  reviewerId,
  reviewerName: reviewerId,
  decision: 'approve',
  artifactSha256: SHA,
  validationRunId: RUN.id,
  hasPreviewSummary: true,
  createdAt: new Date(1_700_000_000_000 + t * 1000),
  ...over,
});
const input = (over: Partial<PolicyInput> = {}): PolicyInput => ({
  policy: { requiredApprovals: 2, requirePreviewSummary: true },
  requesterId: 'req',
  requestSha256: SHA,
  exportSha256: SHA,
  latestValidation: RUN,
  reviews: [review('ann'), review('bob')],
  ...over,
});

describe('evaluatePolicy', () => {
  it('is satisfied with enough bound approvals and passing validation', () => {
    const e = evaluatePolicy(input());
    expect(e).toMatchObject({ satisfied: true, approvals: 2, required: 2, reasons: [], approverIds: ['ann', 'bob'] });
  });

  it('defaults: staging needs 1, production 2, preview summaries required', () => {
    expect(defaultPolicy('staging')).toMatchObject({
      requiredApprovals: 1,
      requirePreviewSummary: true,
      isDefault: true,
    });
    expect(defaultPolicy('production')).toMatchObject({ requiredApprovals: 2, requirePreviewSummary: true });
  });

  describe('required approvals', () => {
    it('blocks below the count, with how many are missing', () => {
      const e = evaluatePolicy(input({ reviews: [review('ann')] }));
      expect(e.satisfied).toBe(false);
      expect(e.reasons).toEqual(['1 more approval needed (1 of 2).']);
      expect(evaluatePolicy(input({ reviews: [] })).reasons).toEqual(['2 more approvals needed (0 of 2).']);
    });
    it('passes at the count', () => {
      expect(
        evaluatePolicy(
          input({ policy: { requiredApprovals: 1, requirePreviewSummary: true }, reviews: [review('ann')] }),
        ).satisfied,
      ).toBe(true);
    });
    it('counts each reviewer once, by their latest review', () => {
      expect(evaluatePolicy(input({ reviews: [review('ann'), review('ann')] })).approvals).toBe(1);
      const changed = evaluatePolicy(
        input({ reviews: [review('ann'), review('bob'), review('bob', { decision: 'request_changes' })] }),
      );
      expect(changed.satisfied).toBe(false);
      expect(changed.reasons).toContain('bob requested changes.');
      expect(
        evaluatePolicy(
          input({ reviews: [review('bob', { decision: 'request_changes' }), review('ann'), review('bob')] }),
        ).satisfied,
      ).toBe(true);
    });
  });

  describe('the requester never approves their own request', () => {
    it('does not count the requester’s approval (should one exist despite the database)', () => {
      const e = evaluatePolicy(input({ reviews: [review('ann'), review('req')] }));
      expect(e.satisfied).toBe(false);
      expect(e.approvals).toBe(1);
      expect(e.notes[0]).toMatch(/requester never approves/);
    });
    it('counts the same approvals when someone else requested', () => {
      expect(evaluatePolicy(input({ requesterId: 'zoe', reviews: [review('ann'), review('req')] })).satisfied).toBe(
        true,
      );
    });
  });

  describe('deployers may not be the only approvers of what they deploy', () => {
    const one = { policy: { requiredApprovals: 1, requirePreviewSummary: true }, reviews: [review('dan')] };
    it('blocks a deployer whose approval is the only one', () => {
      const e = evaluatePolicy(input({ ...one, deployerId: 'dan' }));
      expect(e.satisfied).toBe(false);
      expect(e.reasons[0]).toMatch(/only approver/);
    });
    it('passes when another approval counts, or another deployer deploys', () => {
      expect(evaluatePolicy(input({ reviews: [review('dan'), review('ann')], deployerId: 'dan' })).satisfied).toBe(
        true,
      );
      expect(evaluatePolicy(input({ ...one, deployerId: 'eve' })).satisfied).toBe(true);
      // no deployer given: the approval state itself is satisfied
      expect(evaluatePolicy(input(one)).satisfied).toBe(true);
    });
  });

  describe('validation must be passing', () => {
    it('blocks without a run, with a failing run, or with a run on other bytes', () => {
      expect(evaluatePolicy(input({ latestValidation: null })).reasons).toContain(
        'The export has not been validated: validation must be passing.',
      );
      const failing = evaluatePolicy(input({ latestValidation: { ...RUN, isValid: false } }));
      expect(failing.satisfied).toBe(false);
      expect(failing.reasons).toContain('The export’s latest validation run failed: validation must be passing.');
      expect(evaluatePolicy(input({ latestValidation: { ...RUN, artifactSha256: OTHER } })).reasons).toContain(
        'The latest validation run checked other bytes than this request’s.',
      );
    });
    it('passes with a valid latest run on the request’s bytes', () => {
      expect(evaluatePolicy(input()).reasons).not.toContain(expect.stringMatching(/validat/));
    });
  });

  describe('approvals are bound to the bytes and a passing verdict on them', () => {
    it('lapses approvals given for other bytes', () => {
      const e = evaluatePolicy(input({ reviews: [review('ann', { artifactSha256: OTHER }), review('bob')] }));
      expect(e.satisfied).toBe(false);
      expect(e.lapsed).toEqual([expect.objectContaining({ reviewerId: 'ann', cause: 'artifact_changed' })]);
      expect(e.reasons).toContain('ann’s approval lapsed: the request now points at other bytes.');
    });
    it('keeps approvals given against an earlier passing run (a later passing run is no lapse)', () => {
      const e = evaluatePolicy(input({ reviews: [review('ann', { validationRunId: 'run-1' }), review('bob')] }));
      expect(e).toMatchObject({ satisfied: true, lapsed: [] });
    });
    it('lapses approvals of the bytes a later run failed on, for good, even once a run passes again', () => {
      const ann = review('ann');
      const bob = review('bob');
      const failedRuns = [{ artifactSha256: SHA, createdAt: new Date(ann.createdAt.getTime() + 500) }];
      const e = evaluatePolicy(input({ reviews: [ann, bob], failedRuns }));
      expect(e.satisfied).toBe(false);
      expect(e.lapsed).toEqual([expect.objectContaining({ reviewerId: 'ann', cause: 'validation_failed' })]);
      expect(e.reasons).toContain('ann’s approval lapsed: a validation run of these bytes failed after it.');
      // A run that failed before the approval, or on other bytes, does not lapse it.
      const earlier = [{ artifactSha256: SHA, createdAt: new Date(ann.createdAt.getTime() - 500) }];
      expect(evaluatePolicy(input({ reviews: [ann, bob], failedRuns: earlier })).lapsed).toEqual([]);
      const elsewhere = [{ artifactSha256: OTHER, createdAt: new Date(bob.createdAt.getTime() + 500) }];
      expect(evaluatePolicy(input({ reviews: [ann, bob], failedRuns: elsewhere })).lapsed).toEqual([]);
    });
    it('a fresh approval replaces a lapsed one', () => {
      const ann = review('ann');
      const failedRuns = [{ artifactSha256: SHA, createdAt: new Date(ann.createdAt.getTime() + 500) }];
      const e = evaluatePolicy(input({ reviews: [ann, review('bob'), review('ann')], failedRuns }));
      expect(e).toMatchObject({ satisfied: true, lapsed: [] });
    });
    it('what the deploy would refuse blocks, with its code and fix, listed with the validation', () => {
      const p = {
        code: 'active_model_exists',
        message: 'Ages 3–4 in production are served by m.',
        fix: 'Tick Replace.',
      };
      const e = evaluatePolicy(input({ preconditions: [p] }));
      expect(e).toMatchObject({ satisfied: false, approvals: 2, stillMissing: [p] });
      expect(e.reasons).toEqual([p.message]);
      const unvalidated = evaluatePolicy(input({ latestValidation: null, preconditions: [p] }));
      expect(unvalidated.stillMissing.map((x) => x.code)).toEqual(['validation_required', 'active_model_exists']);
      expect(evaluatePolicy(input()).stillMissing).toEqual([]);
    });
    it('blocks when the export’s checksum differs from the request’s', () => {
      expect(evaluatePolicy(input({ exportSha256: OTHER })).reasons[0]).toMatch(/no longer matches/);
    });
    it('a change request on earlier bytes no longer blocks', () => {
      expect(
        evaluatePolicy(
          input({
            reviews: [
              review('cat', { decision: 'request_changes', artifactSha256: OTHER }),
              review('ann'),
              review('bob'),
            ],
          }),
        ).satisfied,
      ).toBe(true);
    });
  });

  describe('preview summary on approvals', () => {
    it('does not count an approval without one when required', () => {
      const e = evaluatePolicy(input({ reviews: [review('ann', { hasPreviewSummary: false }), review('bob')] }));
      expect(e.satisfied).toBe(false);
      expect(e.reasons[0]).toMatch(/ann’s approval has no reconstruction preview summary/);
    });
    it('counts it when the environment does not require one', () => {
      expect(
        evaluatePolicy(
          input({
            policy: { requiredApprovals: 2, requirePreviewSummary: false },
            reviews: [review('ann', { hasPreviewSummary: false }), review('bob')],
          }),
        ).satisfied,
      ).toBe(true);
    });
  });

  it('a rejection of the current bytes blocks', () => {
    expect(
      evaluatePolicy(input({ reviews: [review('ann'), review('bob'), review('cat', { decision: 'reject' })] })).reasons,
    ).toEqual(['cat rejected these bytes.']);
  });
});
