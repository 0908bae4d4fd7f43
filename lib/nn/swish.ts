/** Swish (SiLU) activation of the WeTok networks (arXiv 2508.05599). */
import { tf } from "../engine/mod.ts";

/** Returns `x * sigmoid(x)` elementwise. */
export function swish<T extends tf.Tensor>(x: T): T {
  return tf.tidy(() => tf.mul(x, tf.sigmoid(x)));
}
