/**
 * Non-saturating generator loss of WeTok (arXiv 2508.05599), as in the official
 * code: each sample's patch logits are averaged first, then
 * `softplus(-mean logit)` (the sigmoid cross-entropy with label "real") is
 * averaged over the batch.
 */
import { tf } from "../engine/mod.ts";

/**
 * Returns `mean_b softplus(-mean_{patches} fakeLogits[b])`.
 *
 * @param fakeLogits discriminator logits of generated images, `[B, ...]` (PatchGAN: `[B, h, w, 1]`).
 */
export function nonSaturatingGeneratorLoss(fakeLogits: tf.Tensor): tf.Scalar {
  if (fakeLogits.rank < 1 || fakeLogits.size === 0) {
    throw new Error(`generator loss needs logits [B, ...], got shape [${fakeLogits.shape}]`);
  }
  return tf.tidy(() => {
    const perSample = tf.mean(tf.reshape(fakeLogits, [fakeLogits.shape[0], -1]), 1);
    return tf.mean(tf.softplus(tf.neg(perSample))) as tf.Scalar;
  });
}
