/**
 * Re-evaluation of finished runs with the current evaluation code, without
 * training: for the latest finished record of each run, the executor rebuilds
 * the run from the record's own resolved config, restores its final
 * checkpoint and evaluates it. Metrics that the record lacks are added to it.
 * Metrics it already has must come out equal, which checks that the
 * checkpoint and the evaluation still reproduce the stored numbers. The run
 * id, code version, wall time and other training provenance of the record
 * stay those of the training.
 */
import { errorMessage, log } from "../io/log.ts";
import type { ResolvedRun, Scale } from "./experiment_config.ts";
import { hasEntries, runProgress } from "./execute_run.ts";
import type { ExecutorsByTask, RunOutput } from "./executor.ts";
import type { Reevaluation, RunResult } from "./result.ts";
import type { ResultStore, RunKey } from "./result_store.ts";

/** Relative tolerance of {@link reevaluateExperiment}'s consistency check (default of `tolerance`). */
export const REEVALUATION_TOLERANCE = 1e-6;

/** Metrics that measure time: a re-evaluation keeps the stored value and does not compare it. */
export const TIMING_METRICS: readonly string[] = ["decodeMs"];

/** Options of {@link reevaluateExperiment}. */
export interface ReevaluateOptions {
  store: ResultStore;
  /**
   * Executors by task that evaluate a finished run from its final checkpoint
   * without training. Records of a task without one here are skipped.
   */
  executors: ExecutorsByTask;
  /** Content identity of the evaluating code, stored in `reevaluation.codeVersion`. */
  codeVersion: string;
  /** Git commit of the evaluating code (default: `codeVersion`). */
  commit?: string;
  /** TensorFlow.js backend name, passed to the executors. */
  backend: string;
  /** Largest accepted relative difference of a stored metric (default {@link REEVALUATION_TOLERANCE}). */
  tolerance?: number;
  /** Minimum time between progress lines of a run, in milliseconds (default 10,000). */
  progressIntervalMs?: number;
}

/** A stored metric or series value that the re-evaluation did not reproduce. */
export interface MetricMismatch {
  /** Metric key, or `series.<key>[<index>]` for a series element. */
  metric: string;
  stored: number;
  /** Re-evaluated value, or null when the current code no longer produces the metric. */
  reevaluated: number | null;
}

/** Outcome of re-evaluating one record. */
export interface ReevaluationSummary {
  experiment: string;
  label: string;
  seed: number;
  runId: string;
  /**
   * Outcome of the record:
   * - "updated": metrics matched, and the new ones were written.
   * - "unchanged": metrics matched and none was new, so the record was not rewritten.
   * - "mismatch": a stored metric differed, so the record was not rewritten.
   * - "skipped": no re-evaluation applies (see `reason`).
   * - "failed": the executor threw.
   */
  status: "updated" | "unchanged" | "mismatch" | "skipped" | "failed";
  /** Metrics added to the record ("updated" only). */
  metricsAdded?: string[];
  mismatches?: MetricMismatch[];
  /** Reason the record was skipped or the evaluation failed. */
  reason?: string;
}

/**
 * Re-evaluates the latest finished record of each run of `experiment` at
 * `scale` (see `ResultStore.latest`) and rewrites it atomically when every
 * stored metric is reproduced and new metrics were measured.
 *
 * A record copied from an identical run (`reusedFrom`) is evaluated from the
 * checkpoint folder of its source, because copying does not train. Errors of
 * single runs are logged and returned, not thrown, so one bad run does not
 * stop the others.
 * @throws Error only when the store cannot be read or written.
 */
export async function reevaluateExperiment(
  experiment: string,
  scale: Scale,
  options: ReevaluateOptions,
): Promise<ReevaluationSummary[]> {
  const records = (await options.store.latest(experiment, scale))
    .sort((a, b) => a.label.localeCompare(b.label) || a.seed - b.seed);
  const summaries: ReevaluationSummary[] = [];
  for (const record of records) {
    const name = `${record.experiment}/${record.label}.${record.runId} (seed ${record.seed})`;
    const identity = {
      experiment: record.experiment,
      label: record.label,
      seed: record.seed,
      runId: record.runId,
    };
    if (record.status !== "done") {
      log.info(`run ${name}: skipped, its latest record is a failure`);
      summaries.push({ ...identity, status: "skipped", reason: "latest record is a failure" });
      continue;
    }
    if (!options.executors[record.config.task]) {
      log.info(`run ${name}: skipped, task "${record.config.task}" needs no re-evaluation`);
      summaries.push({
        ...identity,
        status: "skipped",
        reason: `task "${record.config.task}" needs no re-evaluation`,
      });
      continue;
    }
    summaries.push(await reevaluateRecord(record, name, options));
  }
  return summaries;
}

