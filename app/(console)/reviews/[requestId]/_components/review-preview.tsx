'use client';

import { useCallback } from 'react';
import type { PreviewRun } from '@/components/preview/preview-section';
import { ReconstructionPreview } from '@/components/preview/reconstruction-preview';
import type { RunResult } from '@/lib/preview/protocol';
import { chooseThreshold } from '@/lib/preview/stats';
import { previewSummary } from '@/lib/preview/summary';

export type PreviewSummary = ReturnType<typeof previewSummary>;

/**
 * The candidate's reconstruction preview against production, run on the request page itself: each
 * finished validation-set run becomes the summary the approve form below attaches (null while a run
 * is under way). Its threshold is the one the preview's charts show (preview-results.tsx).
 */
export function ReviewPreview({ run, onSummary }: { run: PreviewRun; onSummary: (s: PreviewSummary | null) => void }) {
  const { deploymentThreshold, production } = run;
  const onValidationResult = useCallback(
    (r: RunResult | null) =>
      onSummary(
        r &&
          previewSummary(
            r,
            chooseThreshold(r.candidate.errors, r.samples.isAnomaly, deploymentThreshold),
            production?.threshold ?? null,
          ),
      ),
    [onSummary, deploymentThreshold, production],
  );
  return (
    <section aria-labelledby="preview-h" className="rounded-lg border border-slate-200 bg-white p-4">
      <ReconstructionPreview {...run} onValidationResult={onValidationResult} />
    </section>
  );
}
