/** Splitting image batches into square tiles. */
import { tf } from "../engine/mod.ts";

/**
 * Splits `[N, k*s, m*s, C]` images into `[N*k*m, s, s, C]` tiles of side `s`,
 * image by image and row by row within an image.
 *
 * @param size tile side `s` in pixels.
 * @throws RangeError when the height or width is not a multiple of `size`.
 */
export function splitIntoTiles(images: tf.Tensor4D, size: number): tf.Tensor4D {
  const [n, height, width, channels] = images.shape;
  if (!Number.isInteger(size) || size < 1 || height % size !== 0 || width % size !== 0) {
    throw new RangeError(
      `invalid tile size ${size}: images of ${height}x${width} pixels need a tile side ` +
        `that divides both`,
    );
  }
  const rows = height / size;
  const columns = width / size;
  return tf.tidy(() => {
    const grid = tf.reshape(images, [n, rows, size, columns, size, channels]);
    return tf.reshape(tf.transpose(grid, [0, 1, 3, 2, 4, 5]), [
      n * rows * columns,
      size,
      size,
      channels,
    ]) as tf.Tensor4D;
  });
}
