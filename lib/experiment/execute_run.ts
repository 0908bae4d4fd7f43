/**
 * Execution of one resolved run: calls the executor of the run's task with the
 * run's checkpoint directory and stores a finished or failed record. The
 * sequential runner calls it in its own process, and a child process of the
 * parallel runner calls it for the one run it was started for.
 */
import { errorMessage, log } from "../io/log.ts";
import { Progress } from "../io/progress.ts";
import type { ResolvedRun } from "./experiment_config.ts";
import {
  type ExecutorsByTask,
  ExecutorUnavailableError,
  type RunContext,
  type RunOutput,
} from "./executor.ts";
import { type MachineInfo, machineInfo } from "./provenance.ts";
import { RESULT_SCHEMA, type RunFailure, type RunRecordBase, type RunResult } from "./result.ts";
import type { ResultStore } from "./result_store.ts";

/** Provenance written into every record: code, commit, backend and machine. */
export interface RunProvenance {
  /** Content identity of the code (part of every run id). */
  codeVersion: string;
  /** Git commit, recorded for provenance (default: `codeVersion`). */
  commit?: string;
  /** TensorFlow.js backend name, recorded in every record. */
  backend: string;
  /** Machine description (default: {@link machineInfo}). */
  machine?: MachineInfo;
}

/** Options of {@link executeRun}. */
export interface ExecuteRunOptions extends RunProvenance {
  store: ResultStore;
  executors: ExecutorsByTask;
  /** Minimum time between progress lines of a run, in milliseconds (default 10,000). */
  progressIntervalMs?: number;
}

/** Outcome of one run. */
export interface RunSummary {
  run: ResolvedRun;
  runId: string;
  /**
   * "skipped": a result existed; "reused": the result was copied from an
   * identical run (same run id) of another experiment or label;
   * "unavailable": the executor cannot run this task yet.
   */
  status: "skipped" | "reused" | "done" | "failed" | "unavailable";
  result?: RunResult;
  failure?: RunFailure;
}

/** Returns the name of a run in log lines, such as `quantizer-type/gq-2x8.<id> (seed 0)`. */
export function runName(run: ResolvedRun, runId: string): string {
  return `${run.experiment}/${run.label}.${runId} (seed ${run.seed})`;
}

/**
 * Executes one run and stores its record: a finished record when the executor
 * returns valid metrics, else a failure record. Errors of the run are logged
 * and recorded, not thrown.
 * @throws Error only when the store cannot be read or written.
 */
export async function executeRun(
  run: ResolvedRun,
  runId: string,
  options: ExecuteRunOptions,
): Promise<RunSummary> {
  const key = { experiment: run.experiment, label: run.label, runId };
  const name = runName(run, runId);
  const checkpointDir = options.store.checkpointDir(key);
  if (await hasEntries(checkpointDir)) log.info(`run ${name}: resuming from ${checkpointDir}`);
  const executor = options.executors[run.config.task];
  const startedAt = new Date().toISOString();
  const started = performance.now();
  const base = recordBase(run, runId, options, startedAt);
  log.info(`run ${name}: started (task ${run.config.task})`);
  try {
    if (!executor) {
      throw new ExecutorUnavailableError(`no executor registered for task "${run.config.task}"`);
    }
    const output: RunOutput = await executor({
      run,
      runId,
      checkpointDir,
      backend: options.backend,
      progress: runProgress(name, options.progressIntervalMs),
    });
    checkOutput(output, name);
    const result: RunResult = {
      ...base,
      status: "done",
      finishedAt: new Date().toISOString(),
      wallSeconds: (performance.now() - started) / 1000,
      metrics: output.metrics,
      ...(output.series ? { series: output.series } : {}),
      ...(output.notes ? { notes: output.notes } : {}),
    };
    const path = await options.store.writeResult(result);
    log.info(`run ${name}: done in ${result.wallSeconds.toFixed(1)} s, wrote ${path}`);
    return { run, runId, status: "done", result };
  } catch (err) {
    const unavailable = err instanceof ExecutorUnavailableError;
    const failure = failureRecord(base, (performance.now() - started) / 1000, err, unavailable);
    await options.store.writeFailure(failure);
    log.error(`run ${name}: ${unavailable ? "not available" : "failed"}`, err);
    return { run, runId, status: unavailable ? "unavailable" : "failed", failure };
  }
}

/**
 * Returns the progress factory of a run's executor: each logger is labelled
 * `run <name>` and logs at most once per `intervalMs` (default 10,000 ms).
 */
export function runProgress(name: string, intervalMs?: number): RunContext["progress"] {
  return (total, unit = "step") => new Progress({ label: `run ${name}`, total, unit, intervalMs });
}

/** Fields of a record that are known when a run starts: identity and provenance. */
export type RecordStart = Omit<RunRecordBase, "wallSeconds">;

/** Builds the identity and provenance fields of a record of `run` that starts at `startedAt`. */
export function recordBase(
  run: ResolvedRun,
  runId: string,
  provenance: RunProvenance,
  startedAt: string,
): RecordStart {
  return {
    schema: RESULT_SCHEMA,
    experiment: run.experiment,
    label: run.label,
    scale: run.scale,
    runId,
    codeVersion: provenance.codeVersion,
    commit: provenance.commit ?? provenance.codeVersion,
    seed: run.seed,
    config: run.config,
    backend: provenance.backend,
    machine: provenance.machine ?? machineInfo(),
    startedAt,
  };
}

/** Builds a failure record from the start fields, the seconds spent and the error. */
export function failureRecord(
  base: RecordStart,
  wallSeconds: number,
  error: unknown,
  unavailable: boolean,
): RunFailure {
  return {
    ...base,
    status: "failed",
    failedAt: new Date().toISOString(),
    wallSeconds,
    error: errorMessage(error),
    unavailable,
  };
}

function checkOutput(output: RunOutput, name: string): void {
  for (const [key, value] of Object.entries(output.metrics ?? {})) {
    if (typeof value !== "number" || Number.isNaN(value)) {
      throw new Error(`run ${name}: executor returned metric ${key} = ${value}; expected a number`);
    }
  }
}

/** True when `dir` exists and contains at least one entry. */
export async function hasEntries(dir: string): Promise<boolean> {
  try {
    for await (const _ of Deno.readDir(dir)) return true;
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
  return false;
}
