/**
 * LeCam regularisation of the discriminator (Tseng et al., CVPR 2021), as used
 * by WeTok (arXiv 2508.05599) with weight 0.05 and EMA decay 0.999.
 *
 * The official code first updates the moving averages of the real and fake
 * logit means with the current batch, then computes
 * `mean(relu(real - emaFake)^2) + mean(relu(emaReal - fake)^2)`.
 */
import { tf } from "../engine/mod.ts";
import { LOSS_DEFAULTS } from "./loss_defaults.ts";

/** Serializable state of a {@link LecamEma}, for checkpoints. */
export interface LecamEmaState {
  real: number;
  fake: number;
}

/** Exponential moving averages of the mean real and fake logits, both starting at 0. */
export class LecamEma {
  real = 0;
  fake = 0;
  readonly decay: number;

  /** @param decay weight of the old average, in [0, 1) (default 0.999). */
  constructor(decay = LOSS_DEFAULTS.lecamEmaDecay) {
    if (!(decay >= 0 && decay < 1)) {
      throw new RangeError(`LeCam EMA decay must be in [0, 1), got ${decay}`);
    }
    this.decay = decay;
  }

  /** Folds in one batch's mean logits: `ema = decay * ema + (1 - decay) * mean`. */
  update(meanRealLogit: number, meanFakeLogit: number): void {
    this.real = this.decay * this.real + (1 - this.decay) * meanRealLogit;
    this.fake = this.decay * this.fake + (1 - this.decay) * meanFakeLogit;
  }

  /**
   * Folds in the mean of each logit tensor, read back asynchronously (works on
   * every backend, including webgpu).
   */
  async updateFromLogits(realLogits: tf.Tensor, fakeLogits: tf.Tensor): Promise<void> {
    const means = tf.tidy(() => tf.stack([tf.mean(realLogits), tf.mean(fakeLogits)]));
    const [real, fake] = await means.data();
    means.dispose();
    this.update(real, fake);
  }

  /** Returns the averages for a checkpoint. */
  getState(): LecamEmaState {
    return { real: this.real, fake: this.fake };
  }

  /** Restores averages saved by {@link getState}. */
  setState(state: LecamEmaState): void {
    this.real = state.real;
    this.fake = state.fake;
  }
}

/**
 * Returns `mean(relu(realLogits - emaFake)^2) + mean(relu(emaReal - fakeLogits)^2)`.
 * The averages are constants (numbers, or scalars the caller has cut from the
 * gradient), so gradients flow only into the logits.
 */
export function lecamRegularization(
  realLogits: tf.Tensor,
  fakeLogits: tf.Tensor,
  emaReal: number | tf.Scalar,
  emaFake: number | tf.Scalar,
): tf.Scalar {
  return tf.tidy(() => {
    const real = tf.mean(tf.square(tf.relu(tf.sub(realLogits, emaFake))));
    const fake = tf.mean(tf.square(tf.relu(tf.sub(emaReal, fakeLogits))));
    return tf.add(real, fake) as tf.Scalar;
  });
}
