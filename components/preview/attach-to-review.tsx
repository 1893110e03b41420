'use client';

import { useActionState } from 'react';
import { initialActionState, type FormAction } from '@/lib/auth/action-state';
import type { RunResult } from '@/lib/preview/protocol';
import type { ThresholdChoice } from '@/lib/preview/stats';
import { secondaryButton } from '../field';
import { FormMessage } from '../form-message';

function median(values: number[]): number | null {
  if (!values.length) return null;
  const s = [...values].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * What a reviewer vouches for: the numbers this browser computed on these exact bytes. Bound to
 * the candidate's SHA-256, so it cannot be reused for other bytes.
 */
export function previewSummary(result: RunResult, threshold: ThresholdChoice, productionThreshold: number | null) {
  const { samples, candidate, production, backend } = result;
  const errs = Array.from(candidate.errors);
  const labels = samples.isAnomaly;
  const flagged = errs.map((e) => e > threshold.value);
  const prodFlagged =
    production && productionThreshold !== null ? Array.from(production.errors, (e) => e > productionThreshold) : null;
  const flips = prodFlagged ? flagged.map((f, i) => (f !== prodFlagged[i] ? i : -1)).filter((i) => i >= 0) : [];
  return {
    model_id: candidate.modelId,
    artifact_sha256: candidate.sha256,
    backend: backend.name,
    threads: backend.threads,
    samples: samples.count,
    sample_source: samples.source,
    threshold: threshold.value,
    threshold_basis: threshold.label,
    flagged: flagged.filter(Boolean).length,
    anomalies_labelled: labels ? labels.reduce((n, v) => n + v, 0) : null,
    anomalies_flagged: labels ? flagged.filter((f, i) => f && labels[i]).length : null,
    normal_error_median: median(errs.filter((_, i) => !labels?.[i])),
    anomalous_error_median: labels ? median(errs.filter((_, i) => labels[i])) : null,
    production: production
      ? {
          model_id: production.modelId,
          artifact_sha256: production.sha256,
          flagged: prodFlagged?.filter(Boolean).length ?? null,
          flips: flips.slice(0, 200),
          flip_count: flips.length,
        }
      : null,
    computed_at: new Date().toISOString(),
  };
}

export function AttachToReview({
  attachAction,
  result,
  threshold,
  productionThreshold,
}: {
  attachAction: FormAction;
  result: RunResult;
  threshold: ThresholdChoice;
  productionThreshold: number | null;
}) {
  const [state, action, pending] = useActionState(attachAction, initialActionState);
  const summary = previewSummary(result, threshold, productionThreshold);
  return (
    <form action={action} className="flex flex-wrap items-center gap-3">
      <input type="hidden" name="modelId" value={summary.model_id} />
      <input type="hidden" name="summary" value={JSON.stringify(summary)} />
      <button type="submit" disabled={pending} className={secondaryButton}>
        {pending ? 'Attaching…' : 'Attach to review'}
      </button>
      <span className="text-xs text-slate-600">
        Your reviews of this export will carry this run’s summary ({summary.flagged} of {summary.samples} flagged,{' '}
        {summary.backend}).
      </span>
      <FormMessage state={state} />
    </form>
  );
}
