/**
 * The resolved configuration of one run, and its validation.
 *
 * Two tasks exist. `train` trains a tokenizer (encoder, quantizer, decoder,
 * optionally the generative decoder of WeTok, arXiv 2508.05599) and evaluates
 * it. `entropy-memory` measures the working memory and time of one
 * codebook-entropy estimator at one codebook size, with no training.
 */
import { describe, type FieldChecker } from "./config_error.ts";

/** Quantizer kinds compared by the quantizer ablation. */
export const QUANTIZER_KINDS = ["lfq", "gq", "bsq", "fsq", "vq"] as const;
/** A quantizer kind. */
export type QuantizerKind = typeof QUANTIZER_KINDS[number];

/** Codebook-entropy estimators, named as in `lib/entropy`. */
export const ENTROPY_METHODS = ["exact", "group-sum", "group-pooled", "bitwise"] as const;
/** A codebook-entropy estimator. */
export type EntropyMethod = typeof ENTROPY_METHODS[number];

/**
 * Evaluation metrics a `train` run can report. `fd-nsfwjs` and
 * `perceptual-nsfwjs` use the InceptionV3 trunk of the nsfwjs npm package
 * (Frechet distance on mixed5 features, and the unweighted LPIPS formula on its
 * layers); they need crops of at least {@link MIN_INCEPTION_CROP} pixels.
 */
export const EVAL_METRICS = [
  "psnr",
  "ssim",
  "lpips",
  "rfid",
  "usage",
  "fd-nsfwjs",
  "perceptual-nsfwjs",
] as const;

/** Smallest crop side (pixels) of the nsfwjs InceptionV3 metrics: its layers need 75. */
export const MIN_INCEPTION_CROP = 75;
/** An evaluation metric. */
export type EvalMetric = typeof EVAL_METRICS[number];

/** Quantizer of a `train` run. */
export interface QuantizerConfig {
  kind: QuantizerKind;
  /** Bits per token `d` (lfq, gq, bsq); for fsq it must equal `log2(prod(levels))` rounded down. */
  bits: number;
  /** Groups `g` (gq: a divisor of `bits`; lfq: 1; bsq: `bits`; fsq, vq: 1). */
  groups: number;
  /** Codebook-entropy estimator (lfq: exact; gq: group-sum or group-pooled; bsq: bitwise). */
  entropyMethod?: EntropyMethod;
  /** Levels per dimension (fsq only), such as [8, 8, 8, 5, 5, 5]. */
  levels?: number[];
  /** Codebook entries (vq only); the bits per token are `log2(codebookSize)`. */
  codebookSize?: number;
}

/** Encoder/decoder shape, with the field names of the official `ddconfig`. */
export interface ArchitectureConfig {
  /** Base channels, a multiple of 32 (the group norms use 32 groups). */
  ch: number;
  /** Channel multiplier per level; the downsampling factor is `2^(chMult.length - 1)`. */
  chMult: number[];
  /** Residual blocks per level. */
  numResBlocks: number;
}

/** Learning-rate schedule of the generator. */
export type ScheduleSpec =
  | { kind: "constant"; learningRate: number }
  | { kind: "warmup-cosine"; learningRate: number; warmupSteps: number; minLearningRate?: number };

/** Training data and evaluation images. */
export interface DataConfig {
  /** Corpus set name of `lib/data` (such as "ci") or a folder path. */
  set: string;
  /** Side of the square training crops in pixels, a multiple of the downsampling factor. */
  cropSize: number;
  /** Held-out images evaluated after training. */
  evalImages: number;
}

/** Evaluation after training. */
export interface EvalConfig {
  metrics: EvalMetric[];
  /** Measure decoding time per image, in milliseconds (default false). */
  decodeTiming?: boolean;
  /** Decode the same tokens with this many noise draws and report their spread (default 0: off). */
  noiseSamples?: number;
  /** Repeat encode-decode this many rounds and report PSNR per round (default 0: off). */
  encodeDecodeRounds?: number;
}

