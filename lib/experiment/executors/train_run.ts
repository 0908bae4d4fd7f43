/**
 * Executor of `train` runs: builds the tokenizer of a run config, trains it
 * with the two-stage trainer of `lib/train` (resuming from the run's
 * checkpoint directory), and evaluates the EMA weights on held-out photos.
 *
 * Metrics (all on 8-bit images truncated as in the official WeTok evaluation):
 * - `psnr` (dB, data range 255).
 * - `ssim`: SSIM with scikit-image's default 7x7 uniform window, which the official
 *   WeTok evaluation uses; `ssimGaussian11`: SSIM with the standard 11x11 Gaussian
 *   window (sigma 1.5). Both are means over images and channels.
 * - `usage`: mean over index groups of the share of sub-codes that occur.
 * - `compressionRatio`: `24 f^2 / d` with `d` the index bits per token.
 * - `evaluatedImages`: held-out photos evaluated, which is less than `data.evalImages`
 *   when the photo set has fewer (a warning is logged then).
 * - `decodeMs`: decoder time per image (when `eval.decodeTiming`).
 * - `noiseSpread`: mean over pixels of the standard deviation across
 *   `eval.noiseSamples` noise draws, in [0, 1] intensity units.
 * - `finalPsnr`, `drift` and the series `psnrPerRound` (when `eval.encodeDecodeRounds`).
 * - `fdNsfwjs`: Frechet distance between the mixed5 features of the InceptionV3
 *   trunk of the nsfwjs package for originals and reconstructions (when `fd-nsfwjs`
 *   is listed). With fewer images than its 768 feature dimensions the covariances
 *   are singular, so only runs with many held-out images give a stable value.
 * - `perceptualNsfwjs`: mean per-image perceptual distance on that trunk (the
 *   unweighted LPIPS formula, not LPIPS), when `perceptual-nsfwjs` is listed.
 * `rfid` and `lpips` need network weights that no reachable package ships, so
 * they are left out and named in the run's notes.
 */
import { Rng, tf } from "../../engine/mod.ts";
import { decodeImage } from "../../data/image_io.ts";
import { evalTransform } from "../../data/eval_protocol.ts";
import { imagesToTensor } from "../../data/batch.ts";
import { log } from "../../io/log.ts";
import { codebookUsage } from "../../metrics/usage.ts";
import { InceptionMetrics } from "./inception_metrics.ts";
import { psnr } from "../../metrics/psnr.ts";
import { meanSsim } from "../../metrics/ssim.ts";
import { toUint8 } from "../../metrics/uint8.ts";
import { customNetworkName, PatchDiscriminator } from "../../nn/mod.ts";
import { BsqQuantizer } from "../../quantize/bsq.ts";
import { GqQuantizer } from "../../quantize/gq.ts";
import { LfqQuantizer } from "../../quantize/lfq.ts";
import type { Quantizer } from "../../quantize/quantizer.ts";
import {
  buildQuantizer as buildTrainQuantizer,
  DEFAULT_TRAIN_CONFIG,
  ImageCropData,
  imagePaths,
  type QuantizerChoice,
  runStreams,
  type ScheduleConfig,
  type TrainConfig,
  Trainer,
  WetokDiscriminator,
  wetokLosses,
  WetokTokenizer,
} from "../../train/mod.ts";
import {
  ExecutorUnavailableError,
  type RunContext,
  type RunExecutor,
  type RunOutput,
} from "../executor.ts";
import { OFFICIAL_QUANTIZER_LOSS_WEIGHTS, type TrainRunConfig } from "../run_config.ts";

/** Options of {@link trainExecutor}. */
export interface TrainExecutorOptions {
  /** Corpus cache of `deno task corpus` (the photo sets "ci" and "full"). */
  cacheDir: string;
  /** Images per evaluation batch (default 8). */
  evalBatch?: number;
  /**
   * Evaluate without training (default false): the run's checkpoint directory
   * must hold the checkpoint of its last update, or the executor throws
   * {@link UnfinishedCheckpointError}. Used to re-evaluate finished runs.
   */
  evaluateOnly?: boolean;
}

/** Raised in evaluate-only mode when the run's newest checkpoint is not that of its last update. */
export class UnfinishedCheckpointError extends Error {
  constructor(readonly checkpointDir: string, readonly step: number, readonly totalSteps: number) {
    super(
      `checkpoint directory ${checkpointDir} holds step ${step} of ${totalSteps}, not the final ` +
        `checkpoint; finish the run with \`deno task reproduce\` before evaluating it alone`,
    );
    this.name = "UnfinishedCheckpointError";
  }
}

