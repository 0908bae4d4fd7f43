/**
 * A run launcher for parallel runner tests that executes each job in the
 * test process, so that tests can count the steps the fake executor runs.
 */
import {
  executeRunJob,
  type ExecutorsByTask,
  runJobExitCode,
  type RunLauncher,
} from "../../lib/experiment/mod.ts";

/** A launcher with the runs it launched and the most it ran at the same time. */
export interface InProcessLauncher {
  launch: RunLauncher;
  /** Launched runs as `experiment/label@seed`, in launch order. */
  launched: string[];
  /** Maximum number of runs in progress at the same time. */
  maxRunning: number;
}

/** Returns a launcher that executes jobs with `executors` in this process. */
export function inProcessLauncher(executors: ExecutorsByTask): InProcessLauncher {
  let running = 0;
  const launcher: InProcessLauncher = {
    launched: [],
    maxRunning: 0,
    launch: async (job) => {
      launcher.launched.push(`${job.run.experiment}/${job.run.label}@${job.run.seed}`);
      running++;
      launcher.maxRunning = Math.max(launcher.maxRunning, running);
      try {
        const summary = await executeRunJob(job, executors);
        return { code: runJobExitCode(summary), signal: null };
      } finally {
        running--;
      }
    },
  };
  return launcher;
}
