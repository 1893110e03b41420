import { describe, expect, it } from 'vitest';
import { ProgressBar, progressBar, renderProgress } from './progress';

const MB = 1024 * 1024;

describe('upload progress bar', () => {
  it('shows percent, MB sent/total and rate, and fits the terminal', () => {
    const line = renderProgress({
      label: 'uploading model.pth',
      sent: 52.5 * MB,
      total: 105 * MB,
      elapsedMs: 2500,
      width: 100,
    });
    expect(line).toBe('uploading model.pth [###############---------------]  50%   52.5/105.0 MB    21.0 MB/s');
    const narrow = renderProgress({
      label: 'uploading a-very-long-checkpoint-name-from-the-pipeline.pth',
      sent: 105 * MB,
      total: 105 * MB,
      elapsedMs: 5000,
      width: 60,
    });
    expect(narrow.length).toBeLessThanOrEqual(60);
    expect(narrow).toBe('uploading … [##########] 100%  105.0/105.0 MB    21.0 MB/s');
  });

  it('draws in place on a terminal, at most ten times a second, and ends its line', () => {
    const writes: string[] = [];
    let t = 0;
    // A fresh pty reports 0 columns: taken as 80, so the label still shows.
    const bar = new ProgressBar(
      { isTTY: true, columns: 0, write: (s: string) => writes.push(s) },
      'uploading m.pth',
      10 * MB,
      () => t,
    );
    for (let i = 0; i < 10; i++) {
      t += 10; // 80 chunks in 100 ms: drawn at the first and at the last, not eighty times
      for (let j = 0; j < 8; j++) bar.add(MB / 8);
    }
    t += 5000; // the server takes 5 s to answer: the finished line keeps the upload's own rate
    bar.end();
    expect(writes).toEqual([
      '\ruploading m.pth [---------------------------]   1%   0.1/10.0 MB    12.5 MB/s\x1b[K',
      '\ruploading m.pth [###########################] 100%  10.0/10.0 MB   100.0 MB/s\x1b[K',
      '\n',
    ]);
  });

  it('draws nothing when stderr is not a terminal', () => {
    expect(progressBar({ isTTY: false, write: () => true }, 'up', 1)).toBeNull();
    expect(progressBar({ write: () => true }, 'up', 1)).toBeNull();
  });
});