/** Converts a run config to the trainer's config. */
export function toTrainConfig(name: string, run: TrainRunConfig): TrainConfig {
  const quantizer = quantizerChoice(run);
  const schedule: ScheduleConfig = run.schedule.kind === "constant"
    ? { kind: "constant", learningRate: run.schedule.learningRate }
    : {
      kind: "warmup-cosine",
      learningRate: run.schedule.learningRate,
      warmupSteps: run.schedule.warmupSteps,
      totalSteps: run.stages.stage1Steps,
      minLearningRate: run.schedule.minLearningRate ?? 0,
    };
  return {
    ...structuredClone(DEFAULT_TRAIN_CONFIG),
    name,
    // The name encodes the whole shape, so the tokenizer loader can rebuild the network.
    network: customNetworkName(
      {
        ch: run.architecture.ch,
        chMult: run.architecture.chMult,
        numResBlocks: run.architecture.numResBlocks,
        zChannels: latentChannels(run),
      },
      run.quantizer.groups,
    ),
    quantizer,
    seed: run.seed,
    batchSize: run.batchSize,
    cropSize: run.data.cropSize,
    data: run.data.set,
    // NOTE: stage 1 trains without the GAN loss here (as the trainer's CPU preset does);
    // the released configs use it from step 0.
    stage1: { steps: run.stages.stage1Steps, schedule, adversarial: false },
    stage2: {
      steps: run.stages.stage2Steps,
      schedule: { kind: "constant", learningRate: run.schedule.learningRate },
      adversarial: run.stages.stage2Steps > 0,
    },
    // No perceptual feature network ships with the project, so the perceptual weight is 0.
    weights: {
      ...DEFAULT_TRAIN_CONFIG.weights,
      perceptual: 0,
      quantizer: {
        ...DEFAULT_TRAIN_CONFIG.weights.quantizer,
        ...(run.quantizerLossWeights ?? OFFICIAL_QUANTIZER_LOSS_WEIGHTS),
      },
    },
    discriminatorSchedule: { kind: "constant", learningRate: run.schedule.learningRate },
    emaDecay: emaDecayFor(run.stages.stage1Steps + run.stages.stage2Steps),
    // About ten checkpoints per run, at least 10 updates apart (the trainer also saves at each stage end).
    checkpointEvery: Math.max(
      10,
      Math.min(500, Math.floor((run.stages.stage1Steps + run.stages.stage2Steps) / 10)),
    ),
    keepCheckpoints: 2,
  };
}

/**
 * Returns the EMA decay for a run of `updates` updates: the official 0.999,
 * or less for short runs so that the average forgets the initial weights.
 * Their weight in the average is `decay^updates`: 0.999 keeps 74% of them
 * after 300 updates, while `1 - 10 / updates` keeps about e^-10.
 */
export function emaDecayFor(updates: number): number {
  return Math.min(DEFAULT_TRAIN_CONFIG.emaDecay, Math.max(0.5, 1 - 10 / updates));
}

/**
 * Returns the trainer's quantizer choice of a run.
 *
 * @throws ExecutorUnavailableError for a kind the trainer cannot build.
 */
function quantizerChoice(run: TrainRunConfig): QuantizerChoice {
  const { kind, levels, codebookSize } = run.quantizer;
  switch (kind) {
    case "gq":
    case "lfq":
    case "bsq":
      return kind;
    case "fsq":
      return { kind, levels: [...(levels ?? [])] };
    case "vq":
      return { kind, codebookSize: codebookSize ?? 0 };
    default:
      throw new ExecutorUnavailableError(
        `the trainer's config accepts the quantizers gq, lfq, bsq, fsq and vq, not ${kind}`,
      );
  }
}

/**
 * Latent channels of the network for a run's quantizer: one per FSQ level,
 * else `bits`. A VQ latent has `bits` channels, whatever its codebook size.
 */
function latentChannels(run: TrainRunConfig): number {
  if (run.quantizer.kind === "fsq" && run.quantizer.levels !== undefined) {
    return run.quantizer.levels.length;
  }
  return run.quantizer.bits;
}