/**
 * Weights of the quantizer's loss terms in the generator objective. The
 * official WeTok configs (arXiv 2508.05599, official code) use commitment
 * 0.25 and entropy 0.1. The entropy weight scales the codebook-entropy term
 * of the sign quantizers (gq, lfq, bsq) and FSQ has neither term. VQ uses the
 * commitment weight and keeps its codebook term at weight 1.
 */
export interface QuantizerLossWeights {
  /** Weight of the commitment term, a finite number >= 0 (default 0.25). */
  commitment: number;
  /** Weight of the codebook-entropy term, a finite number >= 0 (default 0.1). */
  entropy: number;
}

/** The official quantizer loss weights: commitment 0.25, entropy 0.1. */
export const OFFICIAL_QUANTIZER_LOSS_WEIGHTS: Readonly<QuantizerLossWeights> = Object.freeze({
  commitment: 0.25,
  entropy: 0.1,
});

/** A `train` run. */
export interface TrainRunConfig {
  task: "train";
  quantizer: QuantizerConfig;
  architecture: ArchitectureConfig;
  schedule: ScheduleSpec;
  /** Updates of stage 1 (reconstruction) and stage 2 (generative decoder; 0 turns it off). */
  stages: { stage1Steps: number; stage2Steps: number };
  data: DataConfig;
  /** Images per update. */
  batchSize: number;
  /** Seed of every random stream of the run. */
  seed: number;
  eval: EvalConfig;
  /**
   * Quantizer loss weights. `validateRunConfig` always sets them, filling each
   * missing weight with the official one, so they are part of every run id.
   * A config built in code may leave them out to get the official weights.
   */
  quantizerLossWeights?: QuantizerLossWeights;
}

/** An `entropy-memory` run: one estimator at one codebook size. */
export interface EntropyMemoryRunConfig {
  task: "entropy-memory";
  method: EntropyMethod;
  /** Bits per token `d`. */
  bits: number;
  /** Groups `g`, a divisor of `bits` (1 for exact, `bits` for bitwise). */
  groups: number;
  /** Tokens per batch `N`. */
  tokens: number;
  /** Working-memory budget in bytes; a larger need is reported as out of memory, not run. */
  maxBytes: number;
  /** Timed repetitions of the forward and backward pass. */
  repeats: number;
  seed: number;
}

/** The resolved configuration of one run. */
export type RunConfig = TrainRunConfig | EntropyMemoryRunConfig;

/** Task names. */
export const TASKS = ["train", "entropy-memory"] as const;
/** A task name. */
export type Task = typeof TASKS[number];

/**
 * Validates a resolved run config and returns it typed.
 * @param field Path of the run in its file, such as `runs[3] (scale cpu)`, for messages.
 * @throws ConfigError naming the file, the field path, the value and the fix.
 */
export function validateRunConfig(value: unknown, check: FieldChecker, field: string): RunConfig {
  const run = check.object(value, field);
  const task = check.oneOf(run.task, `${field}.task`, TASKS);
  return task === "train"
    ? validateTrainRun(run, check, field)
    : validateEntropyMemoryRun(run, check, field);
}

