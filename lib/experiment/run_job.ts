/**
 * One run executed in a child process of the parallel runner. This file
 * defines the job that the parent passes as JSON and its validation. It also
 * contains the child's side, which executes the run, writes its record to the
 * result store and reports the outcome through its exit code.
 */
import { errorMessage, log } from "../io/log.ts";
import { FieldChecker } from "./config_error.ts";
import { parseScale, type ResolvedRun } from "./experiment_config.ts";
import { executeRun, runName, type RunSummary } from "./execute_run.ts";
import type { ExecutorsByTask } from "./executor.ts";
import { ResultStore } from "./result_store.ts";
import { validateRunConfig } from "./run_config.ts";
import { runId } from "./run_id.ts";

/** Input of a child process: one resolved run with the settings to execute and record it. */
export interface RunJob {
  run: ResolvedRun;
  /** Id of the run, checked by the child against the config and code version. */
  runId: string;
  /** Root directory of the result store, usually `results/`. */
  resultsDir: string;
  /** Content identity of the code (see `CodeVersion.identity`). */
  codeVersion: string;
  /** Git commit, recorded for provenance. */
  commit: string;
  /** TensorFlow.js backend name. */
  backend: string;
  /** Minimum time between progress lines of the run, in milliseconds (default 10,000). */
  progressIntervalMs?: number;
}

/**
 * Exit codes of a child process. After `done`, `failed` and `unavailable` the
 * run's record is in the store. Any other code or a signal means a crash.
 */
export const RUN_JOB_EXIT_CODES = {
  done: 0,
  failed: 10,
  unavailable: 11,
  /** The job text was invalid, so nothing ran. */
  invalidJob: 12,
  /** Standard input closed because the parent process ended; the run resumes next time. */
  parentGone: 13,
} as const;

/**
 * Parses and validates the JSON text of a {@link RunJob}.
 * @param source Name of the text in messages, such as "job argument".
 * @throws ConfigError or Error naming the invalid field and its value.
 */
export function parseRunJob(text: string, source: string): RunJob {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new Error(`invalid JSON in ${source}: ${errorMessage(err)}`, { cause: err });
  }
  const check = new FieldChecker(source);
  const job = check.object(value, "(root)");
  check.keys(job, "", [
    "run",
    "runId",
    "resultsDir",
    "codeVersion",
    "commit",
    "backend",
    "progressIntervalMs",
  ]);
  const run = check.object(job.run, "run");
  check.keys(run, "run", ["experiment", "label", "scale", "seed", "config"]);
  const seed = check.integer(run.seed, "run.seed", 0, 2 ** 32 - 1);
  const config = validateRunConfig(run.config, check, "run.config");
  if (config.seed !== seed) {
    check.fail("run.seed", `invalid value ${seed}: differs from run.config.seed ${config.seed}`);
  }
  return {
    run: {
      experiment: check.string(run.experiment, "run.experiment"),
      label: check.string(run.label, "run.label"),
      scale: parseScale(check.string(run.scale, "run.scale")),
      seed,
      config,
    },
    runId: check.string(job.runId, "runId"),
    resultsDir: check.string(job.resultsDir, "resultsDir"),
    codeVersion: check.string(job.codeVersion, "codeVersion"),
    commit: check.string(job.commit, "commit"),
    backend: check.string(job.backend, "backend"),
    ...(job.progressIntervalMs !== undefined
      ? { progressIntervalMs: check.integer(job.progressIntervalMs, "progressIntervalMs", 0) }
      : {}),
  };
}

/**
 * Executes the run of `job` with `executors` and writes its record to the
 * store at `job.resultsDir`.
 * @throws Error when `job.runId` is not the id of the job's config and code
 *   version, or when the store cannot be written.
 */
export async function executeRunJob(job: RunJob, executors: ExecutorsByTask): Promise<RunSummary> {
  const id = await runId(job.run.config, job.codeVersion);
  if (id !== job.runId) {
    throw new Error(
      `run job ${job.run.experiment}/${job.run.label}: run id ${job.runId} does not match its ` +
        `config and code version, which give ${id}; start the job from the same code as the parent`,
    );
  }
  return await executeRun(job.run, job.runId, {
    store: new ResultStore(job.resultsDir),
    executors,
    codeVersion: job.codeVersion,
    commit: job.commit,
    backend: job.backend,
    ...(job.progressIntervalMs !== undefined ? { progressIntervalMs: job.progressIntervalMs } : {}),
  });
}

/** Returns the exit code of a child process whose run ended with `summary`. */
export function runJobExitCode(summary: RunSummary): number {
  switch (summary.status) {
    case "done":
    case "skipped":
    case "reused":
      return RUN_JOB_EXIT_CODES.done;
    case "unavailable":
      return RUN_JOB_EXIT_CODES.unavailable;
    case "failed":
      return RUN_JOB_EXIT_CODES.failed;
  }
}

/** Options of {@link runJobInChild}. */
export interface RunJobInChildOptions {
  /** JSON text of the {@link RunJob}. */
  jobText: string;
  /** Prepares the process for the job (such as the backend) and returns the executors. */
  prepare: (job: RunJob) => Promise<ExecutorsByTask>;
  /**
   * Standard input of the child, which the parent keeps open and never
   * writes: when it ends, the parent has ended, and the child exits with
   * `RUN_JOB_EXIT_CODES.parentGone` so the run does not go on unattended.
   */
  parentPipe: ReadableStream<Uint8Array>;
}

/**
 * Runs the child side of a job: parses it, executes the run, writes the
 * record, and returns the exit code for the process (see
 * {@link RUN_JOB_EXIT_CODES}). Exits the process early when `parentPipe` ends.
 */
export async function runJobInChild(options: RunJobInChildOptions): Promise<number> {
  let job: RunJob;
  try {
    job = parseRunJob(options.jobText, "the job argument");
  } catch (err) {
    log.error("invalid run job", err);
    return RUN_JOB_EXIT_CODES.invalidJob;
  }
  exitWhenParentGone(options.parentPipe, runName(job.run, job.runId));
  const summary = await executeRunJob(job, await options.prepare(job));
  return runJobExitCode(summary);
}

/** Reads `pipe` to its end in the background, then exits the process (not when reading fails). */
function exitWhenParentGone(pipe: ReadableStream<Uint8Array>, name: string): void {
  (async () => {
    try {
      for await (const _ of pipe) {
        // The parent writes nothing; only the end of the stream matters.
      }
    } catch (err) {
      log.warn(
        `run ${name}: reading standard input failed, so the run goes on even if the parent ` +
          `process ends: ${errorMessage(err)}`,
      );
      return;
    }
    log.error(
      `run ${name}: standard input closed, so the parent process has ended; stopping, ` +
        `the run resumes from its checkpoint next time`,
    );
    Deno.exit(RUN_JOB_EXIT_CODES.parentGone);
  })();
}
