/**
 * Progress reporting for long jobs: step, rate and estimated time left,
 * logged at most once per interval.
 */
import { log } from "./log.ts";

/** Options of {@link Progress}. */
export interface ProgressOptions {
  /** Label at the start of each line, such as the run id. */
  label: string;
  /** Total number of steps. */
  total: number;
  /** Unit of the rate, such as "img" or "step" (default "step"). */
  unit?: string;
  /** Minimum time between two lines, in milliseconds (default 10,000). */
  intervalMs?: number;
  /** Clock in milliseconds, replaceable in tests (default `performance.now`). */
  now?: () => number;
}

/** Formats a duration in seconds as `1h02m03s`, `2m03s` or `3.0s`. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return "?";
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, "0");
  return h > 0 ? `${h}h${String(m).padStart(2, "0")}m${rest}s` : `${m}m${rest}s`;
}

/** Tracks steps of a job and logs step, rate and time left. */
export class Progress {
  readonly label: string;
  readonly total: number;
  readonly unit: string;
  #intervalMs: number;
  #now: () => number;
  #start: number;
  #lastLog: number;
  #startStep: number;
  #step: number;

  constructor(options: ProgressOptions, startStep = 0) {
    this.label = options.label;
    this.total = options.total;
    this.unit = options.unit ?? "step";
    this.#intervalMs = options.intervalMs ?? 10_000;
    this.#now = options.now ?? (() => performance.now());
    this.#start = this.#now();
    this.#lastLog = -Infinity;
    this.#startStep = startStep;
    this.#step = startStep;
  }

  /** Units of work per second since the start of this session (resumed steps excluded). */
  rate(): number {
    const seconds = (this.#now() - this.#start) / 1000;
    return seconds > 0 ? (this.#step - this.#startStep) / seconds : 0;
  }

  /** Estimated seconds left at the current rate. */
  secondsLeft(): number {
    const rate = this.rate();
    return rate > 0 ? (this.total - this.#step) / rate : Infinity;
  }

  /**
   * Records that `step` units are done and logs a line when the interval has
   * passed or the job is complete. `details` is appended (for example losses).
   * Returns the line when one was logged.
   */
  update(step: number, details = ""): string | null {
    this.#step = step;
    const now = this.#now();
    if (now - this.#lastLog < this.#intervalMs && step < this.total) return null;
    this.#lastLog = now;
    const pct = this.total > 0 ? (100 * step / this.total).toFixed(1) : "100.0";
    const line = `${this.label}: ${step}/${this.total} (${pct}%) ` +
      `${this.rate().toFixed(2)} ${this.unit}/s, ${formatDuration(this.secondsLeft())} left` +
      (details ? `, ${details}` : "");
    log.info(line);
    return line;
  }
}