function validateTrainRun(
  run: Record<string, unknown>,
  check: FieldChecker,
  field: string,
): TrainRunConfig {
  check.keys(run, field, [
    "task",
    "quantizer",
    "architecture",
    "schedule",
    "stages",
    "data",
    "batchSize",
    "seed",
    "eval",
    "quantizerLossWeights",
  ]);
  const quantizer = validateQuantizer(run.quantizer, check, `${field}.quantizer`);
  const architecture = validateArchitecture(run.architecture, check, `${field}.architecture`);
  const schedule = validateSchedule(run.schedule, check, `${field}.schedule`);

  const stagesField = `${field}.stages`;
  const stages = check.object(run.stages, stagesField);
  check.keys(stages, stagesField, ["stage1Steps", "stage2Steps"]);
  const stage1Steps = check.integer(stages.stage1Steps, `${stagesField}.stage1Steps`, 1);
  const stage2Steps = check.integer(stages.stage2Steps, `${stagesField}.stage2Steps`, 0);
  if (schedule.kind === "warmup-cosine" && schedule.warmupSteps >= stage1Steps) {
    check.fail(
      `${field}.schedule.warmupSteps`,
      `invalid value ${schedule.warmupSteps}: warm-up must be shorter than stage1Steps (${stage1Steps})`,
    );
  }

  const dataField = `${field}.data`;
  const data = check.object(run.data, dataField);
  check.keys(data, dataField, ["set", "cropSize", "evalImages"]);
  const factor = 2 ** (architecture.chMult.length - 1);
  const cropSize = check.integer(data.cropSize, `${dataField}.cropSize`, factor);
  if (cropSize % factor !== 0) {
    check.fail(
      `${dataField}.cropSize`,
      `invalid value ${cropSize}: must be a multiple of the downsampling factor ${factor} ` +
        `(2^(chMult.length - 1))`,
    );
  }

  const evalField = `${field}.eval`;
  const evaluation = check.object(run.eval, evalField);
  check.keys(evaluation, evalField, [
    "metrics",
    "decodeTiming",
    "noiseSamples",
    "encodeDecodeRounds",
  ]);
  const metrics = check.array(evaluation.metrics, `${evalField}.metrics`)
    .map((m, i) => check.oneOf(m, `${evalField}.metrics[${i}]`, EVAL_METRICS));
  const inceptionMetrics = metrics.filter((m) => m.endsWith("-nsfwjs"));
  if (inceptionMetrics.length > 0 && cropSize < MIN_INCEPTION_CROP) {
    check.fail(
      `${evalField}.metrics`,
      `invalid metric ${inceptionMetrics[0]} at ${dataField}.cropSize ${cropSize}: ` +
        `InceptionV3 needs crops of at least ${MIN_INCEPTION_CROP} pixels; ` +
        `raise cropSize or drop the metric`,
    );
  }
  if (evaluation.decodeTiming !== undefined && typeof evaluation.decodeTiming !== "boolean") {
    check.fail(`${evalField}.decodeTiming`, `expected true or false`);
  }
  const noiseSamples = evaluation.noiseSamples === undefined
    ? undefined
    : check.integer(evaluation.noiseSamples, `${evalField}.noiseSamples`, 0);
  if (noiseSamples !== undefined && noiseSamples > 0 && stage2Steps === 0) {
    check.fail(
      `${evalField}.noiseSamples`,
      `invalid value ${noiseSamples}: noise samples need the generative decoder; set stages.stage2Steps > 0 or noiseSamples to 0`,
    );
  }
  const rounds = evaluation.encodeDecodeRounds === undefined
    ? undefined
    : check.integer(evaluation.encodeDecodeRounds, `${evalField}.encodeDecodeRounds`, 0);

  const quantizerLossWeights = validateQuantizerLossWeights(
    run.quantizerLossWeights,
    check,
    `${field}.quantizerLossWeights`,
  );

  return {
    task: "train",
    quantizer,
    architecture,
    schedule,
    stages: { stage1Steps, stage2Steps },
    data: {
      set: check.string(data.set, `${dataField}.set`),
      cropSize,
      evalImages: check.integer(data.evalImages, `${dataField}.evalImages`, 1),
    },
    batchSize: check.integer(run.batchSize, `${field}.batchSize`, 1),
    seed: check.integer(run.seed, `${field}.seed`, 0, 2 ** 32 - 1),
    eval: {
      metrics,
      ...(evaluation.decodeTiming !== undefined
        ? { decodeTiming: evaluation.decodeTiming as boolean }
        : {}),
      ...(noiseSamples !== undefined ? { noiseSamples } : {}),
      ...(rounds !== undefined ? { encodeDecodeRounds: rounds } : {}),
    },
    quantizerLossWeights,
  };
}

