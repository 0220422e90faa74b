// Progress bars and status lines on stderr. Every long CLI operation reports
// through a ProgressBar so users see work advancing; when stderr is not a
// terminal (CI, pipes) it prints a throttled plain line instead of redrawing.

export interface ProgressOptions {
  /** Label shown before the bar, e.g. "building". */
  label: string;
  /** Total units of work, or 0 when unknown. */
  total: number;
  /** Unit formatting: "count" (default) or "bytes" (shows rate and ETA in MB). */
  unit?: "count" | "bytes";
  /** Where to write; defaults to process.stderr. */
  stream?: NodeJS.WriteStream;
  /** Disable all output (e.g. --quiet). */
  silent?: boolean;
}

export class ProgressBar {
  private done = 0;
  private detail = "";
  private readonly startMs = Date.now();
  private lastDrawMs = 0;
  private readonly stream: NodeJS.WriteStream;
  private readonly tty: boolean;
  private finished = false;

  constructor(private readonly opts: ProgressOptions) {
    this.stream = opts.stream ?? process.stderr;
    this.tty = Boolean(this.stream.isTTY);
  }

  /** Set the total when it becomes known. */
  setTotal(total: number): void {
    this.opts.total = total;
  }

  /** Advance to an absolute position, with an optional detail (current item). */
  update(done: number, detail?: string): void {
    this.done = done;
    if (detail !== undefined) this.detail = detail;
    this.draw(false);
  }

  /** Advance by n units. */
  tick(n = 1, detail?: string): void {
    this.update(this.done + n, detail);
  }

  /** Finish the bar with a final line. */
  finish(message?: string): void {
    if (this.finished) return;
    this.finished = true;
    if (message !== undefined) this.detail = message;
    this.draw(true);
    if (this.tty && !this.opts.silent) this.stream.write("\n");
  }

  private draw(force: boolean): void {
    if (this.opts.silent) return;
    const now = Date.now();
    const interval = this.tty ? 80 : 2000;
    if (!force && now - this.lastDrawMs < interval) return;
    this.lastDrawMs = now;
    const line = this.render(now);
    if (this.tty) {
      const width = this.stream.columns ?? 100;
      this.stream.write(`\r${line.slice(0, width - 1).padEnd(width - 1)}`);
    } else {
      this.stream.write(`${line}\n`);
    }
  }

  private render(now: number): string {
    const { total, label } = this.opts;
    const elapsedS = (now - this.startMs) / 1000;
    const bytes = this.opts.unit === "bytes";
    const fmt = (v: number) => (bytes ? formatBytes(v) : String(v));
    let head = `${label} `;
    if (total > 0) {
      const frac = Math.min(1, this.done / total);
      const width = 24;
      const filled = Math.round(frac * width);
      head += `[${"#".repeat(filled)}${"-".repeat(width - filled)}] ${(frac * 100).toFixed(0).padStart(3)}% ${fmt(this.done)}/${fmt(total)}`;
    } else {
      head += fmt(this.done);
    }
    if (bytes && elapsedS > 0) {
      const rate = this.done / elapsedS;
      head += ` ${formatBytes(rate)}/s`;
      if (total > 0 && rate > 0 && this.done < total)
        head += ` ETA ${formatDuration((total - this.done) / rate)}`;
    } else {
      head += ` ${formatDuration(elapsedS)}`;
    }
    return this.detail ? `${head}  ${this.detail}` : head;
  }
}

/** A byte count in binary units, named as such (KiB, MiB, GiB: the same units as the cache bounds' defaults). */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n.toFixed(0)} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return "?";
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  const m = Math.floor(seconds / 60);
  const s = Math.round(seconds % 60);
  if (m < 60) return `${m}m${String(s).padStart(2, "0")}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, "0")}m`;
}
