import { afterEach, describe, expect, it } from 'vitest';
import { PREVIEW_MEASURES, recordPreviewMeasures, stampClock, type PreviewMarks } from './timing-marks';

afterEach(() => performance.clearMeasures());

// Epoch instants are ~1.7e12: a difference carries float rounding in its last microsecond bits.
const rounded = (o: Record<string, number | undefined>) =>
  Object.fromEntries(Object.entries(o).map(([k, v]) => [k, Math.round((v ?? NaN) * 1000) / 1000]));

describe('recordPreviewMeasures', () => {
  it('turns epoch instants from both sides of the worker into page measures', () => {
    const t0 = performance.timeOrigin;
    const marks: PreviewMarks = {
      'worker-created': t0 + 100,
      'run-start': t0 + 130,
      'runtime-import-start': t0 + 131,
      'runtime-import-end': t0 + 181,
      'runtime-ready': t0 + 481,
      'downloads-end': t0 + 230,
      'session-start': t0 + 490,
      'session-end': t0 + 520,
      'inference-end': t0 + 580,
      'result-received': t0 + 600,
      'first-chart': t0 + 640,
    };
    const got = recordPreviewMeasures(marks);
    expect(rounded(got)).toEqual({
      'preview:page-start': 100,
      'preview:worker-start': 30,
      'preview:runtime-import': 50,
      'preview:runtime-init': 300,
      'preview:downloads': 100,
      'preview:session': 30,
      'preview:inference': 60,
      'preview:render': 40,
      'preview:first-chart': 640,
    });
    // What the bench reads with page.evaluate: one entry per measure, starting where the step did.
    const [firstChart] = performance.getEntriesByName('preview:first-chart', 'measure');
    expect(firstChart.startTime).toBe(0);
    expect(firstChart.duration).toBeCloseTo(640, 6);
    expect(performance.getEntriesByName('preview:runtime-init', 'measure')[0].startTime).toBeCloseTo(181, 6);
    expect(Object.keys(got).sort()).toEqual(Object.keys(PREVIEW_MEASURES).sort());
  });

  it('replaces an earlier run and leaves out steps that did not happen', () => {
    const t0 = performance.timeOrigin;
    recordPreviewMeasures({ 'result-received': t0 + 10, 'first-chart': t0 + 20 });
    // A run whose runtime never reported (it failed): no runtime measures, one first-chart entry.
    const got = recordPreviewMeasures({ 'result-received': t0 + 50, 'first-chart': t0 + 55 });
    expect(rounded(got)).toEqual({ 'preview:render': 5, 'preview:first-chart': 55 });
    expect(performance.getEntriesByName('preview:first-chart', 'measure')).toHaveLength(1);
    expect(performance.getEntriesByName('preview:runtime-init', 'measure')).toHaveLength(0);
  });

  it('never throws on a worker clock a little behind the page', () => {
    const t0 = performance.timeOrigin;
    const got = recordPreviewMeasures({ 'worker-created': t0 + 100, 'run-start': t0 + 99.7 });
    expect(got['preview:worker-start']).toBe(0);
  });

  it('stamps the epoch clock', () => {
    const before = Date.now();
    const t = stampClock();
    expect(t).toBeGreaterThanOrEqual(before - 5);
    expect(t).toBeLessThanOrEqual(Date.now() + 5);
  });
});
