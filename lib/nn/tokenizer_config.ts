/**
 * Shape of the WeTok encoder and decoder (arXiv 2508.05599), with the fields of
 * the official code's `ddconfig` in camelCase.
 */
import { GROUP_NORM_GROUPS } from "./group_norm.ts";

/** Architecture of an encoder/decoder pair. */
export interface TokenizerConfig {
  /** Base channel count, divisible by 32. Level `i` has `ch * chMult[i]` channels. */
  ch: number;
  /** Channel multiplier per level; `len - 1` stride-2 stages give the factor `f = 2^(len - 1)`. */
  chMult: readonly number[];
  /** Residual blocks per level, and also the number of middle blocks (official code). */
  numResBlocks: number;
  /** Latent channels `d` (the official `z_channels`): the bits per token of the quantizer. */
  zChannels: number;
  /** Image channels at the encoder input (default 3). */
  inChannels?: number;
  /** Image channels at the decoder output (default 3). */
  outChannels?: number;
}

/**
 * Checks a config and throws a RangeError naming the first invalid field, its
 * value and the fix.
 */
export function validateTokenizerConfig(config: TokenizerConfig): void {
  const { ch, chMult, numResBlocks, zChannels } = config;
  if (!Number.isInteger(ch) || ch < 1 || ch % GROUP_NORM_GROUPS !== 0) {
    throw new RangeError(
      `invalid ch ${ch}: the group norms use ${GROUP_NORM_GROUPS} groups, so ch must be a ` +
        `positive multiple of ${GROUP_NORM_GROUPS}`,
    );
  }
  if (!Array.isArray(chMult) || chMult.length === 0) {
    throw new RangeError(
      `invalid chMult [${chMult}]: it must list at least one channel multiplier, e.g. [1, 2, 2, 4]`,
    );
  }
  for (const mult of chMult) {
    if (!Number.isInteger(mult) || mult < 1) {
      throw new RangeError(
        `invalid chMult [${chMult}]: multiplier ${mult} must be a positive integer`,
      );
    }
  }
  if (!Number.isInteger(numResBlocks) || numResBlocks < 1) {
    throw new RangeError(
      `invalid numResBlocks ${numResBlocks}: it must be a positive integer`,
    );
  }
  if (!Number.isInteger(zChannels) || zChannels < 1) {
    throw new RangeError(`invalid zChannels ${zChannels}: it must be a positive integer`);
  }
  for (const key of ["inChannels", "outChannels"] as const) {
    const value = config[key];
    if (value !== undefined && (!Number.isInteger(value) || value < 1)) {
      throw new RangeError(`invalid ${key} ${value}: it must be a positive integer`);
    }
  }
}

/** Returns the spatial downsampling factor `f = 2^(chMult.length - 1)`. */
export function downsamplingFactor(config: TokenizerConfig): number {
  return 2 ** (config.chMult.length - 1);
}

/**
 * Checks that an image of `height x width` pixels suits the config: both sides
 * must be multiples of the downsampling factor so the decoder returns the same size.
 *
 * @throws RangeError naming the size and the factor.
 */
export function validateImageSize(config: TokenizerConfig, height: number, width: number): void {
  const f = downsamplingFactor(config);
  if (height % f !== 0 || width % f !== 0 || height < f || width < f) {
    throw new RangeError(
      `image size ${height}x${width} is not a positive multiple of the downsampling factor ` +
        `${f}. Pad or crop the image to a multiple of ${f}`,
    );
  }
}
