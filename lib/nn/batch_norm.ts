/**
 * Batch normalisation as PyTorch's `nn.BatchNorm2d` (momentum 0.1, eps 1e-5).
 * In training mode it normalises with the batch statistics (biased variance)
 * and updates the running statistics (unbiased variance). In evaluation mode
 * it uses the running statistics.
 */
import { type Rng, tf } from "../engine/mod.ts";
import type { ParameterStore } from "./parameter_store.ts";

/** Options of {@link BatchNorm}. */
export interface BatchNormOptions {
  /** Weight of the new batch in the running statistics (default 0.1, PyTorch's). */
  momentum?: number;
  /** Added to the variance (default 1e-5, PyTorch's). */
  eps?: number;
  /**
   * Standard deviation of a normal N(1, std^2) initialisation of the scale.
   * When unset, the scale starts at 1.
   */
  weightInitStd?: number;
}

/**
 * Batch norm registering `<prefix>.weight`, `.bias` (trainable) and
 * `.running_mean`, `.running_var` (buffers).
 */
export class BatchNorm {
  readonly weight: tf.Variable;
  readonly bias: tf.Variable;
  readonly runningMean: tf.Variable;
  readonly runningVar: tf.Variable;
  readonly momentum: number;
  readonly eps: number;

  /** @param rng draws the scale when `weightInitStd` is set, and is unused otherwise. */
  constructor(
    store: ParameterStore,
    prefix: string,
    channels: number,
    rng: Rng,
    options: BatchNormOptions = {},
  ) {
    this.momentum = options.momentum ?? 0.1;
    this.eps = options.eps ?? 1e-5;
    const weight = options.weightInitStd === undefined
      ? tf.ones([channels])
      : rng.normalTensor([channels], 1, options.weightInitStd);
    const bias = tf.zeros([channels]);
    const runningMean = tf.zeros([channels]);
    const runningVar = tf.ones([channels]);
    this.weight = store.add(`${prefix}.weight`, weight);
    this.bias = store.add(`${prefix}.bias`, bias);
    this.runningMean = store.add(`${prefix}.running_mean`, runningMean, false);
    this.runningVar = store.add(`${prefix}.running_var`, runningVar, false);
    tf.dispose([weight, bias, runningMean, runningVar]);
  }

  /**
   * Normalises an NHWC tensor per channel.
   *
   * @param training batch statistics and a running-statistics update when true,
   *   running statistics when false.
   * @throws Error in training mode when the batch has a single value per channel.
   */
  apply(x: tf.Tensor4D, training: boolean): tf.Tensor4D {
    const [b, h, w] = x.shape;
    const count = b * h * w;
    if (!training) {
      return tf.tidy(() => {
        const inv = tf.rsqrt(tf.add(this.runningVar, this.eps));
        return tf.add(tf.mul(tf.mul(tf.sub(x, this.runningMean), inv), this.weight), this.bias);
      });
    }
    if (count < 2) {
      throw new Error(
        `batch norm in training mode needs more than one value per channel, got input ` +
          `shape [${x.shape}]. Use a larger batch or image`,
      );
    }
    return tf.tidy(() => {
      const { mean, variance } = tf.moments(x, [0, 1, 2]);
      // The running statistics are buffers: the output does not depend on them in
      // training mode, so no gradient reaches this update.
      tf.tidy(() => {
        const m = this.momentum;
        const unbiased = tf.mul(variance, count / (count - 1));
        this.runningMean.assign(tf.add(tf.mul(this.runningMean, 1 - m), tf.mul(mean, m)));
        this.runningVar.assign(tf.add(tf.mul(this.runningVar, 1 - m), tf.mul(unbiased, m)));
      });
      const normalized = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, this.eps)));
      return tf.add(tf.mul(normalized, this.weight), this.bias);
    });
  }
}
