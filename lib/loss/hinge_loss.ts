/** Hinge discriminator loss used by WeTok (arXiv 2508.05599) and VQGAN. */
import { tf } from "../engine/mod.ts";

/**
 * Returns `0.5 * (mean(relu(1 - realLogits)) + mean(relu(1 + fakeLogits)))`,
 * each mean over every logit.
 */
export function hingeDiscriminatorLoss(realLogits: tf.Tensor, fakeLogits: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const real = tf.mean(tf.relu(tf.sub(1, realLogits)));
    const fake = tf.mean(tf.relu(tf.add(1, fakeLogits)));
    return tf.mul(0.5, tf.add(real, fake)) as tf.Scalar;
  });
}
