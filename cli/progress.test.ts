import { describe, expect, it } from 'vitest';
import { ProgressBar, progressBar, renderProgress } from './progress';

const MB = 1024 * 1024;

describe('upload progress bar', () => {
  it('shows percent, MB sent/total and rate, and fits the terminal', () => {
    const line = renderProgress({ label: 'uploading model.pth', sent: 52.5 * MB, total: 105 * MB, elapsedMs: 2500, width: 100 });
    expect(line).toBe('uploading model.pth [###############---------------]  50%  52.5/105.0 MB  21.0 MB/s');
    const narrow = renderProgress({ label: 'uploading a-very-long-checkpoint-name-from-the-pipeline.pth', sent: 105 * MB, total: 105 * MB, elapsedMs: 5000, width: 60 });
    expect(narrow.length).toBeLessThanOrEqual(60);
    expect(narrow).toBe('uploading a-… [##########] 100%  105.0/105.0 MB  21.0 MB/s');
  });

  it('draws in place on a terminal, at most ten times a second, and ends its line', () => {
    const writes: string[] = [];
    let t = 0;
    const bar = new ProgressBar({ isTTY: true, columns: 100, write: (s: string) => writes.push(s) }, 'up', 10 * MB, () => t);
    for (let i = 0; i < 10; i++) {
      t += 10; // 80 chunks in 100 ms: two redraws, not eighty
      for (let j = 0; j < 8; j++) bar.add(MB / 8);
    }
    bar.end();
    expect(writes.length).toBeGreaterThanOrEqual(2);
    expect(writes.length).toBeLessThanOrEqual(13);
    expect(writes.every((w, i) => (i === writes.length - 1 ? w === '\n' : w.startsWith('\r') && w.endsWith('\x1b[K')))).toBe(true);
    expect(writes.at(-2)).toContain('100%  10.0/10.0 MB  100.0 MB/s');
  });

  it('draws nothing when stderr is not a terminal', () => {
    expect(progressBar({ isTTY: false, write: () => true }, 'up', 1)).toBeNull();
    expect(progressBar({ write: () => true }, 'up', 1)).toBeNull();
  });
});
