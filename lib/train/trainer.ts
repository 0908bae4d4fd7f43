/**
 * The two-stage WeTok trainer (arXiv 2508.05599), readable top to bottom.
 *
 * Stage 1 trains encoder, quantizer and deterministic decoder on
 * reconstruction, perceptual and quantizer losses (and optionally the GAN
 * loss). Stage 2 widens the decoder's first conv for the noise channels,
 * freezes encoder and quantizer, and trains the generative decoder with
 * reconstruction, perceptual and GAN losses while the discriminator keeps
 * training with hinge loss and LeCam.
 *
 * Each update draws a batch from the data stream (and noise from the noise
 * stream in stage 2) and computes the generator objective and its gradients.
 * It checks that every term is finite, applies Adam and updates the EMA. When
 * the stage is adversarial, the discriminator then does the same. The run writes a checkpoint
 * every `checkpointEvery` updates and at the end of each stage, and a killed
 * run resumes from the last checkpoint with the same loss curve.
 */
import { join } from "node:path";
import { Rng, type RngState, tf } from "../engine/mod.ts";
import { log } from "../io/log.ts";
import { adaptiveGanWeightAt } from "../loss/mod.ts";
import { Progress } from "../io/progress.ts";
import { Adam, type AdamState } from "./adam.ts";
import {
  type CheckpointData,
  type CheckpointTensor,
  latestCheckpoint,
  loadCheckpoint,
  saveCheckpoint,
} from "./checkpoint.ts";
import {
  differingFields,
  fieldValue,
  type StageConfig,
  type TrainConfig,
  validateTrainConfig,
} from "./config.ts";
import { Ema, type EmaState } from "./ema.ts";
import { MetricsLog, type MetricsRecord } from "./metrics_log.ts";
import type {
  NamedVariables,
  TrainableDiscriminator,
  TrainableTokenizer,
  TrainData,
  TrainLosses,
} from "./model.ts";
import {
  discriminatorObjective,
  type ObjectiveContext,
  stage1Objective,
  stage2Objective,
} from "./objectives.ts";
import { type LearningRateSchedule, scheduleFromConfig } from "./schedule.ts";

/** Initial value of the LeCam running means of the real and fake logits. */
// NOTE: the official initial value is unknown; 0 is also the start of lib/loss's LecamEma.
export const LECAM_EMA_INIT = 0;

/** Everything the trainer trains and reads. */
export interface TrainComponents {
  tokenizer: TrainableTokenizer;
  /** Required when either stage is adversarial. */
  discriminator: TrainableDiscriminator | null;
  losses: TrainLosses;
  data: TrainData;
}

/** Options of {@link Trainer.create}. */
export interface TrainerOptions {
  /** Folder for checkpoints and `metrics.jsonl`; created when missing. */
  runDir: string;
  /** Minimum milliseconds between two progress lines (default 10,000). */
  progressIntervalMs?: number;
}

/** Seeded streams of a run, all derived from `config.seed`. */
export interface RunStreams {
  /** Initial weights of the tokenizer. */
  init: Rng;
  /** Initial weights of the discriminator. */
  discriminatorInit: Rng;
  /** Batch order and crops. */
  data: Rng;
  /** Noise of the generative decoder in stage 2. */
  noise: Rng;
}

/** Returns the four independent streams of a run with seed `seed`. */
export function runStreams(seed: number): RunStreams {
  const root = new Rng(seed);
  return {
    init: root.fork(),
    discriminatorInit: root.fork(),
    data: root.fork(),
    noise: root.fork(),
  };
}

/** Raised when a loss term is NaN or infinite; the weights are left as they were before that update. */
export class NonFiniteLossError extends Error {
  constructor(readonly step: number, readonly term: string, readonly value: number) {
    super(
      `loss term "${term}" is ${value} at step ${step}; the update was not applied and the run ` +
        "stopped. The last checkpoint holds the last good state; lower the learning rate or " +
        "check the input data before resuming",
    );
    this.name = "NonFiniteLossError";
  }
}

