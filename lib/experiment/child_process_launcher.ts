/**
 * Launches one run job in a child Deno process, so that each run has its own
 * WebAssembly heap and parallel runs use separate cores. The child's output
 * lines reach the parent's standard error, each prefixed with the run.
 */
import { errorMessage, log, writeLogLine } from "../io/log.ts";
import { runName } from "./execute_run.ts";
import type { RunJob } from "./run_job.ts";

/** Exit status of a launched job: its exit code, and the signal that ended it if any. */
export interface LaunchOutcome {
  /** Exit code of the process (by convention 128 + signal number when a signal ended it). */
  code: number;
  /** Signal that ended the process, or null when it exited by itself. */
  signal: Deno.Signal | null;
}

/**
 * Executes one run job and resolves when it has ended. When `abort` fires,
 * the launcher stops the job and still resolves with its outcome.
 */
export type RunLauncher = (job: RunJob, abort: AbortSignal) => Promise<LaunchOutcome>;

/** Options of {@link childProcessLauncher}. */
export interface ChildProcessLauncherOptions {
  /**
   * Entry file that runs one job, such as `bin/run_job.ts`. The child is
   * started as `deno run -A SCRIPT ...scriptArgs JOB_JSON`, with a standard
   * input that stays open until the parent ends.
   */
  script: string;
  /** Arguments placed before the job's JSON text (default none). */
  scriptArgs?: string[];
  /** Receives each output line of the child with its prefix (default: standard error). */
  output?: (line: string) => void;
  /** Seconds from SIGTERM to SIGKILL when a stopped child does not exit (default 10). */
  killGraceSeconds?: number;
}

/**
 * Returns a launcher that runs each job in a child process of the current
 * Deno executable. The child gets its own process group, so a Ctrl-C in the
 * terminal reaches only the parent, which stops its children through `abort`.
 */
export function childProcessLauncher(options: ChildProcessLauncherOptions): RunLauncher {
  const output = options.output ?? writeLogLine;
  const graceMs = (options.killGraceSeconds ?? 10) * 1000;
  return async (job, abort) => {
    const name = runName(job.run, job.runId);
    const prefix = `[${job.run.experiment}/${job.run.label} seed ${job.run.seed}] `;
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", options.script, ...(options.scriptArgs ?? []), JSON.stringify(job)],
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
      detached: true,
    }).spawn();
    log.info(`run ${name}: started child process ${child.pid}`);

    let killTimer: ReturnType<typeof setTimeout> | undefined;
    const stop = () => {
      log.info(`run ${name}: stopping child process ${child.pid}`);
      sendSignal(child, "SIGTERM");
      killTimer = setTimeout(() => sendSignal(child, "SIGKILL"), graceMs);
    };
    if (abort.aborted) stop();
    else abort.addEventListener("abort", stop, { once: true });

    const [status] = await Promise.all([
      child.status,
      forwardLines(child.stdout, prefix, output),
      forwardLines(child.stderr, prefix, output),
    ]);
    abort.removeEventListener("abort", stop);
    clearTimeout(killTimer);
    // The parent never writes to the child's standard input; closing it after the exit frees it.
    await child.stdin.close().catch(() => {});
    return { code: status.code, signal: status.signal };
  };
}

/** Describes how a child process ended, such as "exited with code 3" or "was killed by signal SIGKILL". */
export function describeOutcome(outcome: LaunchOutcome): string {
  return outcome.signal
    ? `was killed by signal ${outcome.signal}`
    : `exited with code ${outcome.code}`;
}

function sendSignal(child: Deno.ChildProcess, signal: Deno.Signal): void {
  try {
    child.kill(signal);
  } catch (err) {
    // The child has already exited; nothing is left to stop.
    if (!(err instanceof TypeError)) {
      log.warn(`failed to send ${signal} to child process ${child.pid}: ${errorMessage(err)}`);
    }
  }
}

/** Writes each line of `stream` to `output` with `prefix`, including a last line without newline. */
async function forwardLines(
  stream: ReadableStream<Uint8Array>,
  prefix: string,
  output: (line: string) => void,
): Promise<void> {
  let pending = "";
  for await (const text of stream.pipeThrough(new TextDecoderStream())) {
    pending += text;
    const lines = pending.split("\n");
    pending = lines.pop()!;
    for (const line of lines) output(prefix + line);
  }
  if (pending !== "") output(prefix + pending);
}
