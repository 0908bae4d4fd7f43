/** L1 reconstruction loss of WeTok (arXiv 2508.05599). */
import { tf } from "../engine/mod.ts";

/**
 * Returns the mean absolute error `mean(|target - output|)` over all elements.
 *
 * @throws Error when the shapes differ.
 */
export function l1Loss(target: tf.Tensor, output: tf.Tensor): tf.Scalar {
  assertSameShape(target, output, "l1Loss");
  return tf.tidy(() => tf.mean(tf.abs(tf.sub(target, output))) as tf.Scalar);
}

/** Throws an Error naming both shapes when they differ. */
export function assertSameShape(a: tf.Tensor, b: tf.Tensor, context: string): void {
  if (a.rank !== b.rank || a.shape.some((size, i) => size !== b.shape[i])) {
    throw new Error(`${context}: shapes differ, [${a.shape}] vs [${b.shape}]`);
  }
}
