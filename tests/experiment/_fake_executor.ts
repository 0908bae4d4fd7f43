/**
 * A fake executor for runner tests: it "trains" by accumulating a
 * deterministic sum over steps, checkpoints every 3 steps, and can be configured
 * to fail, to exit the process or to kill it with SIGKILL at a given step to
 * simulate an interruption.
 */
import { join } from "node:path";
import { atomicWriteJson } from "../../lib/io/atomic_write.ts";
import type { RunContext, RunExecutor, RunOutput } from "../../lib/experiment/mod.ts";

/** Options of {@link fakeExecutor}. */
export interface FakeOptions {
  /** Label and step at which to throw (simulated crash inside the run). */
  throwAt?: { label: string; step: number };
  /** Label and step at which to exit the whole process with code 3 (simulated kill). */
  exitAt?: { label: string; step: number };
  /** Label and step at which the process sends itself SIGKILL (simulated out-of-memory kill). */
  killAt?: { label: string; step: number };
  /** Milliseconds to wait before each step (default 0), to keep a run busy while a test acts. */
  stepDelayMs?: number;
  /** Steps executed, as `label@seed:step`, appended by every call. */
  executed?: string[];
}

/** Value added at `step` of run `label` with `seed`: deterministic and order dependent. */
function increment(label: string, seed: number, step: number): number {
  return (label.length * 31 + seed * 7 + step * step) % 97;
}

/** Computes the result of an uninterrupted fake run. */
export function expectedSum(label: string, seed: number, steps: number): number {
  let sum = 0;
  for (let step = 1; step <= steps; step++) sum = sum * 0.5 + increment(label, seed, step);
  return sum;
}

/** Returns the fake executor. */
export function fakeExecutor(options: FakeOptions = {}): RunExecutor {
  return async (context: RunContext): Promise<RunOutput> => {
    const { run } = context;
    if (run.config.task !== "train") throw new Error("the fake executor handles train runs only");
    const total = run.config.stages.stage1Steps;
    const statePath = join(context.checkpointDir, "state.json");
    let state = { step: 0, sum: 0 };
    try {
      state = JSON.parse(await Deno.readTextFile(statePath));
    } catch (err) {
      if (!(err instanceof Deno.errors.NotFound)) throw err;
    }
    const resumedFrom = state.step;
    const progress = context.progress(total);
    for (let step = state.step + 1; step <= total; step++) {
      if (options.stepDelayMs) await new Promise((done) => setTimeout(done, options.stepDelayMs));
      if (options.throwAt?.label === run.label && options.throwAt.step === step) {
        throw new Error(`simulated crash at step ${step}`);
      }
      if (options.exitAt?.label === run.label && options.exitAt.step === step) Deno.exit(3);
      if (options.killAt?.label === run.label && options.killAt.step === step) {
        Deno.kill(Deno.pid, "SIGKILL");
      }
      options.executed?.push(`${run.label}@${run.seed}:${step}`);
      state = { step, sum: state.sum * 0.5 + increment(run.label, run.seed, step) };
      if (step % 3 === 0) await atomicWriteJson(statePath, state);
      progress.update(step);
    }
    return {
      metrics: { rfid: state.sum, psnr: 20 + run.seed, resumedFrom },
      series: { steps: [total] },
    };
  };
}
