/**
 * An upload progress bar on stderr, drawn only for a person at a terminal: a pipeline's logs (stderr
 * not a TTY) get nothing, so they are not flooded with carriage returns.
 */

/** The part of a stream the bar needs (process.stderr, or a test's terminal). */
export type ProgressSink = { isTTY?: boolean; columns?: number; write(s: string): unknown };

const MB = 1024 * 1024; // the unit DRAWBRIDGE_MAX_ARTIFACT_MB counts in, so the numbers compare
const REDRAW_MS = 100;

/** One line of the bar: label, bar, percent, MB sent/total, rate. Pure; fits in `width` columns. */
export function renderProgress(p: {
  label: string;
  sent: number;
  total: number;
  elapsedMs: number;
  width: number;
}): string {
  const fraction = p.total > 0 ? Math.min(1, p.sent / p.total) : 1;
  const percent = `${Math.floor(fraction * 100)}%`.padStart(4);
  const mb = (n: number) => (n / MB).toFixed(1);
  const rate = p.elapsedMs > 0 ? `${mb((p.sent * 1000) / p.elapsedMs)} MB/s` : '';
  // Padded to a fixed width, so the bar does not shift as the numbers grow.
  const numbers = `${percent}  ${mb(p.sent).padStart(mb(p.total).length)}/${mb(p.total)} MB  ${rate.padStart(11)}`;
  // What is left after the numbers goes to the label (at most 32 columns) and the bar (10 to 30).
  const room = Math.max(0, p.width - numbers.length - 6);
  const barWidth = Math.max(10, Math.min(30, room - Math.min(32, p.label.length)));
  const labelRoom = Math.max(0, room - barWidth);
  const label = p.label.length > labelRoom ? (labelRoom > 1 ? `${p.label.slice(0, labelRoom - 1)}…` : '') : p.label;
  const filled = Math.round(fraction * barWidth);
  const bar = `[${'#'.repeat(filled)}${'-'.repeat(barWidth - filled)}]`;
  return `${label ? `${label} ` : ''}${bar} ${numbers}`;
}

export class ProgressBar {
  private sent = 0;
  private lastDraw = -Infinity;
  private drawnSent = -1;
  private readonly started: number;

  constructor(
    private readonly out: ProgressSink,
    private readonly label: string,
    private readonly total: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.started = now();
  }

  /** `n` more bytes went out; redraws at most ten times a second. */
  add(n: number): void {
    this.sent += n;
    const t = this.now();
    if (t - this.lastDraw >= REDRAW_MS || this.sent >= this.total) this.draw(t);
  }

  /**
   * Ends the line, so what the command prints next starts on its own line. The last count is drawn
   * if it is not yet; a line already showing it keeps its rate (not diluted by the server's answer time).
   */
  end(): void {
    if (this.drawnSent < 0 && this.sent === 0) return;
    if (this.drawnSent !== this.sent) this.draw(this.now());
    this.out.write('\n');
  }

  private draw(t: number): void {
    this.lastDraw = t;
    this.drawnSent = this.sent;
    // A terminal that reports no size (0 columns, e.g. a fresh pty) is taken as 80 wide.
    const width = Math.max(40, (this.out.columns || 80) - 1);
    const line = renderProgress({
      label: this.label,
      sent: this.sent,
      total: this.total,
      elapsedMs: t - this.started,
      width,
    });
    // \r and erase-to-end-of-line: each draw replaces the last one in place.
    this.out.write(`\r${line}\x1b[K`);
  }
}

/** A bar on `out` when it is a terminal; null (draw nothing) otherwise. */
export function progressBar(out: ProgressSink, label: string, total: number): ProgressBar | null {
  return out.isTTY ? new ProgressBar(out, label, total) : null;
}
