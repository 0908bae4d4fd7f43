/**
 * The interface between the runner and the code that performs one run.
 *
 * An executor receives the resolved run and a checkpoint directory and returns
 * the run's measurements. It resumes by itself: when the checkpoint directory
 * contains state from an interrupted attempt, it continues from there.
 */
import type { Progress } from "../io/progress.ts";
import type { ResolvedRun } from "./experiment_config.ts";
import type { Task } from "./run_config.ts";

/** Input of an executor for one run. */
export interface RunContext {
  run: ResolvedRun;
  runId: string;
  /** Directory for the run's checkpoints; it may already hold state of an interrupted attempt. */
  checkpointDir: string;
  /** TensorFlow.js backend in use, for records. */
  backend: string;
  /** Creates the per-run progress logger, labelled with the run. */
  progress(total: number, unit?: string): Progress;
}

/** Output of an executor for one run. */
export interface RunOutput {
  /** Scalar measurements by key. */
  metrics: Record<string, number>;
  /** Sequences by key, such as a metric per encode-decode round. */
  series?: Record<string, number[]>;
  notes?: string[];
}

/** Performs one run. Throws on failure; {@link ExecutorUnavailableError} when the task cannot run yet. */
export type RunExecutor = (context: RunContext) => Promise<RunOutput>;

/** Executors by task. */
export type ExecutorsByTask = Partial<Record<Task, RunExecutor>>;

/** A task whose executor does not exist yet or cannot run here. */
export class ExecutorUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ExecutorUnavailableError";
  }
}

/** Returns an executor that always throws an {@link ExecutorUnavailableError} with `reason`. */
export function unavailableExecutor(task: Task, reason: string): RunExecutor {
  return (context) =>
    Promise.reject(
      new ExecutorUnavailableError(
        `task "${task}" not available yet for run ${context.run.label}: ${reason}`,
      ),
    );
}