/** Raised when the run folder's checkpoint was written with another config. */
export class ConfigMismatchError extends Error {
  constructor(
    readonly path: string,
    readonly fields: string[],
    saved: TrainConfig,
    current: TrainConfig,
  ) {
    const details = fields
      .map((f) =>
        `${f}: checkpoint ${JSON.stringify(fieldValue(saved, f))}, config ${
          JSON.stringify(fieldValue(current, f))
        }`
      )
      .join("; ");
    super(
      `checkpoint ${path} was written with a different config (${details}); use the same config ` +
        "to resume, or start the run in a new folder",
    );
    this.name = "ConfigMismatchError";
  }
}

/** Summary returned by {@link Trainer.run}. */
export interface TrainSummary {
  /** Updates completed in total (resumed ones included). */
  step: number;
  /** Updates done by this call. */
  updates: number;
  /** Images per second over this call. */
  imagesPerSecond: number;
  /** The last logged record. */
  last: MetricsRecord | null;
}

/** Two-stage trainer over a run folder; see the file header for the update order. */
export class Trainer {
  readonly config: TrainConfig;
  readonly runDir: string;
  readonly components: TrainComponents;
  #streams: { data: Rng; noise: Rng };
  #step = 0;
  #stage: 1 | 2 = 1;
  #generatorAdam!: Adam;
  #discriminatorAdam: Adam | null = null;
  #ema!: Ema;
  #lecam = { real: LECAM_EMA_INIT, fake: LECAM_EMA_INIT };
  #metrics: MetricsLog;
  #progressIntervalMs: number;

  private constructor(config: TrainConfig, components: TrainComponents, options: TrainerOptions) {
    this.config = config;
    this.components = components;
    this.runDir = options.runDir;
    const streams = runStreams(config.seed);
    this.#streams = { data: streams.data, noise: streams.noise };
    this.#metrics = new MetricsLog(join(options.runDir, "metrics.jsonl"));
    this.#progressIntervalMs = options.progressIntervalMs ?? 10_000;
  }

