/**
 * The experiment runner: resolves the runs of an experiment at one scale,
 * skips runs that already have a result, copies the result of an identical
 * run (same run id) stored for another experiment or label, executes the
 * others one after the other, and stores a record for each, finished or failed.
 *
 * An interrupted run (killed process, machine restart) has no result record,
 * so the next call executes it again with the same checkpoint directory, and
 * the executor resumes from its last checkpoint there.
 */
import { log } from "../io/log.ts";
import { Progress } from "../io/progress.ts";
import {
  type ExperimentConfig,
  type ResolvedRun,
  resolveRuns,
  type Scale,
} from "./experiment_config.ts";
import { executeRun, type ExecuteRunOptions, runName, type RunSummary } from "./execute_run.ts";
import { machineInfo } from "./provenance.ts";
import { reuseIdenticalRun } from "./reuse.ts";
import { runId } from "./run_id.ts";

/** Options of {@link runExperiment}. */
export interface RunExperimentOptions extends ExecuteRunOptions {
  /** Only run these labels (default: all). */
  labels?: string[];
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
  const runs = selectRuns(config, scale, options.labels);
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

    const existing = await options.store.readResult(key);
    if (existing) {
      log.info(
        `run ${runName(run, id)}: skipped, result exists at ${options.store.resultPath(key)}`,
      );
      summaries.push({ run, runId: id, status: "skipped", result: existing });
    } else {
      const copy = await reuseIdenticalRun(options.store, run, id);
      summaries.push(
        copy
          ? { run, runId: id, status: "reused", result: copy }
          : await executeRun(run, id, { ...options, machine }),
      );
    }
    job.update(index + 1);
  }
  log.info(`experiment ${config.name}: finished; ${countStatuses(summaries)}`);
  return summaries;
}

/**
 * Resolves the runs of `config` at `scale`, keeping only `labels` when given.
 * @throws Error naming an unknown label and the known ones.
 */
export function selectRuns(
  config: ExperimentConfig,
  scale: Scale,
  labels?: readonly string[],
): ResolvedRun[] {
  const runs = resolveRuns(config, scale);
  if (!labels) return runs;
  const known = new Set(runs.map((r) => r.label));
  for (const label of labels) {
    if (!known.has(label)) {
      throw new Error(
        `experiment ${config.name} has no run "${label}" at scale ${scale}; expected one of ${
          [...known].join(", ")
        }`,
      );
    }
  }
  return runs.filter((r) => labels.includes(r.label));
}

/**
 * Formats the outcome counts of an experiment, such as
 * "3 done, 1 skipped, 0 failed, 0 not available", with ", 2 reused" appended
 * when results were copied from identical runs.
 */
export function countStatuses(summaries: readonly RunSummary[]): string {
  const count = (status: RunSummary["status"]) =>
    summaries.filter((s) => s.status === status).length;
  const reused = count("reused");
  return `${count("done")} done, ${count("skipped")} skipped, ` +
    `${count("failed")} failed, ${count("unavailable")} not available` +
    (reused > 0 ? `, ${reused} reused` : "");
}
