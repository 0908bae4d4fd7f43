/**
 * Training configs as data: a named set of configs (full-size ones for GPU
 * users and small CPU ones of the same shape) and validation of user-given
 * JSON with errors that name the field, the value and the fix.
 *
 * Loss weights, optimizer and EMA settings are those of every released WeTok
 * config (arXiv 2508.05599, official code). Batch sizes and step counts of the
 * full-size runs are not stated in the paper's abstract or code configs we could read.
 */
import type { ScheduleConfig } from "./schedule.ts";

/** One of the two training stages. */
export interface StageConfig {
  /** Number of updates in the stage; 0 skips it. */
  steps: number;
  /** Learning rate of the generator's Adam in this stage. */
  schedule: ScheduleConfig;
  /** Whether the discriminator trains and the generator receives the adversarial loss. */
  adversarial: boolean;
}

/** Loss weights; each term of the generator and discriminator objectives is multiplied by one. */
export interface LossWeights {
  /** Reconstruction (L1) weight (official 1.0). */
  reconstruction: number;
  /** Perceptual (LPIPS-VGG in the official code) weight (official 1.0); needs a feature network when > 0. */
  perceptual: number;
  /**
   * Non-saturating generator adversarial weight (official 0.1), or "adaptive" for
   * the VQGAN ratio of gradient norms at the decoder's last layer, times 0.8.
   */
  generatorAdversarial: number | "adaptive";
  /** LeCam regulariser weight in the discriminator loss (official 0.05). */
  lecam: number;
  /** Weights of the quantizer's loss terms by term name (official: commitment 0.25, entropy 0.1). */
  quantizer: Record<string, number>;
}

/** A complete training run. */
export interface TrainConfig {
  /** Run name, used in logs. */
  name: string;
  /** Name of the network config in `lib/nn` (`findConfig`), such as "CR24" or "CR24-small". */
  network: string;
  /** Quantizer kind; its groups come from the network config. */
  quantizer: QuantizerChoice;
  /** Seed of every random stream of the run: initialisation, data order, crops and noise. */
  seed: number;
  /** Images per update. */
  batchSize: number;
  /** Side of the square training crops, in pixels; a multiple of the network's downsampling factor. */
  cropSize: number;
  /** Training images: a corpus set name of `lib/data` (such as "ci") or a folder path. */
  data: string;
  /** Stage 1: encoder, quantizer and deterministic decoder. */
  stage1: StageConfig;
  /** Stage 2: generative decoder with encoder and quantizer frozen. */
  stage2: StageConfig;
  /** Loss weights. */
  weights: LossWeights;
  /** Adam betas and epsilon, shared by generator and discriminator. */
  adam: { beta1: number; beta2: number; epsilon: number };
  /** Learning rate of the discriminator's Adam (it trains across both stages). */
  discriminatorSchedule: ScheduleConfig;
  /** Decay of the EMA of the generator weights used for evaluation (official 0.999). */
  emaDecay: number;
  /** Decay of the running means of the logits in the LeCam regulariser (official 0.999). */
  lecamDecay: number;
  /** Updates between checkpoints; a checkpoint is also written at the end of each stage. */
  checkpointEvery: number;
  /** Number of most recent checkpoints kept on disk. */
  keepCheckpoints: number;
  /** Updates between two lines of the metrics log. */
  logEvery: number;
}

/**
 * Quantizer the trainer builds: GQ (the paper's), LFQ and BSQ by name, or FSQ
 * and VQ with their settings. The sign quantizers and VQ use the network's
 * `zChannels` as latent channels, and FSQ needs one level per channel.
 */
export type QuantizerChoice = "gq" | "lfq" | "bsq" | FsqChoice | VqChoice;

/** Finite scalar quantization (Mentzer et al. 2023, arXiv 2309.15505). */
export interface FsqChoice {
  kind: "fsq";
  /** Levels per latent channel, each an integer >= 2, for example [8, 8, 8, 5, 5, 5]. */
  levels: number[];
}