  /**
   * Builds a trainer and, when the run folder contains a checkpoint, restores the
   * whole run state from the newest one.
   *
   * @throws ConfigMismatchError when that checkpoint's config differs in a field
   *   other than the checkpoint and logging intervals.
   */
  static async create(
    config: TrainConfig,
    components: TrainComponents,
    options: TrainerOptions,
  ): Promise<Trainer> {
    validateTrainConfig(config);
    const adversarial = config.stage1.adversarial || config.stage2.adversarial;
    if (adversarial && components.discriminator === null) {
      throw new Error(
        `config "${config.name}" has an adversarial stage but no discriminator was given`,
      );
    }
    await Deno.mkdir(options.runDir, { recursive: true });
    const trainer = new Trainer(config, components, options);
    if (components.discriminator !== null && adversarial) {
      trainer.#discriminatorAdam = new Adam(components.discriminator.parameters(), config.adam);
    }
    const found = await latestCheckpoint(options.runDir);
    if (found === null) {
      trainer.#stage = config.stage1.steps > 0 ? 1 : 2;
      if (trainer.#stage === 2) components.tokenizer.enableNoise();
      trainer.#startStageOptimizers();
      await trainer.#metrics.truncate(null);
      log.info(`train ${config.name}: new run in ${options.runDir}`);
    } else {
      await trainer.#restore(found.path);
      await trainer.#metrics.truncate(trainer.#step);
      log.info(
        `train ${config.name}: resumed from ${found.path} at step ${trainer.#step} (stage ${trainer.#stage})`,
      );
    }
    return trainer;
  }

  /** Updates completed so far. */
  get step(): number {
    return this.#step;
  }

  /** Current stage (1 or 2). */
  get stage(): 1 | 2 {
    return this.#stage;
  }

  /** Total updates of both stages. */
  get totalSteps(): number {
    return this.config.stage1.steps + this.config.stage2.steps;
  }

  /** The EMA of the generator weights, for evaluation with `withAveragedWeights`. */
  get ema(): Ema {
    return this.#ema;
  }

  /**
   * Trains until `untilStep` updates are done (default: the end of stage 2),
   * logging progress and metrics and writing checkpoints.
   *
   * @throws NonFiniteLossError when a loss term is NaN or infinite (no checkpoint is written then).
   */
  async run(untilStep = this.totalSteps): Promise<TrainSummary> {
    const end = Math.min(untilStep, this.totalSteps);
    const startStep = this.#step;
    const progress = new Progress(
      {
        label: `train ${this.config.name}`,
        total: this.totalSteps,
        unit: "step",
        intervalMs: this.#progressIntervalMs,
      },
      startStep,
    );
    const started = performance.now();
    let last: MetricsRecord | null = null;

    log.info(
      `train ${this.config.name}: steps ${
        startStep + 1
      }..${end} of ${this.totalSteps} on ${tf.getBackend()}`,
    );
    try {
      while (this.#step < end) {
        if (this.#stage === 1 && this.#step >= this.config.stage1.steps) this.#enterStage2();
        const record = await this.#update(this.#step + 1);
        this.#step += 1;

        const seconds = (performance.now() - started) / 1000;
        const imagesPerSecond = ((this.#step - startStep) * this.config.batchSize) / seconds;
        if (this.#step % this.config.logEvery === 0 || this.#isStageEnd(this.#step)) {
          last = { ...record, imagesPerSecond };
          await this.#metrics.append(last);
        }
        progress.update(this.#step, `${imagesPerSecond.toFixed(1)} img/s, ${formatTerms(record)}`);

        if (this.#step % this.config.checkpointEvery === 0 || this.#isStageEnd(this.#step)) {
          const path = await saveCheckpoint(
            this.runDir,
            await this.#checkpointData(),
            this.config.keepCheckpoints,
          );
          log.info(`train ${this.config.name}: checkpoint ${path}`);
        }
      }
    } catch (err) {
      log.error(`train ${this.config.name}: stopped at step ${this.#step + 1}`, err);
      throw err;
    } finally {
      this.#metrics.close();
    }

    const seconds = (performance.now() - started) / 1000;
    const updates = this.#step - startStep;
    const imagesPerSecond = seconds > 0 ? (updates * this.config.batchSize) / seconds : 0;
    log.info(
      `train ${this.config.name}: finished at step ${this.#step}, ${updates} updates, ${
        imagesPerSecond.toFixed(1)
      } img/s`,
    );
    return { step: this.#step, updates, imagesPerSecond, last };
  }

  /** Frees the optimizer and EMA state (the model stays with its owner). */
  dispose(): void {
    this.#generatorAdam?.dispose();
    this.#discriminatorAdam?.dispose();
    this.#ema?.dispose();
  }

  // ---- one update -------------------------------------------------------------

  async #update(step: number): Promise<MetricsRecord> {
    const { config, components } = this;
    const stage = this.#stage;
    const stageConfig = this.#stageConfig();
    const stageStep = stage === 1 ? step : step - config.stage1.steps;
    const context: ObjectiveContext = {
      tokenizer: components.tokenizer,
      discriminator: components.discriminator,
      losses: components.losses,
      weights: config.weights,
    };
    const images = components.data.sampleBatch(
      config.batchSize,
      config.cropSize,
      this.#streams.data,
    );
    let codes: tf.Tensor4D | null = null;
    let noise: tf.Tensor4D | null = null;
    if (stage === 2) {
      // Frozen encoder and quantizer: the codes are computed outside the gradient scope.
      codes = tf.tidy(() =>
        components.tokenizer.quantize(components.tokenizer.encode(images)).codes
      );
      noise = this.#streams.noise.normalTensor(codes.shape) as tf.Tensor4D;
    }
    const record: MetricsRecord = { step, stage };
    let output: tf.Tensor4D | null = null;
    try {
      if (stageConfig.adversarial && config.weights.generatorAdversarial === "adaptive") {
        context.adaptiveAdversarialWeight = await this.#adaptiveWeight(
          context,
          images,
          codes,
          noise,
        );
        record.adversarialWeight = context.adaptiveAdversarialWeight;
      }

      // Generator.
      const learningRate = this.#generatorSchedule(stageConfig)(stageStep);
      let terms: Record<string, tf.Scalar> = {};
      const generatorVariables = Object.values(this.#generatorAdam.variables);
      const { value, grads } = tf.variableGrads(() => {
        const objective = stage === 1
          ? stage1Objective(context, images, stageConfig.adversarial)
          : stage2Objective(context, images, codes!, noise!, stageConfig.adversarial);
        terms = Object.fromEntries(
          Object.entries(objective.terms).map(([k, v]) => [k, tf.keep(v)]),
        );
        output = tf.keep(objective.output);
        return objective.total;
      }, generatorVariables);
      try {
        await this.#checkFinite(step, { ...terms, total: value }, record);
        this.#generatorAdam.applyGradients(
          gradientsByName(this.#generatorAdam.variables, grads),
          learningRate,
        );
      } finally {
        tf.dispose([value, ...Object.values(terms), ...Object.values(grads)]);
      }
      record.learningRate = learningRate;
      this.#ema.update();

      // Discriminator.
      if (stageConfig.adversarial) {
        await this.#discriminatorUpdate(step, context, images, output!, record);
      }
    } finally {
      tf.dispose([images, codes, noise, output].filter((t) => t !== null) as tf.Tensor[]);
    }
    return record;
  }

  async #discriminatorUpdate(
    step: number,
    context: ObjectiveContext,
    images: tf.Tensor4D,
    fake: tf.Tensor4D,
    record: MetricsRecord,
  ): Promise<void> {
    const adam = this.#discriminatorAdam!;
    const learningRate = scheduleFromConfig(this.config.discriminatorSchedule)(adam.step + 1);
    let terms: Record<string, tf.Scalar> = {};
    let means: tf.Scalar[] = [];
    const { value, grads } = tf.variableGrads(() => {
      const objective = discriminatorObjective(
        context,
        images,
        fake,
        this.#lecam.real,
        this.#lecam.fake,
        this.config.lecamDecay,
      );
      terms = Object.fromEntries(Object.entries(objective.terms).map(([k, v]) => [k, tf.keep(v)]));
      means = [tf.keep(objective.meanReal), tf.keep(objective.meanFake)];
      return objective.total;
    }, Object.values(adam.variables));
    try {
      await this.#checkFinite(step, { ...terms, "discriminator.total": value }, record);
      adam.applyGradients(gradientsByName(adam.variables, grads), learningRate);
      const [meanReal, meanFake] = await Promise.all(means.map(async (m) => (await m.data())[0]));
      const decay = this.config.lecamDecay;
      this.#lecam.real = decay * this.#lecam.real + (1 - decay) * meanReal;
      this.#lecam.fake = decay * this.#lecam.fake + (1 - decay) * meanFake;
      record.discriminatorLearningRate = learningRate;
      record.logitsReal = meanReal;
      record.logitsFake = meanFake;
    } finally {
      tf.dispose([value, ...Object.values(terms), ...means, ...Object.values(grads)]);
    }
  }

  /**
   * Computes the adaptive adversarial weight of this update from the gradient
   * norms of the image losses and of the adversarial loss at the decoder's last
   * layer. Each norm takes its own forward and backward pass over the same inputs.
   */
  async #adaptiveWeight(
    context: ObjectiveContext,
    images: tf.Tensor4D,
    codes: tf.Tensor4D | null,
    noise: tf.Tensor4D | null,
  ): Promise<number> {
    const { tokenizer, losses } = this.components;
    if (tokenizer.lastLayerWeight === undefined) {
      throw new Error(
        'weights.generatorAdversarial is "adaptive", but the tokenizer does not expose lastLayerWeight(); ' +
          "set a fixed weight such as 0.1",
      );
    }
    const discriminator = this.components.discriminator!;
    const decode = () =>
      codes === null
        ? tokenizer.decode(tokenizer.quantize(tokenizer.encode(images)).codes, null)
        : tokenizer.decode(codes, noise);
    const imageLoss = () => {
      const output = decode();
      let total = tf.mul(
        losses.reconstruction(images, output),
        context.weights.reconstruction,
      ) as tf.Scalar;
      if (context.weights.perceptual > 0 && losses.perceptual !== null) {
        total = tf.add(
          total,
          tf.mul(losses.perceptual(images, output), context.weights.perceptual),
        );
      }
      return total;
    };
    const adversarialLoss = () => losses.generatorAdversarial(discriminator.logits(decode()));
    const weight = adaptiveGanWeightAt(tokenizer.lastLayerWeight(), imageLoss, adversarialLoss);
    const value = (await weight.data())[0];
    weight.dispose();
    return value;
  }

  /** Reads every term; the first NaN or infinite one stops the run before the update is applied. */
  async #checkFinite(
    step: number,
    terms: Record<string, tf.Scalar>,
    record: MetricsRecord,
  ): Promise<void> {
    const names = Object.keys(terms);
    const values = await Promise.all(names.map(async (name) => (await terms[name].data())[0]));
    names.forEach((name, i) => {
      if (!Number.isFinite(values[i])) throw new NonFiniteLossError(step, name, values[i]);
      record[name] = values[i];
    });
  }

  // ---- stages -----------------------------------------------------------------

  #stageConfig(): StageConfig {
    return this.#stage === 1 ? this.config.stage1 : this.config.stage2;
  }

  #generatorSchedule(stageConfig: StageConfig): LearningRateSchedule {
    return scheduleFromConfig(stageConfig.schedule);
  }

