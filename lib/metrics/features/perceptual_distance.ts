/**
 * A differentiable perceptual distance on the frozen nsfwjs InceptionV3
 * layers, for the tokenizer's perceptual loss and for evaluation.
 *
 * It is LPIPS's formula without learned weights (the "baseline" variant of
 * Zhang et al. 2018): per layer, unit-normalise each position's channel
 * vector, square the differences, sum over channels, average over positions;
 * then sum over layers. It is not LPIPS (which uses AlexNet or VGG features
 * and learned channel weights); tables must show it under
 * {@link NSFWJS_PERCEPTUAL_METRIC}.
 */
import { tf } from "../../engine/mod.ts";
import type { NsfwjsInception } from "./nsfwjs_inception.ts";

export { NSFWJS_PERCEPTUAL_METRIC } from "./metric_names.ts";

/** Small constant in the channel norm, as in LPIPS (1e-10). */
const EPS = 1e-10;

/**
 * Returns the per-image distance, shape `[B]`, between two `[B, H, W, 3]`
 * batches in [-1, 1] (H, W >= 75), differentiable with respect to both.
 *
 * @param layers layers to compare (default: all layers the network was loaded with).
 */
export function perceptualDistance(
  net: NsfwjsInception,
  a: tf.Tensor4D,
  b: tf.Tensor4D,
  layers: readonly string[] = net.layerNames,
): tf.Tensor1D {
  if (a.shape.join() !== b.shape.join()) {
    throw new RangeError(
      `perceptualDistance needs equal shapes, got [${a.shape}] and [${b.shape}]`,
    );
  }
  return tf.tidy(() => {
    const batch = a.shape[0];
    const both = tf.concat([a, b], 0) as tf.Tensor4D;
    const maps = net.featureMaps(both, layers);
    let total: tf.Tensor1D = tf.zeros([batch]);
    for (const map of maps) {
      const norm = tf.add(tf.sqrt(tf.sum(tf.square(map), -1, true)), EPS);
      const unit = tf.div(map, norm);
      const [fa, fb] = tf.split(unit, [batch, batch], 0);
      const perPosition = tf.sum(tf.square(tf.sub(fa, fb)), -1);
      total = tf.add(total, tf.mean(perPosition, [1, 2])) as tf.Tensor1D;
    }
    return total;
  });
}
