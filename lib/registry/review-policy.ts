import 'server-only';
/**
 * The review policy, pure: given a request, its export's bytes, the export's validation runs, what
 * the deploy would refuse (its preconditions) and the reviews, does the request satisfy its
 * environment's rules, and if not, what is missing (in words a person can act on). Used to move
 * open → approved, to show the reviews page, and to re-check inside the deploy transaction.
 */
export type PolicyRules = {
  environment: string;
  requiredApprovals: number;
  requirePreviewSummary: boolean;
  /** true when no admin has set this environment's policy and the defaults apply. */
  isDefault: boolean;
};

export const DEFAULT_REQUIRED_APPROVALS: Record<string, number> = { staging: 1, production: 2 };

export function defaultPolicy(environment: string): PolicyRules {
  return {
    environment,
    requiredApprovals: DEFAULT_REQUIRED_APPROVALS[environment] ?? 2,
    requirePreviewSummary: true,
    isDefault: true,
  };
}

export type ReviewFacts = {
  id: string;
  reviewerId: string;
  reviewerName: string;
  decision: 'approve' | 'request_changes' | 'reject';
  artifactSha256: string;
  validationRunId: string | null;
  hasPreviewSummary: boolean;
  createdAt: Date;
};

export type ValidationFacts = { id: string; isValid: boolean; artifactSha256: string } | null;

/** A validation run that failed: an approval of these bytes given before it lapses for good. */
export type FailedRunFacts = { artifactSha256: string; createdAt: Date };

/** Something the deploy would refuse, found before it runs: its code, the fact and what to do. */
export type Precondition = { code: string; message: string; fix: string };

export type PolicyInput = {
  policy: Pick<PolicyRules, 'requiredApprovals' | 'requirePreviewSummary'>;
  requesterId: string;
  /** The bytes the request is for (approvals bind to them). */
  requestSha256: string;
  /** The export's checksum now. */
  exportSha256: string;
  latestValidation: ValidationFacts;
  /** The export's failing validation runs (any order); a passing run never lapses an approval. */
  failedRuns?: readonly FailedRunFacts[];
  /** What the deploy would refuse now (replace conflicts, threshold, age range): each blocks. */
  preconditions?: readonly Precondition[];
  reviews: readonly ReviewFacts[];
  /** When evaluating a deploy: the deploying user, who may not be the only approver. */
  deployerId?: string;
};

export type LapseCause = 'artifact_changed' | 'validation_failed';

export type PolicyEvaluation = {
  satisfied: boolean;
  /** Approvals that count now. */
  approvals: number;
  required: number;
  /** What is missing, one sentence each; empty when satisfied. */
  reasons: string[];
  /** The deploy's own checks that fail now (validation included), each with its fix; they block too. */
  stillMissing: Precondition[];
  /** What does not block but is worth saying (a review that can never count). */
  notes: string[];
  /** Ids of the reviews counted as approvals. */
  counted: string[];
  /** Approvals no longer bound to the current bytes or a passing verdict on them, with why. */
  lapsed: { id: string; reviewerId: string; cause: LapseCause }[];
  /** The user ids behind the counted approvals. */
  approverIds: string[];
};

/**
 * An approval binds to the bytes and a passing verdict on them, not to one validation run: it counts
 * while the request names the bytes it approved and no run on them has failed since. A later passing
 * run (the deploy's own "validate again") keeps it; a failing one lapses it for good, since that
 * run stays in the history whatever passes after it.
 */
export function approvalLapse(
  r: Pick<ReviewFacts, 'artifactSha256' | 'createdAt'>,
  requestSha256: string,
  failedRuns: readonly FailedRunFacts[] = [],
): LapseCause | null {
  if (r.artifactSha256 !== requestSha256) return 'artifact_changed';
  const failedSince = failedRuns.some(
    (f) => f.artifactSha256 === r.artifactSha256 && f.createdAt.getTime() >= r.createdAt.getTime(),
  );
  return failedSince ? 'validation_failed' : null;
}

