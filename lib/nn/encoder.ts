/**
 * The WeTok encoder (arXiv 2508.05599), laid out as the official PyTorch code:
 *
 *     conv_in (3x3, no bias) -> ch
 *     for each level i: numResBlocks residual blocks to ch * chMult[i],
 *                       then a stride-2 3x3 conv (with bias) except after the last level
 *     numResBlocks middle residual blocks
 *     GroupNorm - swish - conv_out (1x1, with bias) -> zChannels
 *
 * An image `[B, H, W, 3]` becomes a latent `[B, H/f, W/f, d]` with
 * `f = 2^(chMult.length - 1)`.
 */
import { type Rng, tf } from "../engine/mod.ts";
import { Conv2d } from "./conv2d.ts";
import { Downsample } from "./downsample.ts";
import { GroupNorm } from "./group_norm.ts";
import { ParameterStore } from "./parameter_store.ts";
import { ResBlock, resBlockStack } from "./res_block.ts";
import { swish } from "./swish.ts";
import {
  type TokenizerConfig,
  validateImageSize,
  validateTokenizerConfig,
} from "./tokenizer_config.ts";

/** Options of the {@link Encoder} constructor. */
export interface EncoderOptions {
  /** Seeded source of the initial weights. */
  rng: Rng;
  /** Store to register the weights in (default: a new store). */
  store?: ParameterStore;
  /** State-dict prefix (default "encoder"). */
  prefix?: string;
}

/** Image-to-latent encoder whose weights live in a {@link ParameterStore}. */
export class Encoder {
  readonly config: TokenizerConfig;
  readonly store: ParameterStore;
  readonly prefix: string;
  readonly convIn: Conv2d;
  readonly levels: { blocks: ResBlock[]; downsample: Downsample | null }[] = [];
  readonly midBlocks: ResBlock[] = [];
  readonly normOut: GroupNorm;
  readonly convOut: Conv2d;

  /** @throws RangeError naming the invalid config field. */
  constructor(config: TokenizerConfig, options: EncoderOptions) {
    validateTokenizerConfig(config);
    this.config = config;
    this.store = options.store ?? new ParameterStore();
    this.prefix = options.prefix ?? "encoder";
    const { ch, chMult, numResBlocks, zChannels } = config;
    const { rng } = options;
    const p = this.prefix;

    this.convIn = new Conv2d(this.store, `${p}.conv_in`, {
      inChannels: config.inChannels ?? 3,
      outChannels: ch,
      kernelSize: 3,
      padding: 1,
      bias: false,
    }, rng);

    let channels = ch;
    chMult.forEach((mult, level) => {
      const outChannels = ch * mult;
      const prefix = `${p}.down.${level}.block`;
      const blocks = resBlockStack(this.store, prefix, numResBlocks, channels, outChannels, rng);
      channels = outChannels;
      const downsample = level < chMult.length - 1
        ? new Downsample(this.store, `${p}.down.${level}.downsample`, channels, rng)
        : null;
      this.levels.push({ blocks, downsample });
    });

    this.midBlocks.push(
      ...resBlockStack(this.store, `${p}.mid_block`, numResBlocks, channels, channels, rng),
    );
    this.normOut = new GroupNorm(this.store, `${p}.norm_out`, channels);
    this.convOut = new Conv2d(this.store, `${p}.conv_out`, {
      inChannels: channels,
      outChannels: zChannels,
      kernelSize: 1,
      bias: true,
    }, rng);
  }

  /**
   * Encodes images `[B, H, W, inChannels]` (values in [-1, 1] by convention)
   * into the continuous latent `[B, H/f, W/f, zChannels]`, before quantization.
   *
   * @throws RangeError when H or W is not a multiple of the downsampling factor.
   */
  apply(images: tf.Tensor4D): tf.Tensor4D {
    validateImageSize(this.config, images.shape[1], images.shape[2]);
    return tf.tidy(() => {
      let x = this.convIn.apply(images);
      for (const level of this.levels) {
        for (const block of level.blocks) x = block.apply(x);
        if (level.downsample !== null) x = level.downsample.apply(x);
      }
      for (const block of this.midBlocks) x = block.apply(x);
      return this.convOut.apply(swish(this.normOut.apply(x)));
    });
  }

  /** Returns the trainable variables of this encoder. */
  trainableVariables(): tf.Variable[] {
    return this.store.trainableVariables(`${this.prefix}.`);
  }
}
