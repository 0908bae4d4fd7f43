/**
 * Adaptive weight of the generator's adversarial loss (Esser et al., VQGAN,
 * CVPR 2021), an option of WeTok (arXiv 2508.05599) when no fixed weight is
 * set: the ratio of the gradient norms of the reconstruction loss and of the
 * adversarial loss with respect to the decoder's last layer, clamped to
 * [0, 1e4] and multiplied by 0.8, as in the official code.
 */
import { tf } from "../engine/mod.ts";
import { LOSS_DEFAULTS } from "./loss_defaults.ts";

/** Options of {@link adaptiveGanWeight}. */
export interface AdaptiveWeightOptions {
  /** Factor on the clamped ratio (default 0.8). */
  factor?: number;
  /** Upper clamp of the ratio (default 1e4). */
  max?: number;
  /** Added to the adversarial gradient norm (default 1e-4). */
  eps?: number;
}

/**
 * Returns `factor * clamp(||reconstructionGrad|| / (||adversarialGrad|| + eps), 0, max)`,
 * with Frobenius norms. The result is a constant for the optimizer: callers
 * compute it from gradients and do not differentiate through it.
 *
 * @param reconstructionGrad gradient of the reconstruction (plus perceptual) loss at the last layer's kernel.
 * @param adversarialGrad gradient of the generator's adversarial loss at the same kernel.
 */
export function adaptiveGanWeight(
  reconstructionGrad: tf.Tensor,
  adversarialGrad: tf.Tensor,
  options: AdaptiveWeightOptions = {},
): tf.Scalar {
  const factor = options.factor ?? LOSS_DEFAULTS.adaptiveWeightFactor;
  const max = options.max ?? LOSS_DEFAULTS.adaptiveWeightMax;
  const eps = options.eps ?? LOSS_DEFAULTS.adaptiveWeightEps;
  return tf.tidy(() => {
    const ratio = tf.div(tf.norm(reconstructionGrad), tf.add(tf.norm(adversarialGrad), eps));
    return tf.mul(tf.clipByValue(ratio, 0, max), factor) as tf.Scalar;
  });
}

/**
 * Computes both gradients at `lastLayer` and returns {@link adaptiveGanWeight}.
 * Each loss function runs its own forward pass.
 */
export function adaptiveGanWeightAt(
  lastLayer: tf.Variable,
  reconstructionLoss: () => tf.Scalar,
  adversarialLoss: () => tf.Scalar,
  options: AdaptiveWeightOptions = {},
): tf.Scalar {
  return tf.tidy(() => {
    const reconstructionGrad = tf.variableGrads(reconstructionLoss, [lastLayer]).grads;
    const adversarialGrad = tf.variableGrads(adversarialLoss, [lastLayer]).grads;
    const key = Object.keys(reconstructionGrad)[0];
    return adaptiveGanWeight(reconstructionGrad[key], adversarialGrad[key], options);
  });
}
