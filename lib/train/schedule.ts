/**
 * Learning-rate schedules as functions of the 1-based update number.
 *
 * The official WeTok configs (arXiv 2508.05599) train with a constant learning
 * rate of 1e-4; the paper's ablation found it better than linear warm-up
 * followed by cosine decay, which is offered here for that comparison.
 */

/** Learning rate for update number `step` (1-based: the first update is step 1). */
export type LearningRateSchedule = (step: number) => number;

/** Schedule description as it appears in a training config. */
export type ScheduleConfig =
  | { kind: "constant"; learningRate: number }
  | {
    kind: "warmup-cosine";
    /** Peak learning rate reached at the end of warm-up. */
    learningRate: number;
    /** Number of updates of linear warm-up from 0 to the peak. */
    warmupSteps: number;
    /** Update number at which the cosine reaches `minLearningRate`; later updates stay there. */
    totalSteps: number;
    /** Floor of the cosine decay (default 0). */
    minLearningRate?: number;
  };

/** Returns a schedule that gives `learningRate` for every step. */
export function constantSchedule(learningRate: number): LearningRateSchedule {
  checkRate("learningRate", learningRate);
  return (step) => {
    checkStep(step);
    return learningRate;
  };
}

/**
 * Returns linear warm-up then cosine decay:
 * `lr(t) = peak * t / warmup` for `t <= warmup`, then
 * `lr(t) = min + (peak - min) * (1 + cos(pi * (t - warmup) / (total - warmup))) / 2`
 * up to `t = total`, and `min` after it.
 */
export function warmupCosineSchedule(
  peak: number,
  warmupSteps: number,
  totalSteps: number,
  minLearningRate = 0,
): LearningRateSchedule {
  checkRate("learningRate", peak);
  checkRate("minLearningRate", minLearningRate);
  if (minLearningRate > peak) {
    throw new RangeError(
      `minLearningRate ${minLearningRate} exceeds the peak learning rate ${peak}`,
    );
  }
  if (!Number.isInteger(warmupSteps) || warmupSteps < 0) {
    throw new RangeError(`warmupSteps must be an integer >= 0, got ${warmupSteps}`);
  }
  if (!Number.isInteger(totalSteps) || totalSteps <= warmupSteps) {
    throw new RangeError(
      `totalSteps must be an integer greater than warmupSteps (${warmupSteps}), got ${totalSteps}`,
    );
  }
  return (step) => {
    checkStep(step);
    if (step <= warmupSteps) return (peak * step) / warmupSteps;
    if (step >= totalSteps) return minLearningRate;
    const progress = (step - warmupSteps) / (totalSteps - warmupSteps);
    return minLearningRate + (peak - minLearningRate) * 0.5 * (1 + Math.cos(Math.PI * progress));
  };
}

/** Builds the schedule a config describes. */
export function scheduleFromConfig(config: ScheduleConfig): LearningRateSchedule {
  switch (config.kind) {
    case "constant":
      return constantSchedule(config.learningRate);
    case "warmup-cosine":
      return warmupCosineSchedule(
        config.learningRate,
        config.warmupSteps,
        config.totalSteps,
        config.minLearningRate ?? 0,
      );
    default:
      throw new RangeError(
        `invalid schedule kind ${JSON.stringify((config as { kind: unknown }).kind)}: ` +
          `expected "constant" or "warmup-cosine"`,
      );
  }
}

function checkRate(name: string, value: number): void {
  if (!Number.isFinite(value) || value < 0) {
    throw new RangeError(`${name} must be a finite number >= 0, got ${value}`);
  }
}

function checkStep(step: number): void {
  if (!Number.isInteger(step) || step < 1) {
    throw new RangeError(
      `schedule step must be an integer >= 1 (updates count from 1), got ${step}`,
    );
  }
}
