/**
 * The discriminator objective of WeTok (arXiv 2508.05599): hinge loss plus
 * LeCam regularisation, in the order of the official code (update the logit
 * averages with this batch, then regularise towards them).
 */
import { tf } from "../engine/mod.ts";
import { hingeDiscriminatorLoss } from "./hinge_loss.ts";
import { type LecamEma, lecamRegularization } from "./lecam.ts";
import { LOSS_DEFAULTS } from "./loss_defaults.ts";

/** Terms of one discriminator step. */
export interface DiscriminatorLossTerms {
  /** `hinge + lecamWeight * lecam`, the value to minimise. */
  total: tf.Scalar;
  hinge: tf.Scalar;
  lecam: tf.Scalar;
}

/**
 * Updates `ema` with this batch's mean logits, then returns the hinge loss,
 * the LeCam term and their weighted sum. Call it once per discriminator step,
 * since every call advances the EMA.
 *
 * @param lecamWeight weight of the LeCam term (default 0.05).
 */
export function discriminatorLoss(
  realLogits: tf.Tensor,
  fakeLogits: tf.Tensor,
  ema: LecamEma,
  lecamWeight = LOSS_DEFAULTS.lecam,
): DiscriminatorLossTerms {
  // NOTE: the webgpu backend does not support dataSync. There, call
  // `await ema.updateFromLogits(...)` and combine the terms directly.
  const meanReal = tf.tidy(() => tf.mean(realLogits).dataSync()[0]);
  const meanFake = tf.tidy(() => tf.mean(fakeLogits).dataSync()[0]);
  ema.update(meanReal, meanFake);
  return tf.tidy(() => {
    const hinge = hingeDiscriminatorLoss(realLogits, fakeLogits);
    const lecam = lecamRegularization(realLogits, fakeLogits, ema.real, ema.fake);
    const total = tf.add(hinge, tf.mul(lecamWeight, lecam)) as tf.Scalar;
    return { total, hinge, lecam };
  });
}