/** Validates the quantizer loss weights, filling a missing object or weight with the official one. */
function validateQuantizerLossWeights(
  value: unknown,
  check: FieldChecker,
  field: string,
): QuantizerLossWeights {
  if (value === undefined) return { ...OFFICIAL_QUANTIZER_LOSS_WEIGHTS };
  const weights = check.object(value, field);
  check.keys(weights, field, ["commitment", "entropy"]);
  const weight = (key: keyof QuantizerLossWeights): number => {
    const w = weights[key];
    if (w === undefined) return OFFICIAL_QUANTIZER_LOSS_WEIGHTS[key];
    if (typeof w !== "number" || !Number.isFinite(w) || w < 0) {
      check.fail(
        `${field}.${key}`,
        `invalid value ${describe(w)}: expected a finite number >= 0 ` +
          `(official ${OFFICIAL_QUANTIZER_LOSS_WEIGHTS[key]}; 0 turns the term off)`,
      );
    }
    return w;
  };
  return { commitment: weight("commitment"), entropy: weight("entropy") };
}

function validateQuantizer(value: unknown, check: FieldChecker, field: string): QuantizerConfig {
  const q = check.object(value, field);
  check.keys(q, field, ["kind", "bits", "groups", "entropyMethod", "levels", "codebookSize"]);
  const kind = check.oneOf(q.kind, `${field}.kind`, QUANTIZER_KINDS);
  const bits = check.integer(q.bits, `${field}.bits`, 1, 64);
  const groups = check.integer(q.groups, `${field}.groups`, 1, 64);
  const method = q.entropyMethod === undefined
    ? undefined
    : check.oneOf(q.entropyMethod, `${field}.entropyMethod`, ENTROPY_METHODS);
  const result: QuantizerConfig = { kind, bits, groups };
  if (method !== undefined) result.entropyMethod = method;

  if (bits % groups !== 0) {
    check.fail(
      `${field}.groups`,
      `invalid value ${groups}: does not divide bits = ${bits}; choose a divisor of ${bits}`,
    );
  }
  const expectGroups = (expected: number, why: string) => {
    if (groups !== expected) {
      check.fail(
        `${field}.groups`,
        `invalid value ${groups}: ${why}, so set groups to ${expected}`,
      );
    }
  };
  const allowMethods = (allowed: EntropyMethod[]) => {
    if (method !== undefined && !allowed.includes(method)) {
      check.fail(
        `${field}.entropyMethod`,
        `invalid value "${method}" for ${kind}: expected one of ${allowed.join(", ")}`,
      );
    }
  };
  const forbid = (key: "levels" | "codebookSize") => {
    if (q[key] !== undefined) check.fail(`${field}.${key}`, `not used by ${kind}; remove it`);
  };

  switch (kind) {
    case "lfq":
      expectGroups(1, "LFQ is one group over all bits");
      allowMethods(["exact"]);
      forbid("levels");
      forbid("codebookSize");
      break;
    case "gq":
      allowMethods(["group-sum", "group-pooled", "exact"]);
      forbid("levels");
      forbid("codebookSize");
      break;
    case "bsq":
      expectGroups(bits, "BSQ treats every bit as its own group");
      allowMethods(["bitwise"]);
      forbid("levels");
      forbid("codebookSize");
      break;
    case "fsq": {
      expectGroups(1, "FSQ has no groups");
      forbid("codebookSize");
      const levels = check.array(q.levels, `${field}.levels`)
        .map((l, i) => check.integer(l, `${field}.levels[${i}]`, 2, 2 ** 16));
      const fsqBits = Math.floor(Math.log2(levels.reduce((a, b) => a * b, 1)));
      if (fsqBits !== bits) {
        check.fail(
          `${field}.bits`,
          `invalid value ${bits}: levels [${levels}] give floor(log2(product)) = ${fsqBits} bits; set bits to ${fsqBits}`,
        );
      }
      result.levels = levels;
      break;
    }
    case "vq": {
      expectGroups(1, "VQ has no groups");
      forbid("levels");
      const size = check.integer(q.codebookSize, `${field}.codebookSize`, 2, 2 ** 24);
      if (2 ** bits !== size) {
        check.fail(
          `${field}.bits`,
          `invalid value ${bits}: codebookSize ${size} needs bits = log2(${size}); use a power of two and matching bits`,
        );
      }
      result.codebookSize = size;
      break;
    }
  }
  return result;
}

