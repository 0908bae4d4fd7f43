/**
 * Records of finished and failed runs, as stored in `results/<experiment>/`.
 * Types only, so that `lib/report` can import them.
 */
import type { Scale } from "./experiment_config.ts";
import type { MachineInfo } from "./provenance.ts";
import type { RunConfig } from "./run_config.ts";

/** Version of the record layout, stored in every record. */
export const RESULT_SCHEMA = 1 as const;

/** Fields shared by finished and failed runs: identity and provenance. */
export interface RunRecordBase {
  schema: typeof RESULT_SCHEMA;
  experiment: string;
  label: string;
  scale: Scale;
  /** Hash of the resolved config and the code version (see `runId`). */
  runId: string;
  /** Content identity of `lib/` and `bin/` (part of the run id; see `CodeVersion.identity`). */
  codeVersion: string;
  /** Git commit checked out when the run started. */
  commit: string;
  seed: number;
  config: RunConfig;
  /** TensorFlow.js backend name, such as "wasm". */
  backend: string;
  machine: MachineInfo;
  /** ISO 8601 UTC start time of the last attempt. */
  startedAt: string;
  /**
   * Wall time of the last attempt in seconds (a resumed run counts only its
   * last attempt). A copied result (see `RunResult.reusedFrom`) keeps the
   * wall time of the run that was trained.
   */
  wallSeconds: number;
}

/** Source of a result copied from an identical run (same run id) instead of being executed. */
export interface ReusedFrom {
  /** Experiment of the record that was executed. */
  experiment: string;
  /** Run label of the record that was executed. */
  label: string;
  /** ISO 8601 UTC start time of that run's last attempt. */
  startedAt: string;
  /** ISO 8601 UTC time when that run finished. */
  finishedAt: string;
}

/**
 * A later evaluation of a finished run's final checkpoint with newer
 * evaluation code, which added metrics to its record without training.
 */
export interface Reevaluation {
  /** Content identity of the evaluating code (see `CodeVersion.identity`). */
  codeVersion: string;
  /** Git commit checked out when the evaluation ran. */
  commit: string;
  /** ISO 8601 UTC start time of the evaluation. */
  at: string;
  /** Wall time of the evaluation in seconds. */
  wallSeconds: number;
  /** Keys added to `metrics`, and `series.<key>` for each series added. */
  metricsAdded: string[];
}

/** A finished run with its measurements. */
export interface RunResult extends RunRecordBase {
  status: "done";
  finishedAt: string;
  /** Scalar measurements by key, such as `{ rfid: 1.2, psnr: 24.1 }`. */
  metrics: Record<string, number>;
  /** Sequences by key, such as PSNR per encode-decode round. */
  series?: Record<string, number[]>;
  /** Remarks of the executor, such as how the setting differs from the WeTok paper (arXiv 2508.05599). */
  notes?: string[];
  /**
   * Source of this record when it is a copy of the result of an identical run.
   * In a copy, `startedAt` and `finishedAt` are the time of copying. Its
   * `wallSeconds`, `commit`, `backend`, `machine` and measurements are those
   * of the executed run named here.
   */
  reusedFrom?: ReusedFrom;
  /**
   * The latest re-evaluation that added metrics, when there was one. Every
   * other field, `wallSeconds`, `runId` and `codeVersion` included, stays that
   * of the training.
   */
  reevaluation?: Reevaluation;
}

/** A failed run: its error, kept so tables can show why a number is missing. */
export interface RunFailure extends RunRecordBase {
  status: "failed";
  failedAt: string;
  error: string;
  /** True when the executor for this task is not available yet (no partial work exists). */
  unavailable: boolean;
}

/** A stored run record. */
export type RunRecord = RunResult | RunFailure;