/**
 * Vector quantization with a learned codebook (van den Oord et al. 2017). The
 * codebook and commitment terms are weighted by `weights.quantizer.codebook`
 * (default 1) and `weights.quantizer.commitment` (default 0.25).
 */
export interface VqChoice {
  kind: "vq";
  /** Codewords `K`, an integer in [2, 2^24]. */
  codebookSize: number;
}

/** Maximum VQ codebook size the config accepts (2^24 codewords). */
export const MAX_VQ_CODEBOOK_SIZE = 2 ** 24;

/** Returns the kind name of a quantizer choice, such as "gq" or "vq". */
export function quantizerKind(choice: QuantizerChoice): "gq" | "lfq" | "bsq" | "fsq" | "vq" {
  return typeof choice === "string" ? choice : choice.kind;
}

/** Fields that may change between a checkpoint and the run resuming it. */
export const RESUMABLE_FIELDS: readonly string[] = [
  "checkpointEvery",
  "keepCheckpoints",
  "logEvery",
];

/** Defaults of every config: the official WeTok hyperparameters where they are known. */
export const DEFAULT_TRAIN_CONFIG: TrainConfig = {
  name: "run",
  network: "CR24-small",
  quantizer: "gq",
  seed: 0,
  batchSize: 8,
  cropSize: 256,
  data: "ci",
  stage1: { steps: 1000, schedule: { kind: "constant", learningRate: 1e-4 }, adversarial: true },
  stage2: { steps: 0, schedule: { kind: "constant", learningRate: 1e-4 }, adversarial: true },
  weights: {
    reconstruction: 1.0,
    perceptual: 1.0,
    generatorAdversarial: 0.1,
    lecam: 0.05,
    // The VQ codebook term is 0 for the sign quantizers; weight 1 is the usual VQ-VAE choice.
    quantizer: { commitment: 0.25, entropy: 0.1, codebook: 1.0 },
  },
  adam: { beta1: 0.5, beta2: 0.9, epsilon: 1e-8 },
  discriminatorSchedule: { kind: "constant", learningRate: 1e-4 },
  emaDecay: 0.999,
  lecamDecay: 0.999,
  checkpointEvery: 500,
  keepCheckpoints: 3,
  logEvery: 10,
};

/**
 * Named configs. The `cr*` ones use the released network shapes at 256x256
 * crops; `small*` ones are CPU-sized networks of the same structure.
 */
export const TRAIN_CONFIGS: Readonly<Record<string, DeepPartial<TrainConfig>>> = {
  // NOTE: batch sizes and step counts of the full-size runs are placeholders, not the
  // official ones (unknown); the loss weights and optimizer settings are official.
  cr24: { name: "cr24", network: "CR24", batchSize: 8, stage1: { steps: 250_000 } },
  cr48: { name: "cr48", network: "CR48", batchSize: 8, stage1: { steps: 250_000 } },
  cr192: { name: "cr192", network: "CR192", batchSize: 8, stage1: { steps: 250_000 } },
  cr768: {
    name: "cr768",
    network: "CR768",
    batchSize: 8,
    stage1: { steps: 250_000 },
    stage2: { steps: 50_000 },
  },
  // CPU reference: both stages, no perceptual term (no feature network ships with the
  // project), a faster learning rate and EMA so that a few hundred updates show progress.
  small: {
    name: "small",
    network: "CR24-small",
    batchSize: 8,
    cropSize: 32,
    stage1: { steps: 300, schedule: { kind: "constant", learningRate: 1e-3 }, adversarial: false },
    stage2: { steps: 100, schedule: { kind: "constant", learningRate: 1e-3 }, adversarial: true },
    weights: { perceptual: 0 },
    discriminatorSchedule: { kind: "constant", learningRate: 1e-3 },
    emaDecay: 0.99,
    checkpointEvery: 50,
  },
};

/** Recursively optional version of `T`, for overrides. */
export type DeepPartial<T> = {
  [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K];
};

