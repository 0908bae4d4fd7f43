/** Zero padding that also accepts negative amounts, which crop instead. */
import * as tf from "@tensorflow/tfjs-core";

/**
 * Pads an NHWC tensor with zeros on the spatial axes; a negative amount crops
 * that many rows or columns instead.
 *
 * @param x NHWC tensor.
 * @param top rows added (or removed when negative) above.
 * @param bottom rows added or removed below.
 * @param left columns added or removed on the left.
 * @param right columns added or removed on the right.
 */
export function padOrCrop(
  x: tf.Tensor4D,
  top: number,
  bottom: number,
  left: number,
  right: number,
): tf.Tensor4D {
  const [b, h, w, c] = x.shape;
  let y = x;
  if (top < 0 || bottom < 0 || left < 0 || right < 0) {
    const t = Math.max(0, -top);
    const l = Math.max(0, -left);
    const rows = h - t - Math.max(0, -bottom);
    const cols = w - l - Math.max(0, -right);
    if (rows <= 0 || cols <= 0) {
      throw new RangeError(
        `padOrCrop would crop [${x.shape}] to nothing (${top}, ${bottom}, ${left}, ${right})`,
      );
    }
    y = tf.slice(y, [0, t, l, 0], [b, rows, cols, c]);
  }
  if (top > 0 || bottom > 0 || left > 0 || right > 0) {
    y = tf.pad(y, [[0, 0], [Math.max(0, top), Math.max(0, bottom)], [
      Math.max(0, left),
      Math.max(0, right),
    ], [0, 0]]);
  }
  return y;
}
