// The summary's numbers and their comparison: pure, the same code in the browser and the server.
import { describe, expect, it } from 'vitest';
import { comparePreviewNumbers, errorDigest, previewNumbers } from './summary';

describe('previewNumbers and comparePreviewNumbers', () => {
  const errors = [0.5, 1, 2, 3, 4, 5, 6, 7, 8, 100];
  const labels = [0, 0, 0, 0, 0, 0, 0, 0, 0, 1];

  it('computes the digest with numpy-style deciles, the medians, p95 and flag counts', () => {
    const d = errorDigest(errors);
    expect(d).toMatchObject({ count: 10, sum: 136.5, min: 0.5, max: 100 });
    expect(d.sum_squares).toBeCloseTo(0.25 + 1 + 4 + 9 + 16 + 25 + 36 + 49 + 64 + 10000, 10);
    // numpy.quantile([...], 0.1) = 0.5 + 0.9 * (1 - 0.5)
    expect(d.deciles[0]).toBeCloseTo(0.95, 12);
    expect(d.deciles[4]).toBeCloseTo(4.5, 12);
    const n = previewNumbers(errors, labels, 6.5);
    expect(n).toMatchObject({
      samples: 10,
      flagged: 3,
      anomalies_labelled: 1,
      anomalies_flagged: 1,
      error_median: 4.5,
      normal_error_median: 4,
      anomalous_error_median: 100,
    });
    expect(n.error_p95).toBeCloseTo(8 + 0.55 * 92, 10);
    expect(previewNumbers(errors, null, 6.5)).toMatchObject({ anomalies_labelled: null, anomalous_error_median: null });
  });

  it('accepts numbers within 1e-4 relative and names the first that is not', () => {
    const server = previewNumbers(errors, labels, 6.5);
    const close = previewNumbers(
      errors.map((e) => e * (1 + 3e-5)),
      labels,
      6.5,
    );
    const ok = comparePreviewNumbers(close, server, errors, labels);
    expect(ok.mismatch).toBeNull();
    expect(ok.maxRelativeDifference).toBeGreaterThan(2e-5); // the sum of squares moves by twice that
    expect(ok.maxRelativeDifference).toBeLessThanOrEqual(1e-4);
    const off = previewNumbers(
      errors.map((e) => e * 1.01),
      labels,
      6.5,
    );
    expect(comparePreviewNumbers(off, server, errors, labels).mismatch).toMatchObject({
      field: 'error_median',
      expected: 4.5,
    });
  });

  it('lets a flag count differ only by the samples whose server error sits within 1e-4 of the threshold', () => {
    const borderline = [1, 2, 3.0001, 10];
    const server = previewNumbers(borderline, null, 3); // 3.0001 is 3.3e-5 relative above 3: flagged here
    expect(server.flagged).toBe(2);
    const otherSide = { ...server, flagged: 1 };
    expect(comparePreviewNumbers(otherSide, server, borderline, null).mismatch).toBeNull();
    expect(comparePreviewNumbers({ ...server, flagged: 0 }, server, borderline, null).mismatch).toMatchObject({
      field: 'flagged',
      expected: 2,
      got: 0,
    });
    // Far from the threshold, a count must be exact.
    const clear = previewNumbers([1, 2, 10], null, 3);
    expect(comparePreviewNumbers({ ...clear, flagged: 2 }, clear, [1, 2, 10], null).mismatch).toMatchObject({
      field: 'flagged',
    });
  });
});