/**
 * Returns the defaults merged with a named config and then with `overrides`,
 * validated.
 *
 * @throws RangeError for an unknown name, listing the known ones.
 */
export function namedTrainConfig(name: string, overrides: unknown = {}): TrainConfig {
  const preset = TRAIN_CONFIGS[name];
  if (preset === undefined) {
    throw new RangeError(
      `unknown training config "${name}": expected one of ${
        Object.keys(TRAIN_CONFIGS).join(", ")
      } ` +
        "or a path to a JSON file",
    );
  }
  return mergeTrainConfig(parseTrainConfig({ extends: name }), overrides);
}

/**
 * Parses a user-given config object (from JSON): merges it over the named
 * config in its `extends` field, or over the defaults, and validates the result.
 *
 * @throws RangeError naming the first invalid or unknown field, its value and the fix.
 */
export function parseTrainConfig(value: unknown): TrainConfig {
  if (!isRecord(value)) {
    throw new RangeError(`a training config must be a JSON object, got ${describe(value)}`);
  }
  const { extends: base, ...rest } = value;
  let start: unknown = DEFAULT_TRAIN_CONFIG;
  if (base !== undefined) {
    if (typeof base !== "string" || !(base in TRAIN_CONFIGS)) {
      throw new RangeError(
        `invalid extends ${describe(base)}: expected one of ${
          Object.keys(TRAIN_CONFIGS).join(", ")
        }`,
      );
    }
    start = mergeDeep(DEFAULT_TRAIN_CONFIG, TRAIN_CONFIGS[base], "");
  }
  const config = mergeDeep(start, rest, "") as TrainConfig;
  validateTrainConfig(config);
  return config;
}

/**
 * Returns `base` with `overrides` merged in key by key, validated. Use it for
 * command-line or test overrides of a parsed config.
 *
 * @throws RangeError naming an unknown or invalid field.
 */
export function mergeTrainConfig(base: TrainConfig, overrides: unknown): TrainConfig {
  const config = mergeDeep(base, overrides, "") as TrainConfig;
  validateTrainConfig(config);
  return config;
}

/**
 * Checks every field of a complete config.
 *
 * @param knownNetworks network config names to accept; when given, `network` must be one of them.
 * @throws RangeError naming the field, its value and the fix.
 */
export function validateTrainConfig(config: TrainConfig, knownNetworks?: readonly string[]): void {
  requireString(config.name, "name");
  requireString(config.network, "network");
  if (knownNetworks !== undefined && !knownNetworks.includes(config.network)) {
    throw new RangeError(
      `invalid network "${config.network}": expected one of ${knownNetworks.join(", ")}`,
    );
  }

  requireInteger(config.seed, "seed", 0);
  requireInteger(config.batchSize, "batchSize", 1);
  requireInteger(config.cropSize, "cropSize", 1);
  requireString(config.data, "data");
  validateQuantizerChoice(config.quantizer);

  for (const stage of ["stage1", "stage2"] as const) {
    const s = config[stage];
    requireInteger(s.steps, `${stage}.steps`, 0);
    validateSchedule(s.schedule, `${stage}.schedule`);
    if (typeof s.adversarial !== "boolean") {
      throw new RangeError(
        `invalid ${stage}.adversarial ${describe(s.adversarial)}: expected true or false`,
      );
    }
  }
  if (config.stage1.steps + config.stage2.steps === 0) {
    throw new RangeError(
      "stage1.steps and stage2.steps are both 0: set at least one to a positive integer",
    );
  }

  const w = config.weights;
  for (const key of ["reconstruction", "perceptual", "lecam"] as const) {
    requireNonNegative(w[key], `weights.${key}`);
  }
  if (w.generatorAdversarial !== "adaptive") {
    const value = w.generatorAdversarial;
    if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
      throw new RangeError(
        `invalid weights.generatorAdversarial ${
          describe(value)
        }: expected a finite number >= 0 or "adaptive"`,
      );
    }
  }
  if (!isRecord(w.quantizer)) {
    throw new RangeError(
      `invalid weights.quantizer ${describe(w.quantizer)}: expected an object of term weights`,
    );
  }
  for (const [term, weight] of Object.entries(w.quantizer)) {
    requireNonNegative(weight as number, `weights.quantizer.${term}`);
  }

  for (const key of ["beta1", "beta2"] as const) {
    const beta = config.adam[key];
    if (typeof beta !== "number" || !(beta >= 0 && beta < 1)) {
      throw new RangeError(`invalid adam.${key} ${describe(beta)}: expected a number in [0, 1)`);
    }
  }
  if (typeof config.adam.epsilon !== "number" || !(config.adam.epsilon > 0)) {
    throw new RangeError(
      `invalid adam.epsilon ${describe(config.adam.epsilon)}: expected a number > 0`,
    );
  }

  validateSchedule(config.discriminatorSchedule, "discriminatorSchedule");
  for (const key of ["emaDecay", "lecamDecay"] as const) {
    const decay = config[key];
    if (typeof decay !== "number" || !(decay >= 0 && decay < 1)) {
      throw new RangeError(`invalid ${key} ${describe(decay)}: expected a number in [0, 1)`);
    }
  }

  requireInteger(config.checkpointEvery, "checkpointEvery", 1);
  requireInteger(config.keepCheckpoints, "keepCheckpoints", 1);
  requireInteger(config.logEvery, "logEvery", 1);
}

