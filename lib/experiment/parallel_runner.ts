/**
 * The parallel runner: one queue over the runs of several experiments,
 * executed up to `jobs` at a time, each by a launcher (usually a child process
 * per run, see `childProcessLauncher`).
 *
 * The parent process decides what to execute. It skips runs with a result,
 * copies stored results of identical runs (same run id), and executes each
 * remaining run id once. Runs of the same id queued in other experiments wait
 * for that run and get a copy of its result. A child writes the record of its
 * run to the result store, and the parent reads it back. A child that crashes
 * gets a failure record from the parent, and the other runs go on.
 */
import { log } from "../io/log.ts";
import { Progress } from "../io/progress.ts";
import { describeOutcome, type LaunchOutcome, type RunLauncher } from "./child_process_launcher.ts";
import type { ExperimentConfig, ResolvedRun, Scale } from "./experiment_config.ts";
import {
  failureRecord,
  recordBase,
  runName,
  type RunProvenance,
  type RunSummary,
} from "./execute_run.ts";
import { machineInfo } from "./provenance.ts";
import type { RunFailure } from "./result.ts";
import type { ResultStore } from "./result_store.ts";
import { reuseIdenticalRun } from "./reuse.ts";
import { RUN_JOB_EXIT_CODES, type RunJob } from "./run_job.ts";
import { runId } from "./run_id.ts";
import { countStatuses, selectRuns } from "./runner.ts";

/** Options of {@link runExperimentsInParallel}. */
export interface RunExperimentsOptions extends RunProvenance {
  store: ResultStore;
  /** Runs executed at the same time, a positive integer (see {@link parseJobs}). */
  jobs: number;
  /** Executes one run job; the job's record must be in `store` when it resolves. */
  launch: RunLauncher;
  /** Stops the launched runs and starts no new ones; the call then rejects with the abort reason. */
  signal?: AbortSignal;
  /** Minimum time between progress lines of a run, in milliseconds (default 10,000). */
  progressIntervalMs?: number;
}

/** One run of the queue and what became of it. */
interface QueuedRun {
  run: ResolvedRun;
  runId: string;
  summary?: RunSummary;
  /** Runs of the same id in later queue positions, which wait for this one. */
  identical: QueuedRun[];
}

/**
 * Runs every run of `configs` at `scale` that has no result yet, up to
 * `options.jobs` at a time, and returns the summaries per experiment name,
 * in config order. Errors and crashes of single runs are logged and recorded,
 * not thrown.
 * @throws Error for invalid `options.jobs`, for an experiment listed twice, or
 *   when the store cannot be read or written.
 * @throws the abort reason when `options.signal` fires. Stopped runs have no
 *   record, so they resume next time.
 */
export async function runExperimentsInParallel(
  configs: readonly ExperimentConfig[],
  scale: Scale,
  options: RunExperimentsOptions,
): Promise<Map<string, RunSummary[]>> {
  const jobs = options.jobs;
  if (!Number.isSafeInteger(jobs) || jobs < 1) {
    throw new Error(`runExperimentsInParallel: invalid jobs ${jobs}; expected a positive integer`);
  }
  const names = configs.map((c) => c.name);
  const repeated = names.find((name, i) => names.indexOf(name) !== i);
  if (repeated !== undefined) {
    throw new Error(
      `runExperimentsInParallel: experiment "${repeated}" is listed twice; list each experiment once`,
    );
  }
  const provenance = { ...options, machine: options.machine ?? machineInfo() };
  const abort = options.signal ?? new AbortController().signal;

  const queued = new Map<string, QueuedRun[]>();
  const toExecute: QueuedRun[] = [];
  const firstById = new Map<string, QueuedRun>();
  let settled = 0;
  let waiting = 0;
  for (const config of configs) {
    const runs = selectRuns(config, scale);
    log.info(
      `experiment ${config.name}: ${runs.length} run(s) at scale ${scale}, code ${options.codeVersion}`,
    );
    const entries: QueuedRun[] = [];
    for (const run of runs) {
      const entry: QueuedRun = {
        run,
        runId: await runId(run.config, options.codeVersion),
        identical: [],
      };
      entries.push(entry);
      entry.summary = await settleFromStore(entry, options.store);
      if (entry.summary) {
        settled++;
        continue;
      }
      const first = firstById.get(entry.runId);
      if (first) {
        first.identical.push(entry);
        waiting++;
        log.info(
          `run ${runName(run, entry.runId)}: waits for the identical run ` +
            `${first.run.experiment}/${first.run.label} and will copy its result`,
        );
      } else {
        firstById.set(entry.runId, entry);
        toExecute.push(entry);
      }
    }
    queued.set(config.name, entries);
  }

  const total = [...queued.values()].reduce((sum, entries) => sum + entries.length, 0);
  const progress = new Progress(
    { label: `all experiments (${scale})`, total, unit: "run", intervalMs: 0 },
    settled,
  );
  log.info(
    `${toExecute.length} run(s) to execute, up to ${jobs} at a time; ${waiting} identical ` +
      `run(s) wait for them; ${settled} of ${total} have a result already`,
  );

  let next = 0;
  const worker = async () => {
    while (next < toExecute.length && !abort.aborted) {
      const entry = toExecute[next++];
      await executeQueuedRun(entry, options.store, provenance, options, abort);
      if (abort.aborted) break;
      settled += 1 + entry.identical.length;
      progress.update(settled);
    }
  };
  await Promise.all(Array.from({ length: Math.min(jobs, toExecute.length) }, worker));
  abort.throwIfAborted();

  const summaries = new Map<string, RunSummary[]>();
  for (const [experiment, entries] of queued) {
    const list = entries.map((e) => e.summary!);
    log.info(`experiment ${experiment}: finished; ${countStatuses(list)}`);
    summaries.set(experiment, list);
  }
  return summaries;
}

