/**
 * The WeTok decoder (arXiv 2508.05599), laid out as the official PyTorch code:
 *
 *     conv_in (3x3, with bias) from d (2d when generative) -> ch * chMult[-1]
 *     numResBlocks middle residual blocks
 *     for each level i, from the last to the first:
 *         adaptive group norm conditioned on the quantized latent,
 *         numResBlocks residual blocks to ch * chMult[i],
 *         upsampling (3x3 conv to 4x channels, depth-to-space) except at level 0
 *     GroupNorm - swish - conv_out (3x3, with bias) -> outChannels
 *
 * A generative decoder (GD in the WeTok paper) concatenates Gaussian noise of
 * the latent's shape to the latent on the channel axis before `conv_in`. The
 * adaptive group norms still see only the latent. The official code draws
 * fresh noise on each call, but here the noise comes from a seeded `Rng` or a
 * given tensor, or is zero for deterministic decoding.
 */
import { type Rng, tf } from "../engine/mod.ts";
import { AdaptiveGroupNorm } from "./adaptive_group_norm.ts";
import { Conv2d } from "./conv2d.ts";
import { GroupNorm } from "./group_norm.ts";
import { ParameterStore } from "./parameter_store.ts";
import { ResBlock, resBlockStack } from "./res_block.ts";
import { swish } from "./swish.ts";
import { type TokenizerConfig, validateTokenizerConfig } from "./tokenizer_config.ts";
import { Upsample } from "./upsample.ts";

/** Options of the {@link Decoder} constructor. */
export interface DecoderOptions {
  /** Seeded source of the initial weights. */
  rng: Rng;
  /** Store to register the weights in (default: a new store). */
  store?: ParameterStore;
  /** State-dict prefix (default "decoder"). */
  prefix?: string;
  /** True for the generative decoder, whose first conv also reads d noise channels (default false). */
  generative?: boolean;
}

/**
 * Noise of a generative decoder call: a tensor of the latent's shape, `"zero"`
 * for deterministic decoding (z = 0), or an `Rng` to draw N(0, 1) noise from.
 */
export type DecoderNoise = tf.Tensor4D | "zero" | Rng;

/** One decoder level: its adaptive norm, residual blocks and optional upsampler. */
export interface DecoderLevel {
  adaptive: AdaptiveGroupNorm;
  blocks: ResBlock[];
  upsample: Upsample | null;
}

/** Latent-to-image decoder whose weights live in a {@link ParameterStore}. */
export class Decoder {
  readonly config: TokenizerConfig;
  readonly store: ParameterStore;
  readonly prefix: string;
  readonly generative: boolean;
  readonly convIn: Conv2d;
  readonly midBlocks: ResBlock[] = [];
  /** Levels indexed as in the official code: `levels[0]` is the full-resolution level, applied last. */
  readonly levels: DecoderLevel[];
  readonly normOut: GroupNorm;
  readonly convOut: Conv2d;

  /** @throws RangeError naming the invalid config field. */
  constructor(config: TokenizerConfig, options: DecoderOptions) {
    validateTokenizerConfig(config);
    this.config = config;
    this.store = options.store ?? new ParameterStore();
    this.prefix = options.prefix ?? "decoder";
    this.generative = options.generative ?? false;
    const { ch, chMult, numResBlocks, zChannels } = config;
    const { rng } = options;
    const p = this.prefix;
    const top = chMult.length - 1;

    let channels = ch * chMult[top];
    this.convIn = new Conv2d(this.store, `${p}.conv_in`, {
      inChannels: this.generative ? 2 * zChannels : zChannels,
      outChannels: channels,
      kernelSize: 3,
      padding: 1,
      bias: true,
    }, rng);
    this.midBlocks.push(
      ...resBlockStack(this.store, `${p}.mid_block`, numResBlocks, channels, channels, rng),
    );

    // Registration order follows the official constructor: top level first.
    const levels: DecoderLevel[] = new Array(chMult.length);
    for (let level = top; level >= 0; level--) {
      const outChannels = ch * chMult[level];
      const adaptive = new AdaptiveGroupNorm(
        this.store,
        `${p}.adaptive.${level}`,
        zChannels,
        channels,
        rng,
      );
      const prefix = `${p}.up.${level}.block`;
      const blocks = resBlockStack(this.store, prefix, numResBlocks, channels, outChannels, rng);
      channels = outChannels;
      const upsample = level > 0
        ? new Upsample(this.store, `${p}.up.${level}.upsample`, channels, rng)
        : null;
      levels[level] = { adaptive, blocks, upsample };
    }
    this.levels = levels;
    this.normOut = new GroupNorm(this.store, `${p}.norm_out`, channels);
    this.convOut = new Conv2d(this.store, `${p}.conv_out`, {
      inChannels: channels,
      outChannels: config.outChannels ?? 3,
      kernelSize: 3,
      padding: 1,
      bias: true,
    }, rng);
  }

  /**
   * Decodes a quantized latent `[B, h, w, zChannels]` (h * w >= 2) into images
   * `[B, h*f, w*f, outChannels]`, unclamped.
   *
   * @param noise required by a generative decoder and rejected by a deterministic one.
   * @throws Error when the latent's channel count is not `zChannels`, or the noise is
   *   missing, unexpected or of the wrong shape.
   */
  apply(latent: tf.Tensor4D, noise?: DecoderNoise): tf.Tensor4D {
    const d = this.config.zChannels;
    if (latent.rank !== 4 || latent.shape[3] !== d) {
      throw new Error(
        `decoder expects a latent [B, h, w, ${d}] (zChannels ${d}), got shape [${latent.shape}]`,
      );
    }
    if (!this.generative && noise !== undefined) {
      throw new Error(
        "this decoder is deterministic and takes no noise. Build a generative decoder " +
          "with widenToGenerative to decode with noise",
      );
    }
    if (this.generative && noise === undefined) {
      throw new Error(
        'generative decoder needs noise: pass an Rng for N(0, 1) noise, "zero" for ' +
          "deterministic decoding, or a tensor of the latent's shape",
      );
    }
    return tf.tidy(() => {
      let x: tf.Tensor4D;
      if (this.generative) {
        const z = this.#noiseTensor(latent, noise!);
        x = this.convIn.apply(tf.concat([latent, z], 3));
      } else {
        x = this.convIn.apply(latent);
      }
      for (const block of this.midBlocks) x = block.apply(x);
      for (let level = this.levels.length - 1; level >= 0; level--) {
        const { adaptive, blocks, upsample } = this.levels[level];
        x = adaptive.apply(x, latent);
        for (const block of blocks) x = block.apply(x);
        if (upsample !== null) x = upsample.apply(x);
      }
      return this.convOut.apply(swish(this.normOut.apply(x)));
    });
  }

  /** Returns the trainable variables of this decoder. */
  trainableVariables(): tf.Variable[] {
    return this.store.trainableVariables(`${this.prefix}.`);
  }

  /** Returns the last layer's kernel, where the adaptive GAN weight compares gradient norms. */
  lastLayerWeight(): tf.Variable {
    return this.convOut.weight;
  }

  #noiseTensor(latent: tf.Tensor4D, noise: DecoderNoise): tf.Tensor4D {
    if (noise === "zero") return tf.zerosLike(latent);
    if (noise instanceof tf.Tensor) {
      if (!noise.shape.every((size, i) => size === latent.shape[i]) || noise.rank !== 4) {
        throw new Error(
          `decoder noise must have the latent's shape [${latent.shape}], got [${noise.shape}]`,
        );
      }
      return noise;
    }
    return noise.normalTensor(latent.shape) as tf.Tensor4D;
  }
}