function buildQuantizer(run: TrainRunConfig, rng: Rng): Quantizer {
  const { kind, bits, groups, entropyMethod } = run.quantizer;
  switch (kind) {
    case "fsq":
    case "vq":
      return buildTrainQuantizer(quantizerChoice(run), latentChannels(run), groups, rng);
    case "gq":
      return new GqQuantizer({
        dim: bits,
        groups,
        checkFinite: false,
        ...(entropyMethod ? { entropyMethod } : {}),
      });
    case "lfq":
      return new LfqQuantizer({
        dim: bits,
        checkFinite: false,
        ...(entropyMethod ? { entropyMethod } : {}),
      });
    case "bsq":
      return new BsqQuantizer({ dim: bits, groups, checkFinite: false });
    default:
      throw new ExecutorUnavailableError(
        `the trainer's config accepts the quantizers gq, lfq, bsq, fsq and vq, not ${kind}`,
      );
  }
}

/** Returns the executor of `train` runs. */
export function trainExecutor(options: TrainExecutorOptions): RunExecutor {
  return (context) => runTrain(context, options);
}

async function runTrain(context: RunContext, options: TrainExecutorOptions): Promise<RunOutput> {
  const run = context.run.config;
  if (run.task !== "train") {
    throw new Error(
      `trainExecutor: run ${context.run.label} has task "${run.task}", expected "train"`,
    );
  }
  const name = `${context.run.experiment}/${context.run.label}`;
  const trainConfig = toTrainConfig(name, run);
  const notes: string[] = [];
  for (const metric of run.eval.metrics) {
    if (metric === "rfid" || metric === "lpips") {
      notes.push(`${metric} not computed: its network weights are in no package reachable here`);
    }
  }

  // NOTE: evaluate-only mode still decodes the training photos, which Trainer.create requires.
  const paths = await imagePaths(run.data.set, "train", options.cacheDir);
  const data = await ImageCropData.fromFiles(paths, 4 * run.data.cropSize);
  const streams = runStreams(run.seed);
  const quantizer = buildQuantizer(run, streams.init);
  // Everything below allocates tensors that outlive the run unless disposed, so
  // the finally clause frees the networks, optimizers and EMA, also on error.
  let tokenizer: WetokTokenizer | null = null;
  let discriminator: WetokDiscriminator | null = null;
  let trainer: Trainer | null = null;
  try {
    tokenizer = new WetokTokenizer(
      {
        ch: run.architecture.ch,
        chMult: run.architecture.chMult,
        numResBlocks: run.architecture.numResBlocks,
        zChannels: latentChannels(run),
      },
      quantizer,
      streams.init,
    );
    discriminator = run.stages.stage2Steps > 0
      ? new WetokDiscriminator(new PatchDiscriminator({}, { rng: streams.discriminatorInit }))
      : null;
    trainer = await Trainer.create(
      trainConfig,
      { tokenizer, discriminator, losses: wetokLosses(null), data },
      { runDir: context.checkpointDir },
    );
    if (options.evaluateOnly) {
      if (trainer.step < trainer.totalSteps) {
        throw new UnfinishedCheckpointError(
          context.checkpointDir,
          trainer.step,
          trainer.totalSteps,
        );
      }
      log.info(`run ${name}: evaluating the checkpoint of step ${trainer.step} without training`);
    } else {
      const summary = await trainer.run();
      log.info(
        `run ${name}: trained ${summary.step} updates, ${
          summary.imagesPerSecond.toFixed(1)
        } img/s in this session`,
      );
    }
    const evaluated = tokenizer;
    const { scalars, series, identicalPairs } = await trainer.ema.withAveragedWeights(() =>
      evaluate(evaluated, run, options, context)
    );
    const factor = 2 ** (run.architecture.chMult.length - 1);
    scalars.compressionRatio = (24 * factor * factor) / run.quantizer.bits;
    if (identicalPairs > 0) {
      notes.push(
        `${identicalPairs} reconstruction(s) equal to their original in 8 bits were left out of PSNR means`,
      );
    }
    return { metrics: scalars, ...(series ? { series } : {}), notes };
  } finally {
    trainer?.dispose();
    disposeVariables(tokenizer?.stateVariables());
    disposeVariables(discriminator?.stateVariables());
  }
}

