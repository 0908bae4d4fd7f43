/**
 * Adaptive group norm of the WeTok decoder (arXiv 2508.05599): a group norm
 * without its own affine map, whose per-channel scale and shift are predicted
 * from statistics of the quantized latent.
 *
 * Parity details taken from the official PyTorch code:
 * - scale = Linear(sqrt(var + 1e-6)), where `var` is the unbiased (N - 1)
 *   variance of each latent channel over the spatial positions (PyTorch's
 *   default `Tensor.var`).
 * - shift = Linear(spatial mean of each latent channel).
 * - output = scale * groupNorm(x) + shift.
 */
import { type Rng, tf } from "../engine/mod.ts";
import { GROUP_NORM_EPS, GROUP_NORM_GROUPS, groupNormalize } from "./group_norm.ts";
import { Linear } from "./linear.ts";
import type { ParameterStore } from "./parameter_store.ts";

/**
 * Adaptive group norm registering `<prefix>.gamma.{weight,bias}` (scale) and
 * `<prefix>.beta.{weight,bias}` (shift), each a linear map from the latent's
 * channel count to `channels`.
 */
export class AdaptiveGroupNorm {
  readonly gamma: Linear;
  readonly beta: Linear;
  readonly latentChannels: number;
  readonly channels: number;
  readonly eps: number;

  /**
   * @param latentChannels channels `d` of the quantized latent.
   * @param channels channels of the normalised feature map, divisible by 32.
   * @param eps added to the group variance and to the latent variance (default 1e-6).
   */
  constructor(
    store: ParameterStore,
    prefix: string,
    latentChannels: number,
    channels: number,
    rng: Rng,
    eps = GROUP_NORM_EPS,
  ) {
    if (channels % GROUP_NORM_GROUPS !== 0) {
      throw new RangeError(
        `${prefix}: adaptive group norm needs a channel count divisible by ` +
          `${GROUP_NORM_GROUPS}, got ${channels}`,
      );
    }
    this.latentChannels = latentChannels;
    this.channels = channels;
    this.eps = eps;
    this.gamma = new Linear(store, `${prefix}.gamma`, latentChannels, channels, rng);
    this.beta = new Linear(store, `${prefix}.beta`, latentChannels, channels, rng);
  }

  /**
   * Normalises `x` and modulates it with statistics of `latent`.
   *
   * @param x NHWC feature map `[B, H, W, channels]`.
   * @param latent quantized latent `[B, h, w, latentChannels]` with `h * w >= 2`.
   * @throws Error when the latent has the wrong channel count or a single
   *   position, where the unbiased variance is undefined.
   */
  apply(x: tf.Tensor4D, latent: tf.Tensor4D): tf.Tensor4D {
    const [b, h, w, d] = latent.shape;
    if (d !== this.latentChannels) {
      throw new Error(
        `adaptive group norm expects a latent with ${this.latentChannels} channels, got ${d} ` +
          `(latent shape [${latent.shape}])`,
      );
    }
    if (b !== x.shape[0]) {
      throw new Error(
        `adaptive group norm got a latent batch of ${b} for a feature batch of ${x.shape[0]}. ` +
          "Pass the latent of the same images",
      );
    }
    if (h * w < 2) {
      throw new Error(
        `adaptive group norm needs a latent with at least 2 positions for the unbiased ` +
          `variance, got ${h}x${w}. Use a larger image`,
      );
    }
    return tf.tidy(() => {
      const flat = tf.reshape(latent, [b, h * w, d]);
      const mean = tf.mean(flat, 1);
      const squares = tf.sum(tf.square(tf.sub(flat, tf.expandDims(mean, 1))), 1);
      const unbiasedVariance = tf.div(squares, h * w - 1);
      const std = tf.sqrt(tf.add(unbiasedVariance, this.eps)) as tf.Tensor2D;
      const scale = tf.reshape(this.gamma.apply(std), [b, 1, 1, this.channels]);
      const shift = tf.reshape(this.beta.apply(mean as tf.Tensor2D), [b, 1, 1, this.channels]);
      return tf.add(tf.mul(groupNormalize(x, GROUP_NORM_GROUPS, this.eps), scale), shift);
    });
  }
}