  #isStageEnd(step: number): boolean {
    return step === this.config.stage1.steps || step === this.totalSteps;
  }

  /** Variables that the current stage's generator optimizer updates. */
  #stageVariables(): NamedVariables {
    const tokenizer = this.components.tokenizer;
    if (this.#stage === 2) return tokenizer.parameters("decoder");
    return {
      ...tokenizer.parameters("encoder"),
      ...tokenizer.parameters("quantizer"),
      ...tokenizer.parameters("decoder"),
    };
  }

  /** Fresh generator Adam for the stage, and an EMA started from the current weights. */
  #startStageOptimizers(): void {
    this.#generatorAdam?.dispose();
    this.#ema?.dispose();
    this.#generatorAdam = new Adam(this.#stageVariables(), this.config.adam);
    const tokenizer = this.components.tokenizer;
    const all = {
      ...tokenizer.parameters("encoder"),
      ...tokenizer.parameters("quantizer"),
      ...tokenizer.parameters("decoder"),
    };
    // NOTE: stage 2 restarts the EMA from the final stage-1 weights rather than the stage-1 averages,
    // so that evaluation encodes with the same frozen encoder the decoder is trained on.
    this.#ema = new Ema(all, this.config.emaDecay);
  }

  #enterStage2(): void {
    log.info(
      `train ${this.config.name}: stage 2 from step ${
        this.#step + 1
      }: generative decoder, encoder and quantizer frozen`,
    );
    this.components.tokenizer.enableNoise();
    this.#stage = 2;
    this.#startStageOptimizers();
  }

  // ---- checkpoints --------------------------------------------------------------

  /**
   * Returns the optimizers of the current stage, generator first, with their
   * checkpoint labels (tensors `adam.<label>.m/<name>`). The discriminator's
   * optimizer is left out while it is null.
   */
  #labelledAdams(): ["generator" | "discriminator", Adam][] {
    const labelled: ["generator" | "discriminator", Adam][] = [["generator", this.#generatorAdam]];
    if (this.#discriminatorAdam !== null) labelled.push(["discriminator", this.#discriminatorAdam]);
    return labelled;
  }

  async #checkpointData(): Promise<CheckpointData> {
    const tensors: Record<string, CheckpointTensor> = {};
    await addVariables(tensors, "model", this.components.tokenizer.stateVariables());
    if (this.components.discriminator !== null) {
      await addVariables(tensors, "discriminator", this.components.discriminator.stateVariables());
    }
    const ema = await this.#ema.getState();
    for (const [name, values] of Object.entries(ema.shadows)) {
      tensors[`ema/${name}`] = { shape: this.#ema.shadow(name).shape, values };
    }
    const adams: Record<string, number> = {};
    for (const [label, adam] of this.#labelledAdams()) {
      const state = await adam.getState();
      adams[label] = state.step;
      for (const [moment, store] of [["m", state.m], ["v", state.v]] as const) {
        for (const [name, values] of Object.entries(store)) {
          tensors[`adam.${label}.${moment}/${name}`] = {
            shape: adam.variables[name].shape,
            values,
          };
        }
      }
    }
    return {
      step: this.#step,
      config: this.config,
      meta: {
        stage: this.#stage,
        rng: { data: this.#streams.data.getState(), noise: this.#streams.noise.getState() },
        lecam: { ...this.#lecam },
        adamSteps: adams,
        emaUpdates: ema.updates,
        backend: tf.getBackend(),
      },
      tensors,
    };
  }

  async #restore(path: string): Promise<void> {
    const data = await loadCheckpoint(path);
    const saved = data.config as TrainConfig;
    const fields = differingFields(saved, this.config);
    if (fields.length > 0) throw new ConfigMismatchError(path, fields, saved, this.config);
    const meta = data.meta as {
      stage: 1 | 2;
      rng: { data: RngState; noise: RngState };
      lecam: { real: number; fake: number };
      adamSteps: Record<string, number>;
      emaUpdates: number;
    };
    this.#stage = meta.stage;
    if (this.#stage === 2 && !this.components.tokenizer.noiseEnabled) {
      this.components.tokenizer.enableNoise();
    }
    this.#startStageOptimizers();
    restoreVariables(data, "model", this.components.tokenizer.stateVariables(), path);
    if (this.components.discriminator !== null) {
      restoreVariables(data, "discriminator", this.components.discriminator.stateVariables(), path);
    }
    this.#ema.setState(emaStateFrom(data, meta.emaUpdates));
    for (const [label, adam] of this.#labelledAdams()) {
      adam.setState(adamStateFrom(data, label, meta.adamSteps[label] ?? 0));
    }
    this.#streams.data.setState(meta.rng.data);
    this.#streams.noise.setState(meta.rng.noise);
    this.#lecam = { ...meta.lecam };
    this.#step = data.step;
  }
}

function gradientsByName(
  variables: Readonly<NamedVariables>,
  grads: tf.NamedTensorMap,
): Record<string, tf.Tensor | null> {
  const out: Record<string, tf.Tensor | null> = {};
  for (const [name, variable] of Object.entries(variables)) {
    out[name] = grads[variable.name] ?? null;
  }
  return out;
}

async function addVariables(
  tensors: Record<string, CheckpointTensor>,
  prefix: string,
  variables: NamedVariables,
): Promise<void> {
  for (const [name, variable] of Object.entries(variables)) {
    const values = await variable.data();
    tensors[`${prefix}/${name}`] = {
      shape: variable.shape,
      values: values instanceof Int32Array ? values : new Float32Array(values as Float32Array),
    };
  }
}

function restoreVariables(
  data: CheckpointData,
  prefix: string,
  variables: NamedVariables,
  path: string,
): void {
  for (const [name, variable] of Object.entries(variables)) {
    const stored = data.tensors[`${prefix}/${name}`];
    if (stored === undefined) {
      throw new Error(
        `checkpoint ${path} has no tensor "${prefix}/${name}"; it was written by another model`,
      );
    }
    if (!tf.util.arraysEqual(stored.shape, variable.shape)) {
      throw new Error(
        `checkpoint ${path}: "${prefix}/${name}" has shape [${stored.shape}] but the model has [${variable.shape}]`,
      );
    }
    tf.tidy(() => variable.assign(tf.tensor(stored.values, stored.shape, variable.dtype)));
  }
}

function emaStateFrom(data: CheckpointData, updates: number): EmaState {
  const shadows: Record<string, Float32Array> = {};
  for (const [key, tensor] of Object.entries(data.tensors)) {
    if (key.startsWith("ema/")) shadows[key.slice(4)] = tensor.values as Float32Array;
  }
  return { updates, shadows };
}

function adamStateFrom(data: CheckpointData, label: string, step: number): AdamState {
  const state: AdamState = { step, m: {}, v: {} };
  for (const moment of ["m", "v"] as const) {
    const prefix = `adam.${label}.${moment}/`;
    for (const [key, tensor] of Object.entries(data.tensors)) {
      if (key.startsWith(prefix)) {
        state[moment][key.slice(prefix.length)] = tensor.values as Float32Array;
      }
    }
  }
  return state;
}

function formatTerms(record: MetricsRecord): string {
  return Object.entries(record)
    .filter(([key, value]) =>
      typeof value === "number" && key !== "step" && key !== "stage" &&
      !key.includes("LearningRate") && key !== "learningRate"
    )
    .map(([key, value]) => `${key} ${(value as number).toPrecision(4)}`)
    .join(", ");
}
