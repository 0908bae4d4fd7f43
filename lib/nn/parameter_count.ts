/**
 * Closed-form parameter counts of the WeTok networks (arXiv 2508.05599),
 * computed from a config without allocating any weight. They follow the same
 * layer list as the constructors, which tests check on small built models.
 */
import { type DiscriminatorConfig, resolveDiscriminatorConfig } from "./discriminator.ts";
import { type TokenizerConfig, validateTokenizerConfig } from "./tokenizer_config.ts";

/** Trainable scalar counts of an encoder/decoder pair. */
export interface TokenizerParameterCount {
  encoder: number;
  decoder: number;
}

function convCount(inChannels: number, outChannels: number, kernel: number, bias: boolean): number {
  return inChannels * outChannels * kernel * kernel + (bias ? outChannels : 0);
}

function groupNormCount(channels: number): number {
  return 2 * channels;
}

function resBlockCount(inChannels: number, outChannels: number): number {
  let total = groupNormCount(inChannels) + convCount(inChannels, outChannels, 3, false) +
    groupNormCount(outChannels) + convCount(outChannels, outChannels, 3, false);
  if (inChannels !== outChannels) total += convCount(inChannels, outChannels, 1, false);
  return total;
}

/** Returns the encoder's trainable parameter count for `config`. */
export function countEncoderParameters(config: TokenizerConfig): number {
  validateTokenizerConfig(config);
  const { ch, chMult, numResBlocks, zChannels } = config;
  let total = convCount(config.inChannels ?? 3, ch, 3, false);
  let channels = ch;
  chMult.forEach((mult, level) => {
    for (let i = 0; i < numResBlocks; i++) {
      total += resBlockCount(channels, ch * mult);
      channels = ch * mult;
    }
    if (level < chMult.length - 1) total += convCount(channels, channels, 3, true);
  });
  total += numResBlocks * resBlockCount(channels, channels);
  total += groupNormCount(channels) + convCount(channels, zChannels, 1, true);
  return total;
}

/**
 * Returns the decoder's trainable parameter count for `config`.
 *
 * @param generative count the generative decoder, whose first conv reads 2d channels (default false).
 */
export function countDecoderParameters(config: TokenizerConfig, generative = false): number {
  validateTokenizerConfig(config);
  const { ch, chMult, numResBlocks, zChannels } = config;
  let channels = ch * chMult[chMult.length - 1];
  let total = convCount(generative ? 2 * zChannels : zChannels, channels, 3, true);
  total += numResBlocks * resBlockCount(channels, channels);
  for (let level = chMult.length - 1; level >= 0; level--) {
    // Adaptive group norm: two linear maps from d to the current channel count.
    total += 2 * (zChannels * channels + channels);
    for (let i = 0; i < numResBlocks; i++) {
      total += resBlockCount(channels, ch * chMult[level]);
      channels = ch * chMult[level];
    }
    if (level > 0) total += convCount(channels, 4 * channels, 3, true);
  }
  total += groupNormCount(channels) + convCount(channels, config.outChannels ?? 3, 3, true);
  return total;
}

/** Returns the encoder and decoder trainable parameter counts for `config`. */
export function countTokenizerParameters(
  config: TokenizerConfig,
  generative = false,
): TokenizerParameterCount {
  return {
    encoder: countEncoderParameters(config),
    decoder: countDecoderParameters(config, generative),
  };
}

/** Returns the PatchGAN discriminator's trainable parameter count (batch-norm buffers excluded). */
export function countDiscriminatorParameters(config: DiscriminatorConfig = {}): number {
  const { inChannels, ndf, nLayers } = resolveDiscriminatorConfig(config);
  let total = convCount(inChannels, ndf, 4, true);
  let mult = 1;
  for (let n = 1; n <= nLayers; n++) {
    const previous = mult;
    mult = Math.min(2 ** n, 8);
    total += convCount(ndf * previous, ndf * mult, 4, false) + 2 * ndf * mult;
  }
  return total + convCount(ndf * mult, 1, 4, true);
}