/** Disposes every variable of a network's state (weights and buffers such as batch-norm statistics). */
function disposeVariables(variables: Record<string, tf.Variable> | undefined): void {
  for (const variable of Object.values(variables ?? {})) variable.dispose();
}

interface Evaluation {
  scalars: Record<string, number>;
  series?: Record<string, number[]>;
  /** Image pairs left out of PSNR means because they were identical (infinite PSNR). */
  identicalPairs: number;
}

/** Evaluates the tokenizer on the first `evalImages` held-out photos. */
async function evaluate(
  tokenizer: WetokTokenizer,
  run: TrainRunConfig,
  options: TrainExecutorOptions,
  context: RunContext,
): Promise<Evaluation> {
  const heldOut = await imagePaths(run.data.set, "test", options.cacheDir);
  const paths = heldOut.slice(0, run.data.evalImages);
  if (paths.length < run.data.evalImages) {
    log.warn(
      `run ${context.run.experiment}/${context.run.label}: evaluating ${paths.length} held-out ` +
        `images, fewer than the ${run.data.evalImages} requested, because photo set ` +
        `"${run.data.set}" has only ${heldOut.length}`,
    );
  }
  const images = [];
  for (const path of paths) {
    images.push(await evalTransform(await decodeImage(path), run.data.cropSize));
  }
  const batchSize = options.evalBatch ?? 8;
  // Evaluation noise has its own stream, apart from the four training streams of the seed.
  const noise = new Rng((run.seed + 0x9e3779b9) >>> 0);
  const originals: Uint8Array[] = [];
  const reconstructions: Uint8Array[] = [];
  const indices: number[] = [];
  let decodeMs = 0;
  let spreadSum = 0;
  let spreadBatches = 0;
  // Per-image PSNRs of every round, over all batches.
  const roundPsnrs: number[][] = [];
  const identical = { count: 0 };
  const progress = context.progress(images.length, "img");

  const inception = await InceptionMetrics.create(run.eval.metrics);
  let inceptionScalars: Record<string, number> = {};
  try {
    for (let start = 0; start < images.length; start += batchSize) {
      const batch = imagesToTensor(images.slice(start, start + batchSize));
      const codes = tf.tidy(() =>
        tokenizer.quantizer.quantize(tokenizer.encode(batch), { training: false }).codes
      );
      const groupIndices = await tokenizer.quantizer.codesToIndices(codes);
      for (const v of groupIndices.values) indices.push(Number(v));

      const started = performance.now();
      const output = decodeWithNoise(tokenizer, codes, noise);
      await output.data();
      decodeMs += performance.now() - started;

      originals.push(...(await toUint8Images(batch)));
      reconstructions.push(...(await toUint8Images(output)));

      if ((run.eval.noiseSamples ?? 0) > 1 && tokenizer.noiseEnabled) {
        spreadSum += await noiseSpread(tokenizer, codes, run.eval.noiseSamples!, noise);
        spreadBatches++;
      }
      if ((run.eval.encodeDecodeRounds ?? 0) > 0) {
        const perRound = await encodeDecodeRounds(
          tokenizer,
          batch,
          run.eval.encodeDecodeRounds!,
          noise,
          identical,
        );
        perRound.forEach((values, r) => (roundPsnrs[r] = [...(roundPsnrs[r] ?? []), ...values]));
      }
      await inception?.add(batch, output);
      tf.dispose([batch, codes, output]);
      progress.update(Math.min(images.length, start + batchSize));
    }
    inceptionScalars = inception?.results() ?? {};
  } finally {
    inception?.dispose();
  }

  const shape = { width: run.data.cropSize, height: run.data.cropSize, channels: 3 };
  const scalars: Record<string, number> = {
    evaluatedImages: images.length,
    psnr: mean(finitePsnrs(originals, reconstructions, identical)),
    ssim: meanSsim(originals, reconstructions, shape, { window: "uniform7" }),
    ssimGaussian11: meanSsim(originals, reconstructions, shape, { window: "gaussian11" }),
  };
  const usage = usageOf(tokenizer.quantizer, indices);
  if (usage !== null) scalars.usage = usage;
  Object.assign(scalars, inceptionScalars);
  if (run.eval.decodeTiming) scalars.decodeMs = decodeMs / images.length;
  if (spreadBatches > 0) scalars.noiseSpread = spreadSum / spreadBatches;
  let series: Record<string, number[]> | undefined;
  if (roundPsnrs.length > 0) {
    // Mean over images (not batches), so a short last batch has no extra weight.
    const perRound = roundPsnrs.map(mean);
    const rounds = perRound.length;
    series = { psnrPerRound: perRound };
    scalars.finalPsnr = perRound[rounds - 1];
    if (rounds > 1) scalars.drift = Math.abs(perRound[rounds - 1] - perRound[rounds - 2]);
  }

  return { scalars, series, identicalPairs: identical.count };
}

