/**
 * Result store: one JSON record per run under `<root>/<experiment>/`, written
 * atomically, plus a checkpoint directory per run for resuming.
 *
 * - finished: `<label>.<runId>.json`
 * - failed: `<label>.<runId>.failed.json` (removed when the run later succeeds)
 * - checkpoints: `<root>/<experiment>/checkpoints/<label>.<runId>/`
 */
import { join } from "node:path";
import { atomicWriteJson } from "../io/atomic_write.ts";
import { errorMessage, log } from "../io/log.ts";
import type { Scale } from "./experiment_config.ts";
import { RESULT_SCHEMA, type RunFailure, type RunRecord, type RunResult } from "./result.ts";

/** The identity of a run within the store. */
export interface RunKey {
  experiment: string;
  label: string;
  runId: string;
}

/** Reads and writes run records under one root directory (usually `results/`). */
export class ResultStore {
  constructor(readonly root: string) {}

  /** Path of a finished run's record. */
  resultPath(key: RunKey): string {
    return join(this.root, key.experiment, `${key.label}.${key.runId}.json`);
  }

  /** Path of a failed run's record. */
  failurePath(key: RunKey): string {
    return join(this.root, key.experiment, `${key.label}.${key.runId}.failed.json`);
  }

  /** Directory where the executor keeps checkpoints of a run (created on demand by the executor). */
  checkpointDir(key: RunKey): string {
    return join(this.root, key.experiment, "checkpoints", `${key.label}.${key.runId}`);
  }

  /**
   * Returns the finished record of a run, or null when there is none.
   * @throws Error when the file exists but is not a finished record of this run.
   */
  async readResult(key: RunKey): Promise<RunResult | null> {
    const record = await readRecord(this.resultPath(key));
    if (record === null) return null;
    if (record.status !== "done" || record.runId !== key.runId || record.label !== key.label) {
      throw new Error(
        `${this.resultPath(key)} is not a finished record of run ${key.label}.${key.runId}; ` +
          `delete it to run again`,
      );
    }
    return record;
  }

  /** Returns the failure record of a run, or null. */
  async readFailure(key: RunKey): Promise<RunFailure | null> {
    const record = await readRecord(this.failurePath(key));
    return record?.status === "failed" ? record : null;
  }

  /** Writes a finished record atomically and removes any failure record of the same run. */
  async writeResult(result: RunResult): Promise<string> {
    const path = this.resultPath(result);
    await atomicWriteJson(path, result);
    await Deno.remove(this.failurePath(result)).catch((err) => {
      if (!(err instanceof Deno.errors.NotFound)) throw err;
    });
    return path;
  }

  /** Writes a failure record atomically. */
  async writeFailure(failure: RunFailure): Promise<string> {
    const path = this.failurePath(failure);
    await atomicWriteJson(path, failure);
    return path;
  }

  /** Returns every record of an experiment (finished and failed), in file-name order. */
  async list(experiment: string): Promise<RunRecord[]> {
    const dir = join(this.root, experiment);
    const names: string[] = [];
    try {
      for await (const entry of Deno.readDir(dir)) {
        if (entry.isFile && entry.name.endsWith(".json") && !entry.name.startsWith(".")) {
          names.push(entry.name);
        }
      }
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) return [];
      throw err;
    }
    names.sort();
    const records: RunRecord[] = [];
    for (const name of names) {
      const record = await readRecord(join(dir, name));
      if (record !== null) records.push(record);
    }
    return records;
  }

  /**
   * Returns the finished records of run id `runId` in every experiment folder
   * under the root, whatever their label, sorted by experiment and file name.
   * Records that cannot be read are logged and left out, because they belong
   * to other runs.
   */
  async findResults(runId: string): Promise<RunResult[]> {
    const suffix = `.${runId}.json`;
    const paths: string[] = [];
    for (const experiment of await listDirectories(this.root)) {
      for await (const entry of Deno.readDir(join(this.root, experiment))) {
        if (entry.isFile && entry.name.endsWith(suffix) && !entry.name.startsWith(".")) {
          paths.push(join(this.root, experiment, entry.name));
        }
      }
    }
    paths.sort();
    const results: RunResult[] = [];
    for (const path of paths) {
      try {
        const record = await readRecord(path);
        if (record?.status === "done" && record.runId === runId) results.push(record);
      } catch (err) {
        log.warn(`skipped run record ${path} while looking for run ${runId}: ${errorMessage(err)}`);
      }
    }
    return results;
  }

  /**
   * Returns the most recent record (by start time) for each label and seed of
   * an experiment at one scale, whatever its code version: the basis of a
   * report made without running.
   */
  async latest(experiment: string, scale: Scale): Promise<RunRecord[]> {
    const byRun = new Map<string, RunRecord>();
    for (const record of await this.list(experiment)) {
      if (record.scale !== scale) continue;
      const key = `${record.label}\u0000${record.seed}`;
      const current = byRun.get(key);
      const newer = !current || record.startedAt > current.startedAt ||
        (record.startedAt === current.startedAt && record.status === "done");
      if (newer) byRun.set(key, record);
    }
    return [...byRun.values()];
  }
}

/** Returns the names of the directories in `dir`, or none when it does not exist. */
async function listDirectories(dir: string): Promise<string[]> {
  const names: string[] = [];
  try {
    for await (const entry of Deno.readDir(dir)) {
      if (entry.isDirectory && !entry.name.startsWith(".")) names.push(entry.name);
    }
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return [];
    throw err;
  }
  return names.sort();
}

async function readRecord(path: string): Promise<RunRecord | null> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return null;
    throw err;
  }
  let record: RunRecord;
  try {
    record = JSON.parse(text);
  } catch (err) {
    throw new Error(
      `invalid JSON in run record ${path}: ${(err as Error).message}; delete it to run again`,
      {
        cause: err,
      },
    );
  }
  if (record?.schema !== RESULT_SCHEMA) {
    throw new Error(
      `run record ${path} has schema ${record?.schema}, expected ${RESULT_SCHEMA}; delete it to run again`,
    );
  }
  return record;
}
