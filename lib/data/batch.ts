/**
 * Conversion between 8-bit RGB images and NHWC float32 batches in [-1, 1],
 * the range the tokenizer reads and writes (`x / 127.5 - 1`).
 */
import { tf } from "../engine/mod.ts";
import type { RgbImage } from "./image_io.ts";

/**
 * Stacks images of one size into a `[N, H, W, 3]` float32 tensor in [-1, 1].
 *
 * @throws RangeError when the list is empty or sizes differ, naming the first odd image.
 */
export function imagesToTensor(images: readonly RgbImage[]): tf.Tensor4D {
  if (images.length === 0) throw new RangeError("imagesToTensor needs at least one image");
  const { width, height } = images[0];
  const per = width * height * 3;
  const out = new Float32Array(images.length * per);
  for (const [n, image] of images.entries()) {
    if (image.width !== width || image.height !== height || image.data.length !== per) {
      throw new RangeError(
        `image ${n} is ${image.width}x${image.height}, expected ${width}x${height} like image 0`,
      );
    }
    for (let i = 0; i < per; i++) out[n * per + i] = image.data[i] / 127.5 - 1;
  }
  return tf.tensor4d(out, [images.length, height, width, 3], "float32");
}

/**
 * Converts a `[N, H, W, 3]` tensor in [-1, 1] to 8-bit images (clamped, then
 * rounded to nearest), for writing reconstructions as PNG.
 */
export async function tensorToImages(batch: tf.Tensor4D): Promise<RgbImage[]> {
  const [n, height, width, channels] = batch.shape;
  if (channels !== 3) throw new RangeError(`tensorToImages needs 3 channels, got ${channels}`);
  const values = await batch.data();
  const per = height * width * 3;
  const images: RgbImage[] = [];
  for (let k = 0; k < n; k++) {
    const data = new Uint8Array(per);
    for (let i = 0; i < per; i++) {
      data[i] = Math.round(Math.min(255, Math.max(0, (values[k * per + i] + 1) * 127.5)));
    }
    images.push({ width, height, data });
  }
  return images;
}