/**
 * Lists the fields (dotted paths) whose values differ between two configs,
 * ignoring {@link RESUMABLE_FIELDS}.
 */
export function differingFields(a: TrainConfig, b: TrainConfig): string[] {
  const out: string[] = [];
  const walk = (x: unknown, y: unknown, path: string) => {
    if (RESUMABLE_FIELDS.includes(path)) return;
    if (isRecord(x) && isRecord(y)) {
      const keys = new Set([...Object.keys(x), ...Object.keys(y)]);
      for (const key of [...keys].sort()) walk(x[key], y[key], path ? `${path}.${key}` : key);
      return;
    }
    if (JSON.stringify(x) !== JSON.stringify(y)) out.push(path);
  };
  walk(a, b, "");
  return out;
}

/** Returns the value at a dotted path, for error messages. */
export function fieldValue(config: TrainConfig, path: string): unknown {
  let value: unknown = config;
  for (const key of path.split(".")) value = isRecord(value) ? value[key] : undefined;
  return value;
}

/**
 * Checks a quantizer choice: a name of a sign quantizer, `{kind: "fsq", levels}`
 * or `{kind: "vq", codebookSize}`.
 *
 * @throws RangeError naming the invalid value and the fix.
 */
export function validateQuantizerChoice(choice: unknown): asserts choice is QuantizerChoice {
  if (choice === "gq" || choice === "lfq" || choice === "bsq") return;
  const expected = `expected "gq", "lfq", "bsq", {"kind": "fsq", "levels": [...]} ` +
    `or {"kind": "vq", "codebookSize": K}`;
  if (!isRecord(choice)) {
    throw new RangeError(`invalid quantizer ${describe(choice)}: ${expected}`);
  }
  if (choice.kind === "fsq") {
    const unknown = Object.keys(choice).filter((key) => key !== "kind" && key !== "levels");
    if (unknown.length > 0) {
      throw new RangeError(
        `invalid quantizer field "quantizer.${unknown[0]}": FSQ takes only "kind" and "levels"`,
      );
    }
    const levels = choice.levels;
    if (!Array.isArray(levels) || levels.length === 0) {
      throw new RangeError(
        `invalid quantizer.levels ${describe(levels)}: ` +
          "expected a non-empty list of integers >= 2, one per latent channel, such as [8, 8, 8, 5, 5, 5]",
      );
    }
    levels.forEach((level, i) => {
      if (typeof level !== "number" || !Number.isInteger(level) || level < 2) {
        throw new RangeError(
          `invalid quantizer.levels[${i}] ${describe(level)}: every FSQ level must be an integer >= 2`,
        );
      }
    });
    return;
  }
  if (choice.kind === "vq") {
    const unknown = Object.keys(choice).filter((key) => key !== "kind" && key !== "codebookSize");
    if (unknown.length > 0) {
      throw new RangeError(
        `invalid quantizer field "quantizer.${unknown[0]}": VQ takes only "kind" and "codebookSize"; ` +
          "set the loss weights in weights.quantizer.codebook and weights.quantizer.commitment",
      );
    }
    const size = choice.codebookSize;
    if (
      typeof size !== "number" || !Number.isInteger(size) || size < 2 ||
      size > MAX_VQ_CODEBOOK_SIZE
    ) {
      throw new RangeError(
        `invalid quantizer.codebookSize ${describe(size)}: ` +
          `expected an integer in [2, ${MAX_VQ_CODEBOOK_SIZE}], such as 4096`,
      );
    }
    return;
  }
  throw new RangeError(`invalid quantizer ${describe(choice)}: ${expected}`);
}