/**
 * Parses the number of runs to execute at the same time from the command line.
 * @throws Error naming the value unless it is a positive integer.
 */
export function parseJobs(value: string): number {
  const jobs = /^\s*[0-9]+\s*$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(jobs) || jobs < 1) {
    throw new Error(
      `invalid --jobs "${value}": expected a positive integer, the number of runs executed ` +
        `at the same time (such as 2 on a 2-core machine)`,
    );
  }
  return jobs;
}

/** Returns the summary of a run settled without executing: result found or copied, else undefined. */
async function settleFromStore(
  entry: QueuedRun,
  store: ResultStore,
): Promise<RunSummary | undefined> {
  const { run, runId: id } = entry;
  const key = { experiment: run.experiment, label: run.label, runId: id };
  const existing = await store.readResult(key);
  if (existing) {
    log.info(`run ${runName(run, id)}: skipped, result exists at ${store.resultPath(key)}`);
    return { run, runId: id, status: "skipped", result: existing };
  }
  const copy = await reuseIdenticalRun(store, run, id);
  return copy ? { run, runId: id, status: "reused", result: copy } : undefined;
}

/**
 * Launches one run, reads back its record, and settles the identical runs
 * waiting for it. Leaves the summaries unset when `abort` fired.
 */
async function executeQueuedRun(
  entry: QueuedRun,
  store: ResultStore,
  provenance: RunProvenance,
  options: RunExperimentsOptions,
  abort: AbortSignal,
): Promise<void> {
  const { run, runId: id } = entry;
  const name = runName(run, id);
  const job: RunJob = {
    run,
    runId: id,
    resultsDir: store.root,
    codeVersion: provenance.codeVersion,
    commit: provenance.commit ?? provenance.codeVersion,
    backend: provenance.backend,
    ...(options.progressIntervalMs !== undefined
      ? { progressIntervalMs: options.progressIntervalMs }
      : {}),
  };
  const startedAt = new Date().toISOString();
  const started = performance.now();
  let outcome: LaunchOutcome | Error;
  try {
    outcome = await options.launch(job, abort);
  } catch (err) {
    outcome = err instanceof Error ? err : new Error(String(err));
  }
  if (abort.aborted) {
    const ending = outcome instanceof Error ? outcome.message : describeOutcome(outcome);
    log.warn(
      `run ${name}: stopped (child process ${ending}); it resumes from its checkpoint next time`,
    );
    return;
  }

  entry.summary = await readOutcome(entry, store, outcome);
  if (!entry.summary) {
    const error = outcome instanceof Error
      ? `failed to launch the run: ${outcome.message}`
      : `child process ${describeOutcome(outcome)} without writing a record`;
    const failure = failureRecord(
      recordBase(run, id, provenance, startedAt),
      (performance.now() - started) / 1000,
      error,
      false,
    );
    await store.writeFailure(failure);
    log.error(`run ${name}: failed: ${error}`);
    entry.summary = { run, runId: id, status: "failed", failure };
  } else if (entry.summary.failure && !(outcome instanceof Error)) {
    log.error(
      `run ${name}: child process ${describeOutcome(outcome)} and recorded the error ` +
        `"${entry.summary.failure.error}"`,
    );
  }
  for (const waiting of entry.identical) {
    waiting.summary = await settleIdenticalRun(waiting, entry.summary, store, provenance);
  }
}

/** Returns the summary from the record that a launched run wrote, or undefined when it wrote none. */
async function readOutcome(
  entry: QueuedRun,
  store: ResultStore,
  outcome: LaunchOutcome | Error,
): Promise<RunSummary | undefined> {
  if (outcome instanceof Error || outcome.signal !== null) return undefined;
  const { run, runId: id } = entry;
  const key = { experiment: run.experiment, label: run.label, runId: id };
  if (outcome.code === RUN_JOB_EXIT_CODES.done) {
    const result = await store.readResult(key);
    return result ? { run, runId: id, status: "done", result } : undefined;
  }
  if (
    outcome.code === RUN_JOB_EXIT_CODES.failed || outcome.code === RUN_JOB_EXIT_CODES.unavailable
  ) {
    const failure = await store.readFailure(key);
    if (!failure) return undefined;
    return { run, runId: id, status: failure.unavailable ? "unavailable" : "failed", failure };
  }
  return undefined;
}

/**
 * Settles a run that waited for an identical run: copies the result when that
 * run finished, else records the same failure under its own name.
 */
async function settleIdenticalRun(
  entry: QueuedRun,
  executed: RunSummary,
  store: ResultStore,
  provenance: RunProvenance,
): Promise<RunSummary> {
  const { run, runId: id } = entry;
  if (executed.status === "done") {
    const copy = await reuseIdenticalRun(store, run, id);
    if (copy) return { run, runId: id, status: "reused", result: copy };
  }
  const source = `${executed.run.experiment}/${executed.run.label}`;
  const outcome = executed.failure?.unavailable ? "is not available" : "failed";
  const error = executed.failure
    ? `identical run ${source} ${outcome}: ${executed.failure.error}`
    : `the result of identical run ${source} could not be copied (see the warning above)`;
  const unavailable = executed.failure?.unavailable ?? false;
  const failure: RunFailure = failureRecord(
    recordBase(run, id, provenance, new Date().toISOString()),
    0,
    error,
    unavailable,
  );
  await store.writeFailure(failure);
  log.error(`run ${runName(run, id)}: ${failure.error}`);
  return { run, runId: id, status: unavailable ? "unavailable" : "failed", failure };
}