/** The validation the deploy needs: a latest run that passed on these bytes (null when it has one). */
export function validationPrecondition(latest: ValidationFacts, requestSha256: string): Precondition | null {
  const fix = 'Validate the export again (Validate on its model page, or drawbridge validate).';
  if (!latest)
    return {
      code: 'validation_required',
      message: 'The export has not been validated: validation must be passing.',
      fix,
    };
  if (!latest.isValid)
    return {
      code: 'validation_failed',
      message: 'The export’s latest validation run failed: validation must be passing.',
      fix: 'Fix what the validation run reports, or amend the request to another export.',
    };
  if (latest.artifactSha256 !== requestSha256)
    return {
      code: 'validation_required',
      message: 'The latest validation run checked other bytes than this request’s.',
      fix,
    };
  return null;
}

export function evaluatePolicy(input: PolicyInput): PolicyEvaluation {
  const { policy, latestValidation } = input;
  const reasons: string[] = [];
  const notes: string[] = [];
  const counted: ReviewFacts[] = [];
  const lapsed: PolicyEvaluation['lapsed'] = [];

  // The bytes under review must still be the export's bytes.
  if (input.requestSha256 !== input.exportSha256) {
    reasons.push('The export’s SHA-256 no longer matches the bytes this request was reviewed for.');
  }

  // Validation must be passing, on these bytes, in the latest run; and nothing the deploy checks may fail.
  const validation = validationPrecondition(latestValidation, input.requestSha256);
  const stillMissing = [...(validation ? [validation] : []), ...(input.preconditions ?? [])];
  for (const p of stillMissing) reasons.push(p.message);

  // Each reviewer's latest review decides their position; earlier ones are superseded.
  const latestBy = new Map<string, ReviewFacts>();
  for (const r of [...input.reviews].sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime()))
    latestBy.set(r.reviewerId, r);
  for (const r of input.reviews) {
    if (r.decision !== 'approve' || latestBy.get(r.reviewerId) !== r) continue;
    const cause = approvalLapse(r, input.requestSha256, input.failedRuns);
    if (cause) lapsed.push({ id: r.id, reviewerId: r.reviewerId, cause });
  }
  for (const r of latestBy.values()) {
    if (r.reviewerId === input.requesterId) {
      // The database refuses such a row; should one exist anyway, it never counts.
      notes.push(`${r.reviewerName}’s review does not count: the requester never approves their own request.`);
      continue;
    }
    if (r.decision === 'approve') {
      const cause = approvalLapse(r, input.requestSha256, input.failedRuns);
      if (cause) {
        reasons.push(
          cause === 'artifact_changed'
            ? `${r.reviewerName}’s approval lapsed: the request now points at other bytes.`
            : `${r.reviewerName}’s approval lapsed: a validation run of these bytes failed after it.`,
        );
      } else if (policy.requirePreviewSummary && !r.hasPreviewSummary) {
        reasons.push(
          `${r.reviewerName}’s approval has no reconstruction preview summary attached, which this environment requires.`,
        );
      } else {
        counted.push(r);
      }
    } else if (r.artifactSha256 === input.requestSha256) {
      // Changes requested (or a rejection) of the current bytes stand until that reviewer approves.
      reasons.push(
        r.decision === 'reject' ? `${r.reviewerName} rejected these bytes.` : `${r.reviewerName} requested changes.`,
      );
    }
  }

  const required = policy.requiredApprovals;
  if (counted.length < required) {
    const more = required - counted.length;
    reasons.push(`${more} more approval${more === 1 ? '' : 's'} needed (${counted.length} of ${required}).`);
  }

  if (input.deployerId && counted.length > 0 && counted.every((r) => r.reviewerId === input.deployerId)) {
    reasons.push(
      'You are the only approver: a deployer may not be the only approver of what they deploy; another teammate must approve, or another deployer deploy.',
    );
  }

  return {
    satisfied: reasons.length === 0,
    approvals: counted.length,
    required,
    reasons,
    stillMissing,
    notes,
    counted: counted.map((r) => r.id),
    lapsed,
    approverIds: counted.map((r) => r.reviewerId),
  };
}