function validateSchedule(schedule: ScheduleConfig, path: string): void {
  if (!isRecord(schedule)) {
    throw new RangeError(`invalid ${path} ${describe(schedule)}: expected an object with a "kind"`);
  }
  requireNonNegative(schedule.learningRate, `${path}.learningRate`);
  if (schedule.kind === "constant") return;
  if (schedule.kind === "warmup-cosine") {
    requireInteger(schedule.warmupSteps, `${path}.warmupSteps`, 0);
    requireInteger(schedule.totalSteps, `${path}.totalSteps`, schedule.warmupSteps + 1);
    if (schedule.minLearningRate !== undefined) {
      requireNonNegative(schedule.minLearningRate, `${path}.minLearningRate`);
    }
    return;
  }
  throw new RangeError(
    `invalid ${path}.kind ${describe((schedule as { kind: unknown }).kind)}: ` +
      `expected "constant" or "warmup-cosine"`,
  );
}

/**
 * Merges `override` into `base`: objects merge key by key, other values replace.
 * Keys absent from `base` are rejected, except under `weights.quantizer`, whose
 * term names depend on the quantizer.
 */
function mergeDeep(base: unknown, override: unknown, path: string): unknown {
  if (override === undefined) return structuredClone(base);
  if (!isRecord(base) || !isRecord(override)) return structuredClone(override);
  const open = path === "weights.quantizer" || (isRecord(base) && "kind" in base);
  const out: Record<string, unknown> = structuredClone(base);
  for (const [key, value] of Object.entries(override)) {
    const child = path ? `${path}.${key}` : key;
    if (!(key in base) && !open) {
      throw new RangeError(
        `unknown config field "${child}": expected one of ${
          Object.keys(base).map((k) => (path ? `${path}.${k}` : k)).join(", ")
        }`,
      );
    }
    // A schedule of another kind replaces the old one instead of merging into it.
    const replace = isRecord(value) && isRecord(base[key]) && "kind" in value &&
      value.kind !== (base[key] as Record<string, unknown>).kind;
    out[key] = replace ? structuredClone(value) : mergeDeep(base[key], value, child);
  }
  return out;
}

function isRecord(value: unknown): value is Record<string, any> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  return value === undefined ? "(missing)" : JSON.stringify(value);
}

function requireString(value: unknown, path: string): void {
  if (typeof value !== "string" || value.trim() === "") {
    throw new RangeError(`invalid ${path} ${describe(value)}: expected a non-empty string`);
  }
}

function requireInteger(value: unknown, path: string, min: number): void {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min) {
    throw new RangeError(`invalid ${path} ${describe(value)}: expected an integer >= ${min}`);
  }
}

function requireNonNegative(value: unknown, path: string): void {
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    throw new RangeError(`invalid ${path} ${describe(value)}: expected a finite number >= 0`);
  }
}