function validateArchitecture(
  value: unknown,
  check: FieldChecker,
  field: string,
): ArchitectureConfig {
  const a = check.object(value, field);
  check.keys(a, field, ["ch", "chMult", "numResBlocks"]);
  const ch = check.integer(a.ch, `${field}.ch`, 32);
  if (ch % 32 !== 0) {
    check.fail(
      `${field}.ch`,
      `invalid value ${ch}: the group norms use 32 groups, so use a multiple of 32`,
    );
  }
  const chMult = check.array(a.chMult, `${field}.chMult`).map((m, i) =>
    check.integer(m, `${field}.chMult[${i}]`, 1, 64)
  );
  return {
    ch,
    chMult,
    numResBlocks: check.integer(a.numResBlocks, `${field}.numResBlocks`, 1, 64),
  };
}

function validateSchedule(value: unknown, check: FieldChecker, field: string): ScheduleSpec {
  const s = check.object(value, field);
  const kind = check.oneOf(s.kind, `${field}.kind`, ["constant", "warmup-cosine"] as const);
  const learningRate = check.positive(s.learningRate, `${field}.learningRate`);
  if (kind === "constant") {
    check.keys(s, field, ["kind", "learningRate"]);
    return { kind, learningRate };
  }
  check.keys(s, field, ["kind", "learningRate", "warmupSteps", "minLearningRate"]);
  const warmupSteps = check.integer(s.warmupSteps, `${field}.warmupSteps`, 0);
  const spec: ScheduleSpec = { kind, learningRate, warmupSteps };
  if (s.minLearningRate !== undefined) {
    if (
      typeof s.minLearningRate !== "number" ||
      !(s.minLearningRate >= 0 && s.minLearningRate <= learningRate)
    ) {
      check.fail(
        `${field}.minLearningRate`,
        `invalid value ${s.minLearningRate}: expected a number from 0 to learningRate (${learningRate})`,
      );
    }
    spec.minLearningRate = s.minLearningRate as number;
  }
  return spec;
}

function validateEntropyMemoryRun(
  run: Record<string, unknown>,
  check: FieldChecker,
  field: string,
): EntropyMemoryRunConfig {
  check.keys(run, field, [
    "task",
    "method",
    "bits",
    "groups",
    "tokens",
    "maxBytes",
    "repeats",
    "seed",
  ]);
  const method = check.oneOf(run.method, `${field}.method`, ENTROPY_METHODS);
  const bits = check.integer(run.bits, `${field}.bits`, 1, 64);
  const groups = check.integer(run.groups, `${field}.groups`, 1, 64);
  if (bits % groups !== 0) {
    check.fail(
      `${field}.groups`,
      `invalid value ${groups}: does not divide bits = ${bits}; choose a divisor of ${bits}`,
    );
  }
  if (method === "exact" && groups !== 1) {
    check.fail(
      `${field}.groups`,
      `invalid value ${groups}: the exact estimator has one group, so set groups to 1`,
    );
  }
  if (method === "bitwise" && groups !== bits) {
    check.fail(
      `${field}.groups`,
      `invalid value ${groups}: the bitwise estimator has one group per bit, so set groups to ${bits}`,
    );
  }
  return {
    task: "entropy-memory",
    method,
    bits,
    groups,
    tokens: check.integer(run.tokens, `${field}.tokens`, 1),
    maxBytes: check.integer(run.maxBytes, `${field}.maxBytes`, 1),
    repeats: check.integer(run.repeats, `${field}.repeats`, 1, 1000),
    seed: check.integer(run.seed, `${field}.seed`, 0, 2 ** 32 - 1),
  };
}
