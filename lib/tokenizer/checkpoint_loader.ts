/**
 * Loading a {@link Tokenizer} from a checkpoint that `deno task train` wrote:
 * the encoder and decoder weights (`model/<name>`) or their exponential moving
 * averages (`ema/<name>`), with the network and quantizer of the run's config.
 */
import { Rng, tf } from "../engine/mod.ts";
import { findConfig, type ParameterStore, type ReleasedConfig, shapesEqual } from "../nn/mod.ts";
import {
  type CheckpointData,
  type CheckpointTensor,
  loadCheckpoint,
  resolveCheckpointFile,
} from "../train/checkpoint.ts";
import { parseTrainConfig, type TrainConfig } from "../train/config.ts";
import { Tokenizer, type TokenizerSpec } from "./tokenizer.ts";

/** Checkpoint weights to load: the EMA shadows (used for evaluation) or the trained values. */
export type CheckpointWeights = "ema" | "raw";

/** Origin of a tokenizer's weights, as stored in an exported bundle. */
export interface TokenizerProvenance {
  /** Path of the checkpoint file. */
  checkpoint: string;
  /** Updates completed when the checkpoint was written. */
  step: number;
  /** Training stage at that point (2: the generative decoder is trained). */
  stage: 1 | 2;
  /** Weights loaded. */
  weights: CheckpointWeights;
  /** EMA updates folded into the shadows since the stage started. */
  emaUpdates: number | null;
  /** TensorFlow.js backend of the training run. */
  backend: string | null;
  /** The run's training config. */
  trainConfig: TrainConfig;
}

/** A tokenizer with the provenance of its weights. */
export interface LoadedTokenizer {
  tokenizer: Tokenizer;
  provenance: TokenizerProvenance;
}

/** Options of {@link loadTokenizerFromCheckpoint}. */
export interface CheckpointLoadOptions {
  /** Weights to load (default "ema", as the released models and the evaluation use). */
  weights?: CheckpointWeights;
}

/**
 * Loads a tokenizer from a checkpoint file, or from the newest `ckpt-NNNNNNNN.wtk`
 * of a run folder. A stage-2 checkpoint gives a generative decoder.
 *
 * @throws Error naming the path when it does not exist, contains no checkpoint,
 *   or contains weights that do not match its config.
 */
export async function loadTokenizerFromCheckpoint(
  path: string,
  options: CheckpointLoadOptions = {},
): Promise<LoadedTokenizer> {
  const weights = options.weights ?? "ema";
  if (weights !== "ema" && weights !== "raw") {
    throw new RangeError(`invalid checkpoint weights "${weights}": use "ema" or "raw"`);
  }
  const file = await resolveCheckpointFile(path);
  const data = await loadCheckpoint(file);
  let trainConfig: TrainConfig;
  try {
    trainConfig = parseTrainConfig(data.config);
  } catch (err) {
    throw new Error(`checkpoint ${file} has an invalid training config: ${(err as Error).message}`);
  }

  const meta = data.meta as { stage?: 1 | 2; emaUpdates?: number; backend?: string };
  const stage = meta.stage === 2 ? 2 : 1;
  let network: ReleasedConfig;
  try {
    network = findConfig(trainConfig.network);
  } catch (err) {
    throw new Error(
      `checkpoint ${file} was not trained with a lib/nn network: ${(err as Error).message}`,
    );
  }
  const spec: TokenizerSpec = {
    network: network.name,
    architecture: network.tokenizer,
    quantizer: trainConfig.quantizer,
    groups: network.groups,
    decoder: stage === 2 ? "generative" : "deterministic",
  };

  const tokenizer = new Tokenizer(spec, new Rng(0));
  try {
    assignCheckpointWeights(tokenizer, data, weights, file);
  } catch (err) {
    tokenizer.dispose();
    throw err;
  }
  return {
    tokenizer,
    provenance: {
      checkpoint: file,
      step: data.step,
      stage,
      weights,
      emaUpdates: meta.emaUpdates ?? null,
      backend: meta.backend ?? null,
      trainConfig,
    },
  };
}

