import { describe, expect, it } from 'vitest';
import { chooseThreshold, compareFlags, histogram, meanSquaredErrors, perDimensionErrors, segmentError } from './stats';

describe('preview statistics', () => {
  const input = new Float32Array([0, 0, 1, 1]);
  const output = new Float32Array([1, 0, 1, 3]);

  it('per-sample and per-dimension squared error', () => {
    expect(Array.from(meanSquaredErrors(input, output, 2, 2))).toEqual([0.5, 2]);
    expect(Array.from(perDimensionErrors(input, output, 2, 2))).toEqual([0.5, 2]);
    expect(segmentError(input, output, 1, 2, 1, 2)).toBe(4);
  });

  it('threshold: the deployment’s when known, else p95 of the normal samples, labelled as such', () => {
    const errs = Array.from({ length: 21 }, (_, i) => i);
    const labels = Uint8Array.from(errs, (_, i) => (i === 20 ? 1 : 0));
    expect(chooseThreshold(errs, labels, null)).toMatchObject({ value: 18.05, source: 'p95-normal' });
    expect(chooseThreshold(errs, null, null)).toMatchObject({ value: 19, source: 'p95-all' });
    const dep = chooseThreshold(errs, labels, { value: 3, environment: 'production', deploymentId: 7, active: true });
    expect(dep).toMatchObject({ value: 3, source: 'deployment' });
    expect(dep.label).toContain('deployment 7');
  });

  it('histogram counts every sample once, split by label, log scale over wide ranges', () => {
    const errs = [1e-5, 2e-5, 3e-5, 1e-3, 2e-3];
    const h = histogram(errs, Uint8Array.from([0, 0, 0, 1, 1]), 10);
    expect(h.log).toBe(true);
    expect(h.normal.reduce((a, b) => a + b)).toBe(3);
    expect(h.anomalous.reduce((a, b) => a + b)).toBe(2);
    expect(h.edges).toHaveLength(11);
  });

  it('flag flips between candidate and production', () => {
    const c = compareFlags([1, 5, 5, 1], 2, [1, 5, 1, 5], 2);
    expect(c).toEqual({ candidateFlagged: 2, productionFlagged: 2, newlyFlagged: [2], noLongerFlagged: [3] });
  });
});
