/**
 * Depth-to-space (pixel shuffle) built from a reshape and a rank-4 transpose.
 *
 * TensorFlow.js's own `depthToSpace` has no gradient and runs per element on
 * wasm; this composition is differentiable on every backend.
 */
import * as tf from "@tensorflow/tfjs-core";

/**
 * Rearranges `[B, H, W, r*r*C]` into `[B, H*r, W*r, C]` in DCR order: output
 * channel `c` at sub-position `(i, j)` reads input channel `(i*r + j)*C + c`,
 * the order of TensorFlow's `depthToSpace` and of PyTorch's `pixel_shuffle`
 * after an NCHW-to-NHWC conversion of the weights.
 *
 * @param x NHWC tensor whose channel count is a multiple of `blockSize^2`.
 * @param blockSize upsampling factor r (default 2).
 */
export function depthToSpace(x: tf.Tensor4D, blockSize = 2): tf.Tensor4D {
  const [b, h, w, c] = x.shape;
  const r = blockSize;
  if (!Number.isInteger(r) || r < 1) {
    throw new RangeError(`depthToSpace blockSize must be a positive integer, got ${blockSize}`);
  }
  if (c % (r * r) !== 0) {
    throw new RangeError(
      `depthToSpace needs channels divisible by blockSize^2 = ${r * r}, got ${c} channels`,
    );
  }
  const cOut = c / (r * r);
  return tf.tidy(() => {
    // [B*H, W, r, r*C]: the channel axis splits into (i, j*C + c).
    const a = tf.reshape(x, [b * h, w, r, r * cOut]);
    // Move i before W: [B*H, r, W, r*C] = [B, H, r, W, r, C] in memory.
    const t = tf.transpose(a, [0, 2, 1, 3]);
    return tf.reshape(t, [b, h * r, w * r, cOut]);
  });
}
