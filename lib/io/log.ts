/**
 * Logger for long jobs: one line per event, with a UTC timestamp and a level,
 * written to standard error so that standard output stays free for results.
 */

/** Severity of a log line. */
export type LogLevel = "debug" | "info" | "warn" | "error";

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

let threshold: LogLevel = "info";
const encoder = new TextEncoder();

/** Sets the lowest level that is printed (default "info"). */
export function setLogLevel(level: LogLevel): void {
  threshold = level;
}

function write(level: LogLevel, message: string): void {
  if (ORDER[level] < ORDER[threshold]) return;
  writeLogLine(`${new Date().toISOString()} ${level.toUpperCase().padEnd(5)} ${message}`);
}

/**
 * Writes one line that is already formatted, such as a log line of a child
 * process, to standard error, whatever the log level. When standard error is
 * a pipe whose reader has ended (a child whose parent was killed), the line
 * is dropped instead of throwing into the code that logs.
 */
export function writeLogLine(line: string): void {
  const bytes = encoder.encode(`${line}\n`);
  let written = 0;
  try {
    while (written < bytes.length) {
      const count = Deno.stderr.writeSync(bytes.subarray(written));
      // A replaced writer (as in notebooks) that reports no progress would loop forever.
      if (!(count > 0)) break;
      written += count;
    }
  } catch (err) {
    if (!(err instanceof Deno.errors.BrokenPipe)) throw err;
  }
}

/** The project's logger. */
export const log = {
  debug: (message: string) => write("debug", message),
  info: (message: string) => write("info", message),
  warn: (message: string) => write("warn", message),
  /** Logs an error message, with the cause's message when one is given. */
  error: (message: string, cause?: unknown) =>
    write("error", cause === undefined ? message : `${message}: ${errorMessage(cause)}`),
};

/** Returns the message of an error-like value. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
