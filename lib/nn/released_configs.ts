/**
 * The four released WeTok configurations (arXiv 2508.05599, with values from
 * the official code's configs), and small configurations of the same shape
 * that train on two CPU cores.
 *
 * Every released tokenizer uses 256 base channels, 4 residual blocks per level
 * and groups of 8 bits (`d = groups * 8`). The compression ratio is the bits
 * of an 8-bit RGB image over the bits of its tokens: `24 * f^2 / d`.
 */
import {
  downsamplingFactor,
  type TokenizerConfig,
  validateTokenizerConfig,
} from "./tokenizer_config.ts";

/** A named tokenizer configuration with its quantizer grouping and decoder kind. */
export interface ReleasedConfig {
  /** Name as in the paper, e.g. "CR192". */
  name: string;
  /** Other names the configuration is known by. */
  aliases: readonly string[];
  tokenizer: TokenizerConfig;
  /** Quantizer groups `g`; `d = g * bitsPerGroup`. */
  groups: number;
  /** Bits per quantizer group (8 in every released config). */
  bitsPerGroup: number;
  /** Whether the released decoder is the deterministic one or the generative decoder. */
  decoder: "deterministic" | "generative";
}

const RELEASED_SHAPE = { ch: 256, numResBlocks: 4, inChannels: 3, outChannels: 3 } as const;

/** Released configurations at full size, keyed by name. */
export const RELEASED_CONFIGS: Readonly<Record<string, ReleasedConfig>> = {
  CR24: {
    name: "CR24",
    aliases: [],
    tokenizer: { ...RELEASED_SHAPE, chMult: [1, 2, 2, 4], zChannels: 64 },
    groups: 8,
    bitsPerGroup: 8,
    decoder: "deterministic",
  },
  CR48: {
    name: "CR48",
    aliases: ["ImageNet f8"],
    tokenizer: { ...RELEASED_SHAPE, chMult: [1, 2, 2, 4], zChannels: 32 },
    groups: 4,
    bitsPerGroup: 8,
    decoder: "deterministic",
  },
  CR192: {
    name: "CR192",
    aliases: ["ImageNet f16"],
    tokenizer: { ...RELEASED_SHAPE, chMult: [1, 1, 2, 2, 4], zChannels: 32 },
    groups: 4,
    bitsPerGroup: 8,
    decoder: "deterministic",
  },
  CR768: {
    name: "CR768",
    aliases: [],
    tokenizer: { ...RELEASED_SHAPE, chMult: [1, 1, 2, 2, 4, 8], zChannels: 32 },
    groups: 4,
    bitsPerGroup: 8,
    decoder: "generative",
  },
};

/** Base channels of the small CPU configurations (the smallest allowed by 32-group norms). */
export const SMALL_CH = 32;

/**
 * Small configurations with the released ones' channel multipliers, latent
 * channels, grouping and decoder kind, but `ch = 32` and one residual block
 * per level, for training on two CPU cores. Keyed by the released name plus "-small".
 */
export const SMALL_CONFIGS: Readonly<Record<string, ReleasedConfig>> = Object.fromEntries(
  Object.values(RELEASED_CONFIGS).map((config) => [
    `${config.name}-small`,
    {
      ...config,
      name: `${config.name}-small`,
      aliases: [],
      tokenizer: { ...config.tokenizer, ch: SMALL_CH, numResBlocks: 1 },
    },
  ]),
);

/**
 * Checks a named configuration: the tokenizer fields, and that the latent
 * channels equal `groups * bitsPerGroup`.
 *
 * @throws RangeError naming the mismatched value and the fix.
 */
export function validateReleasedConfig(config: ReleasedConfig): void {
  validateTokenizerConfig(config.tokenizer);
  const bits = config.groups * config.bitsPerGroup;
  if (config.tokenizer.zChannels !== bits) {
    throw new RangeError(
      `config ${config.name}: zChannels ${config.tokenizer.zChannels} does not match ` +
        `groups * bitsPerGroup = ${config.groups} * ${config.bitsPerGroup} = ${bits}; ` +
        "set zChannels to the quantizer's bit count",
    );
  }
}

/** Returns the compression ratio `24 * f^2 / d` of an 8-bit RGB image to its tokens. */
export function compressionRatio(config: TokenizerConfig): number {
  const f = downsamplingFactor(config);
  return (24 * f * f) / config.zChannels;
}

const CUSTOM_NAME = /^custom-ch(\d+)-x(\d+(?:-\d+)*)-rb(\d+)-d(\d+)-g(\d+)$/;

/**
 * Returns the name of a network outside the named configurations, such as
 * `custom-ch32-x1-2-2-rb1-d16-g2`, from which {@link findConfig} rebuilds it.
 * The experiment harness trains such networks; the name stored in their
 * checkpoints lets the tokenizer loader rebuild the same shapes.
 */
export function customNetworkName(tokenizer: TokenizerConfig, groups: number): string {
  return `custom-ch${tokenizer.ch}-x${tokenizer.chMult.join("-")}-rb${tokenizer.numResBlocks}` +
    `-d${tokenizer.zChannels}-g${groups}`;
}

/** Parses a {@link customNetworkName}; returns null when `name` has another form. */
export function parseCustomNetworkName(name: string): ReleasedConfig | null {
  const match = CUSTOM_NAME.exec(name);
  if (match === null) return null;
  const [ch, numResBlocks, zChannels, groups] = [1, 3, 4, 5].map((i) => Number(match[i]));
  if (groups < 1 || zChannels % groups !== 0) {
    throw new Error(
      `invalid network name "${name}": ${groups} groups do not divide d = ${zChannels}`,
    );
  }
  const tokenizer: TokenizerConfig = {
    ch,
    chMult: match[2].split("-").map(Number),
    numResBlocks,
    zChannels,
  };
  validateTokenizerConfig(tokenizer);
  return {
    name,
    aliases: [],
    tokenizer,
    groups,
    bitsPerGroup: zChannels / groups,
    decoder: "deterministic",
  };
}

/**
 * Returns the configuration called `name`: a released name, an alias, a small
 * "-small" name, or a {@link customNetworkName}.
 *
 * @throws Error listing the known names.
 */
export function findConfig(name: string): ReleasedConfig {
  const custom = parseCustomNetworkName(name);
  if (custom !== null) return custom;
  const all = [...Object.values(RELEASED_CONFIGS), ...Object.values(SMALL_CONFIGS)];
  const found = all.find((config) => config.name === name || config.aliases.includes(name));
  if (found === undefined) {
    throw new Error(
      `unknown tokenizer config "${name}": expected one of ${all.map((c) => c.name).join(", ")} ` +
        "or a custom-ch<C>-x<M1>-<M2>...-rb<R>-d<D>-g<G> name",
    );
  }
  return found;
}