/**
 * Returns the per-image PSNRs (dB, 8-bit) of the pairs that differ.
 * Identical pairs have infinite PSNR, so they are counted in `identical` and left out.
 */
function finitePsnrs(a: Uint8Array[], b: Uint8Array[], identical: { count: number }): number[] {
  const values: number[] = [];
  for (let i = 0; i < a.length; i++) {
    const value = psnr(a[i], b[i], { dataRange: 255 });
    if (Number.isFinite(value)) values.push(value);
    else identical.count++;
  }
  return values;
}

/** Returns the arithmetic mean, or NaN for an empty list. */
function mean(values: readonly number[]): number {
  return values.length > 0 ? values.reduce((a, b) => a + b, 0) / values.length : NaN;
}

function decodeWithNoise(tokenizer: WetokTokenizer, codes: tf.Tensor4D, noise: Rng): tf.Tensor4D {
  return tf.tidy(() => {
    const z = tokenizer.noiseEnabled ? (noise.normalTensor(codes.shape) as tf.Tensor4D) : null;
    return tf.clipByValue(tokenizer.decode(codes, z), -1, 1) as tf.Tensor4D;
  });
}

/** Converts a batch in [-1, 1] to one 8-bit image per item, truncating as the official evaluation does. */
export async function toUint8Images(batch: tf.Tensor4D): Promise<Uint8Array[]> {
  const [n, h, w, c] = batch.shape;
  const values = await batch.data();
  const per = h * w * c;
  const out: Uint8Array[] = [];
  for (let k = 0; k < n; k++) {
    // toUint8 maps [-1, 1] to [0, 255] itself (clamping, then truncating).
    out.push(toUint8(values.subarray(k * per, (k + 1) * per), "truncate"));
  }
  return out;
}

/** Mean over pixels of the standard deviation across `samples` decodings, in [0, 1] units. */
async function noiseSpread(
  tokenizer: WetokTokenizer,
  codes: tf.Tensor4D,
  samples: number,
  noise: Rng,
): Promise<number> {
  const spread = tf.tidy(() => {
    const outputs = Array.from({ length: samples }, () => decodeWithNoise(tokenizer, codes, noise));
    const stacked = tf.stack(outputs);
    const { variance } = tf.moments(stacked, 0);
    return tf.mean(tf.sqrt(variance)).mul(0.5);
  });
  const value = (await spread.data())[0];
  spread.dispose();
  return value;
}

/** Per-image PSNRs (dB, 8-bit) against the original after each of `rounds` encode-decode rounds. */
async function encodeDecodeRounds(
  tokenizer: WetokTokenizer,
  batch: tf.Tensor4D,
  rounds: number,
  noise: Rng,
  identical: { count: number },
): Promise<number[][]> {
  const original = await toUint8Images(batch);
  const result: number[][] = [];
  let current = batch.clone();
  for (let r = 0; r < rounds; r++) {
    const next = tf.tidy(() => {
      const codes =
        tokenizer.quantizer.quantize(tokenizer.encode(current), { training: false }).codes;
      return decodeWithNoise(tokenizer, codes, noise);
    });
    current.dispose();
    current = next;
    result.push(finitePsnrs(original, await toUint8Images(current), identical));
  }
  current.dispose();
  return result;
}

/** Mean share of used sub-codes per group, or null when a group is not 1 to 30 bits wide. */
function usageOf(quantizer: Quantizer, indices: number[]): number | null {
  const groupRadices = quantizer.radices.slice(0, quantizer.radices.length / quantizer.groups);
  const bitsPerGroup = Math.log2(groupRadices.reduce((a, b) => a * b, 1));
  if (!Number.isInteger(bitsPerGroup) || bitsPerGroup < 1 || bitsPerGroup > 30) return null;
  const stats = codebookUsage(indices, quantizer.groups, bitsPerGroup);
  return stats.groups.reduce((a, g) => a + g.usage, 0) / stats.groups.length;
}
