/**
 * Assembly of a training run from its config: the network shapes of `lib/nn`,
 * the quantizer of `lib/quantize`, the losses of `lib/loss` and the training
 * images of `lib/data`.
 */
import { join } from "node:path";
import { findConfig, PatchDiscriminator, validateImageSize } from "../nn/mod.ts";
import { BsqQuantizer } from "../quantize/bsq.ts";
import { GqQuantizer } from "../quantize/gq.ts";
import { FsqQuantizer } from "../quantize/fsq.ts";
import { LfqQuantizer } from "../quantize/lfq.ts";
import { VqQuantizer } from "../quantize/vq.ts";
import type { Quantizer } from "../quantize/quantizer.ts";
import type { PerceptualLoss } from "../loss/mod.ts";
import { CORPUS_SETS, type CorpusSet } from "../data/manifest.ts";
import { loadCorpus } from "../data/corpus_builder.ts";
import type { Rng } from "../engine/mod.ts";
import { type QuantizerChoice, type TrainConfig, validateQuantizerChoice } from "./config.ts";
import type { TrainData } from "./model.ts";
import type { RunStreams, TrainComponents } from "./trainer.ts";
import { wetokLosses } from "./wetok_losses.ts";
import { WetokDiscriminator, WetokTokenizer } from "./wetok_networks.ts";

/** Components built by {@link buildWetokComponents}, with the concrete tokenizer type. */
export interface WetokComponents extends TrainComponents {
  tokenizer: WetokTokenizer;
}

/**
 * Builds tokenizer, quantizer, discriminator (when a stage is adversarial) and
 * losses for `config`, with initial weights from `streams`.
 *
 * @param perceptual the perceptual loss, required when `weights.perceptual > 0`.
 * @throws RangeError when the crop size does not suit the network or the perceptual loss is missing.
 */
export function buildWetokComponents(
  config: TrainConfig,
  streams: RunStreams,
  data: TrainData,
  perceptual: PerceptualLoss | null = null,
): WetokComponents {
  const network = findConfig(config.network);
  validateImageSize(network.tokenizer, config.cropSize, config.cropSize);
  if (config.weights.perceptual > 0 && perceptual === null) {
    throw new RangeError(
      `config "${config.name}" sets weights.perceptual = ${config.weights.perceptual}, but no ` +
        "perceptual feature network was given; provide one or set weights.perceptual to 0",
    );
  }
  const quantizer = buildQuantizer(
    config.quantizer,
    network.tokenizer.zChannels,
    network.groups,
    streams.init,
  );
  const tokenizer = new WetokTokenizer(network.tokenizer, quantizer, streams.init);
  const adversarial = config.stage1.adversarial || config.stage2.adversarial;
  const discriminator = adversarial
    ? new WetokDiscriminator(new PatchDiscriminator({}, { rng: streams.discriminatorInit }))
    : null;
  return { tokenizer, discriminator, losses: wetokLosses(perceptual), data };
}

/**
 * Builds the quantizer of `choice` over `dim` latent channels. `groups` applies
 * to GQ and BSQ. VQ draws its initial codebook from `rng`. The finite-value
 * check is off because the trainer checks every loss term itself and names
 * the failing one.
 *
 * @throws RangeError for an invalid choice, FSQ levels whose count differs
 *   from `dim`, or VQ without `rng`.
 */
export function buildQuantizer(
  choice: QuantizerChoice,
  dim: number,
  groups: number,
  rng?: Rng,
): Quantizer {
  validateQuantizerChoice(choice);
  if (typeof choice === "string") {
    switch (choice) {
      case "gq":
        return new GqQuantizer({ dim, groups, checkFinite: false });
      case "lfq":
        return new LfqQuantizer({ dim, checkFinite: false });
      case "bsq":
        return new BsqQuantizer({ dim, groups, checkFinite: false });
    }
  }
  if (choice.kind === "fsq") {
    if (choice.levels.length !== dim) {
      throw new RangeError(
        `invalid quantizer.levels [${choice.levels}]: FSQ needs one level per latent channel, ` +
          `and the network has zChannels = ${dim}; give ${dim} levels or change the network`,
      );
    }
    return new FsqQuantizer({ levels: choice.levels, checkFinite: false });
  }
  if (rng === undefined) {
    throw new RangeError(
      "VQ needs an Rng to initialise its codebook: pass one to buildQuantizer",
    );
  }
  return new VqQuantizer({
    dim,
    codebookSize: choice.codebookSize,
    rng,
    checkFinite: false,
  });
}

/**
 * Returns the image files of the training or held-out split. `data` is a
 * corpus set of `lib/data` ("ci" or "full", read from `cacheDir`) or a folder
 * of images. Every image of a folder is a training image, so a folder has no
 * held-out split.
 *
 * @throws Error when the corpus index is missing (it names the build command) or the folder has no images.
 */
export async function imagePaths(
  data: string,
  split: "train" | "test",
  cacheDir: string,
): Promise<string[]> {
  if ((CORPUS_SETS as readonly string[]).includes(data)) {
    const index = await loadCorpus(cacheDir, data as CorpusSet);
    const paths = index.photos.filter((p) => p.split === split).map((p) => p.file);
    if (paths.length === 0) {
      throw new Error(`corpus set ${data} in ${cacheDir} has no ${split} photos`);
    }
    return paths;
  }
  if (split === "test") {
    throw new Error(`data folder ${data} has no held-out split; use a corpus set`);
  }
  const paths: string[] = [];
  for await (const entry of Deno.readDir(data)) {
    if (entry.isFile && /\.(png|jpe?g|webp|tiff?)$/i.test(entry.name)) {
      paths.push(join(data, entry.name));
    }
  }
  if (paths.length === 0) {
    throw new Error(`data folder ${data} contains no PNG, JPEG, WebP or TIFF images`);
  }
  return paths.sort();
}
