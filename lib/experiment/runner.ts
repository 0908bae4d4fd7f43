/**
 * The experiment runner: resolves the runs of an experiment at one scale,
 * skips runs that already have a result, executes the others one after the
 * other, and stores a record for each, finished or failed.
 *
 * An interrupted run (killed process, machine restart) has no result record,
 * so the next call executes it again with the same checkpoint directory, and
 * the executor resumes from its last checkpoint there.
 */
import { errorMessage, log } from "../io/log.ts";
import { Progress } from "../io/progress.ts";
import {
  type ExperimentConfig,
  type ResolvedRun,
  resolveRuns,
  type Scale,
} from "./experiment_config.ts";
import { type ExecutorsByTask, ExecutorUnavailableError, type RunOutput } from "./executor.ts";
import { type MachineInfo, machineInfo } from "./provenance.ts";
import { RESULT_SCHEMA, type RunFailure, type RunResult } from "./result.ts";
import type { ResultStore } from "./result_store.ts";
import { runId } from "./run_id.ts";

/** Options of {@link runExperiment}. */
export interface RunExperimentOptions {
  store: ResultStore;
  executors: ExecutorsByTask;
  /** Content identity of the code (part of every run id). */
  codeVersion: string;
  /** Git commit, recorded for provenance (default: `codeVersion`). */
  commit?: string;
  /** TensorFlow.js backend name, recorded in every record. */
  backend: string;
  /** Only run these labels (default: all). */
  labels?: string[];
  /** Machine description (default: {@link machineInfo}). */
  machine?: MachineInfo;
  /** Minimum time between progress lines of a run, in milliseconds (default 10,000). */
  progressIntervalMs?: number;
}

/** Outcome of one run. */
export interface RunSummary {
  run: ResolvedRun;
  runId: string;
  /** "skipped": a result existed; "unavailable": the executor cannot run this task yet. */
  status: "skipped" | "done" | "failed" | "unavailable";
  result?: RunResult;
  failure?: RunFailure;
}

/**
 * Runs every run of `config` at `scale` that has no result yet, in config
 * order, and returns a summary per run. Errors of single runs are logged and
 * recorded, not thrown, so one failing run does not stop the others.
 * @throws Error for an unknown label in `options.labels`, or when the store cannot be written.
 */
export async function runExperiment(
  config: ExperimentConfig,
  scale: Scale,
  options: RunExperimentOptions,
): Promise<RunSummary[]> {
  let runs = resolveRuns(config, scale);
  if (options.labels) {
    const known = new Set(runs.map((r) => r.label));
    for (const label of options.labels) {
      if (!known.has(label)) {
        throw new Error(
          `experiment ${config.name} has no run "${label}" at scale ${scale}; expected one of ${
            [...known].join(", ")
          }`,
        );
      }
    }
    runs = runs.filter((r) => options.labels!.includes(r.label));
  }
  const machine = options.machine ?? machineInfo();
  const job = new Progress({
    label: `${config.name} (${scale})`,
    total: runs.length,
    unit: "run",
    intervalMs: 0,
  });
  log.info(
    `experiment ${config.name}: ${runs.length} run(s) at scale ${scale}, code ${options.codeVersion}`,
  );

  const summaries: RunSummary[] = [];
  for (const [index, run] of runs.entries()) {
    const id = await runId(run.config, options.codeVersion);
    const key = { experiment: config.name, label: run.label, runId: id };
    const name = `${config.name}/${run.label}.${id} (seed ${run.seed})`;

    const existing = await options.store.readResult(key);
    if (existing) {
      log.info(`run ${name}: skipped, result exists at ${options.store.resultPath(key)}`);
      summaries.push({ run, runId: id, status: "skipped", result: existing });
      job.update(index + 1);
      continue;
    }

    const checkpointDir = options.store.checkpointDir(key);
    if (await hasEntries(checkpointDir)) log.info(`run ${name}: resuming from ${checkpointDir}`);
    const executor = options.executors[run.config.task];
    const startedAt = new Date().toISOString();
    const started = performance.now();
    const base = {
      schema: RESULT_SCHEMA,
      experiment: config.name,
      label: run.label,
      scale,
      runId: id,
      codeVersion: options.codeVersion,
      commit: options.commit ?? options.codeVersion,
      seed: run.seed,
      config: run.config,
      backend: options.backend,
      machine,
      startedAt,
    };
    log.info(`run ${name}: started (task ${run.config.task})`);
    try {
      if (!executor) {
        throw new ExecutorUnavailableError(`no executor registered for task "${run.config.task}"`);
      }
      const output: RunOutput = await executor({
        run,
        runId: id,
        checkpointDir,
        backend: options.backend,
        progress: (total, unit = "step") =>
          new Progress({
            label: `run ${name}`,
            total,
            unit,
            intervalMs: options.progressIntervalMs,
          }),
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
      summaries.push({ run, runId: id, status: "done", result });
    } catch (err) {
      const unavailable = err instanceof ExecutorUnavailableError;
      const failure: RunFailure = {
        ...base,
        status: "failed",
        failedAt: new Date().toISOString(),
        wallSeconds: (performance.now() - started) / 1000,
        error: errorMessage(err),
        unavailable,
      };
      await options.store.writeFailure(failure);
      log.error(`run ${name}: ${unavailable ? "not available" : "failed"}`, err);
      summaries.push({ run, runId: id, status: unavailable ? "unavailable" : "failed", failure });
    }
    job.update(index + 1);
  }
  const count = (status: RunSummary["status"]) =>
    summaries.filter((s) => s.status === status).length;
  log.info(
    `experiment ${config.name}: finished; ${count("done")} done, ${count("skipped")} skipped, ` +
      `${count("failed")} failed, ${count("unavailable")} not available`,
  );
  return summaries;
}

function checkOutput(output: RunOutput, name: string): void {
  for (const [key, value] of Object.entries(output.metrics ?? {})) {
    if (typeof value !== "number" || Number.isNaN(value)) {
      throw new Error(`run ${name}: executor returned metric ${key} = ${value}; expected a number`);
    }
  }
}

async function hasEntries(dir: string): Promise<boolean> {
  try {
    for await (const _ of Deno.readDir(dir)) return true;
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
  return false;
}