/** Re-evaluates one finished record; see {@link reevaluateExperiment}. */
async function reevaluateRecord(
  record: RunResult,
  name: string,
  options: ReevaluateOptions,
): Promise<ReevaluationSummary> {
  const identity = {
    experiment: record.experiment,
    label: record.label,
    seed: record.seed,
    runId: record.runId,
  };
  const trainedAs: RunKey = record.reusedFrom
    ? {
      experiment: record.reusedFrom.experiment,
      label: record.reusedFrom.label,
      runId: record.runId,
    }
    : { experiment: record.experiment, label: record.label, runId: record.runId };
  const checkpointDir = options.store.checkpointDir(trainedAs);
  if (!(await hasEntries(checkpointDir))) {
    const reason = `checkpoint folder ${checkpointDir} is missing or empty`;
    log.warn(
      `run ${name}: skipped, ${reason}; only a run trained on this machine can be re-evaluated`,
    );
    return { ...identity, status: "skipped", reason };
  }

  // The run is rebuilt from the record's config, not from the current experiment file.
  const run: ResolvedRun = {
    experiment: trainedAs.experiment,
    label: trainedAs.label,
    scale: record.scale,
    seed: record.seed,
    config: record.config,
  };
  const executor = options.executors[record.config.task]!;
  const at = new Date().toISOString();
  const started = performance.now();
  let output: RunOutput;
  log.info(`run ${name}: re-evaluating from ${checkpointDir}`);
  try {
    output = await executor({
      run,
      runId: record.runId,
      checkpointDir,
      backend: options.backend,
      progress: runProgress(name, options.progressIntervalMs),
    });
  } catch (err) {
    log.error(`run ${name}: re-evaluation failed; record not rewritten`, err);
    return { ...identity, status: "failed", reason: errorMessage(err) };
  }
  const wallSeconds = (performance.now() - started) / 1000;

  const tolerance = options.tolerance ?? REEVALUATION_TOLERANCE;
  const mismatches = compareMeasurements(record, output, tolerance);
  if (mismatches.length > 0) {
    for (const m of mismatches) {
      log.error(
        `run ${name}: metric ${m.metric} re-evaluated as ${m.reevaluated ?? "missing"}, stored ` +
          `${m.stored} (relative tolerance ${tolerance}); record not rewritten`,
      );
    }
    return { ...identity, status: "mismatch", mismatches };
  }

  const metricsAdded = Object.keys(output.metrics).filter((key) => !(key in record.metrics));
  const seriesAdded = Object.keys(output.series ?? {}).filter((key) =>
    !(key in (record.series ?? {}))
  );
  if (metricsAdded.length === 0 && seriesAdded.length === 0) {
    log.info(`run ${name}: every stored metric matched and none is new; record unchanged`);
    return { ...identity, status: "unchanged", metricsAdded: [] };
  }
  const reevaluation: Reevaluation = {
    codeVersion: options.codeVersion,
    commit: options.commit ?? options.codeVersion,
    at,
    wallSeconds,
    metricsAdded: [...metricsAdded, ...seriesAdded.map((key) => `series.${key}`)],
  };
  const updated: RunResult = {
    ...record,
    metrics: { ...record.metrics, ...pick(output.metrics, metricsAdded) },
    ...(record.series || seriesAdded.length > 0
      ? { series: { ...record.series, ...pick(output.series ?? {}, seriesAdded) } }
      : {}),
    reevaluation,
  };
  const path = await options.store.writeResult(updated);
  log.info(
    `run ${name}: every stored metric matched; added ${reevaluation.metricsAdded.join(", ")} ` +
      `in ${wallSeconds.toFixed(1)} s, wrote ${path}`,
  );
  return { ...identity, status: "updated", metricsAdded: reevaluation.metricsAdded };
}

/**
 * Lists the stored metrics and series elements of `record` that `output`
 * does not reproduce within relative `tolerance`. Timing metrics
 * ({@link TIMING_METRICS}) are not compared.
 */
export function compareMeasurements(
  record: Pick<RunResult, "metrics" | "series">,
  output: RunOutput,
  tolerance: number,
): MetricMismatch[] {
  const mismatches: MetricMismatch[] = [];
  for (const [metric, stored] of Object.entries(record.metrics)) {
    if (TIMING_METRICS.includes(metric)) continue;
    const value = output.metrics[metric];
    if (typeof value !== "number") mismatches.push({ metric, stored, reevaluated: null });
    else if (!withinTolerance(stored, value, tolerance)) {
      mismatches.push({ metric, stored, reevaluated: value });
    }
  }
  for (const [key, storedSeries] of Object.entries(record.series ?? {})) {
    const series = output.series?.[key];
    storedSeries.forEach((stored, index) => {
      const value = series?.[index];
      const metric = `series.${key}[${index}]`;
      if (typeof value !== "number") mismatches.push({ metric, stored, reevaluated: null });
      else if (!withinTolerance(stored, value, tolerance)) {
        mismatches.push({ metric, stored, reevaluated: value });
      }
    });
  }
  return mismatches;
}

/** True when `a` and `b` differ by at most `tolerance` times the larger magnitude. */
function withinTolerance(a: number, b: number, tolerance: number): boolean {
  return Math.abs(a - b) <= tolerance * Math.max(Math.abs(a), Math.abs(b));
}

function pick<T>(values: Record<string, T>, keys: readonly string[]): Record<string, T> {
  return Object.fromEntries(keys.map((key) => [key, values[key]]));
}
