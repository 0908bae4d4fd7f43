/**
 * Reuse of results across experiments: a run whose id (resolved config and
 * code version, see `runId`) already has a finished record under another
 * experiment or label is not executed again. Its record is a copy of that
 * result which names its source in `reusedFrom`.
 */
import { log } from "../io/log.ts";
import { formatDuration } from "../io/progress.ts";
import type { ResolvedRun } from "./experiment_config.ts";
import { runName } from "./execute_run.ts";
import type { RunResult } from "./result.ts";
import type { ResultStore } from "./result_store.ts";
import { canonicalJson } from "./run_id.ts";

/**
 * Looks for a finished record of run id `runId` stored under another
 * experiment or label than `run`, and when one exists writes a copy for
 * `run` and returns it. Returns null when no such record exists.
 * A record whose config differs from `run.config` (only possible for an
 * edited file or a hash collision) is logged and not used.
 */
export async function reuseIdenticalRun(
  store: ResultStore,
  run: ResolvedRun,
  runId: string,
): Promise<RunResult | null> {
  const ownPath = store.resultPath({ experiment: run.experiment, label: run.label, runId });
  const expected = canonicalJson(run.config);
  for (const source of await store.findResults(runId)) {
    const sourcePath = store.resultPath(source);
    if (sourcePath === ownPath) continue;
    if (canonicalJson(source.config) !== expected) {
      log.warn(
        `run ${runName(run, runId)}: not reusing ${sourcePath}, because its config differs ` +
          `from this run's config although the run ids are equal`,
      );
      continue;
    }
    const copy = reusedCopy(source, run);
    const path = await store.writeResult(copy);
    log.info(
      `run ${runName(run, runId)}: reused the result of ${copy.reusedFrom!.experiment}/` +
        `${copy.reusedFrom!.label} (trained in ${formatDuration(copy.wallSeconds)}), wrote ${path}`,
    );
    return copy;
  }
  return null;
}

/**
 * Builds the record of `run` as a copy of the finished record `source` of an
 * identical run. The copy keeps the source's measurements, wall time and
 * provenance. It gets the experiment, label and scale of `run`, and the
 * current time as start and finish. Its `reusedFrom` names the record that
 * was executed, which is the source's own source when the source is a copy.
 */
export function reusedCopy(source: RunResult, run: ResolvedRun): RunResult {
  const now = new Date().toISOString();
  return {
    ...structuredClone(source),
    experiment: run.experiment,
    label: run.label,
    scale: run.scale,
    startedAt: now,
    finishedAt: now,
    reusedFrom: source.reusedFrom ?? {
      experiment: source.experiment,
      label: source.label,
      startedAt: source.startedAt,
      finishedAt: source.finishedAt,
    },
  };
}