/** Checkpoint tensors matched to the entries of a parameter store. */
export interface StoreTensorMatch {
  /** State-dict name and checkpoint tensor of every entry found with the right shape. */
  chosen: [string, CheckpointTensor][];
  /** One line per entry whose tensor is missing or of another shape. */
  problems: string[];
}

/**
 * Finds the checkpoint tensor of every entry of `store`, without assigning
 * anything. A trainable parameter is read from `ema/<name>` with
 * `weights: "ema"`. Buffers have no EMA and always come from `model/<name>`.
 *
 * @param expectedBy what the store belongs to in problem lines, such as "encoder".
 */
export function matchStoreTensors(
  store: ParameterStore,
  data: CheckpointData,
  weights: CheckpointWeights,
  expectedBy: string,
): StoreTensorMatch {
  const chosen: [string, CheckpointTensor][] = [];
  const problems: string[] = [];
  for (const entry of store.entries()) {
    const key = weights === "ema" && entry.trainable ? `ema/${entry.name}` : `model/${entry.name}`;
    const stored = data.tensors[key];
    if (stored === undefined) {
      problems.push(`missing "${key}"`);
    } else if (!shapesEqual(stored.shape, entry.variable.shape)) {
      problems.push(
        `"${key}" has shape [${stored.shape}], the ${expectedBy} expects [${entry.variable.shape}]`,
      );
    } else {
      chosen.push([entry.name, stored]);
    }
  }
  return { chosen, problems };
}

/**
 * Copies checkpoint tensors into the tokenizer's store. A trainable parameter
 * is read from `ema/<name>` with `weights: "ema"`; buffers have no EMA and
 * always come from `model/<name>`. Nothing is assigned unless every tensor is
 * present with the right shape.
 */
function assignCheckpointWeights(
  tokenizer: Tokenizer,
  data: CheckpointData,
  weights: CheckpointWeights,
  file: string,
): void {
  const { chosen, problems } = matchStoreTensors(tokenizer.store, data, weights, "network");
  const quantizerValues: [tf.Variable, CheckpointTensor][] = [];
  // Learned quantizer variables (the VQ codebook) are stored as quantizer.<i> by the trainer.
  tokenizer.quantizer.trainableVariables().forEach((variable, i) => {
    const key = `${weights === "ema" ? "ema" : "model"}/quantizer.${i}`;
    const stored = data.tensors[key];
    if (stored === undefined) {
      problems.push(`missing "${key}"`);
    } else if (!shapesEqual(stored.shape, variable.shape)) {
      problems.push(`"${key}" has shape [${stored.shape}], the quantizer expects [${variable.shape}]`);
    } else {
      quantizerValues.push([variable, stored]);
    }
  });
  const known = new Set(tokenizer.store.names());
  for (const key of Object.keys(data.tensors)) {
    const name = key.slice(key.indexOf("/") + 1);
    if (
      key.startsWith("model/") && (name.startsWith("encoder.") || name.startsWith("decoder.")) &&
      !known.has(name)
    ) {
      problems.push(`unexpected "${key}"`);
    }
  }
  if (problems.length > 0) {
    const listed = problems.slice(0, 6).join("; ");
    throw new Error(
      `checkpoint ${file} does not match its network "${tokenizer.spec.network}" ` +
        `(${problems.length} problems: ${listed}${problems.length > 6 ? "; ..." : ""})`,
    );
  }
  for (const [name, stored] of chosen) {
    tf.tidy(() => tokenizer.store.assign(name, tf.tensor(stored.values, stored.shape, "float32")));
  }
  for (const [variable, stored] of quantizerValues) {
    tf.tidy(() => variable.assign(tf.tensor(stored.values, stored.shape, "float32")));
  }
}
