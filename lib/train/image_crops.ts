/**
 * Training batches of random square crops from a fixed list of decoded images.
 * Each crop draws its image, then its top-left corner, from the given `Rng`,
 * so the generator state alone fixes the data order (what resuming needs).
 */
import { type Rng, tf } from "../engine/mod.ts";
import { decodeImageFloat, type RgbFloatImage } from "../data/image_io.ts";
import type { TrainData } from "./model.ts";

/** Random crops, scaled to [-1, 1], from images in [0, 1]. */
export class ImageCropData implements TrainData {
  readonly images: readonly RgbFloatImage[];

  /** @throws RangeError when the list is empty. */
  constructor(images: RgbFloatImage[]) {
    if (images.length === 0) {
      throw new RangeError("ImageCropData needs at least one image, got none");
    }
    this.images = images;
  }

  /**
   * Decodes image files and shrinks each by an integer box filter so that its
   * short side lies in [shortSide, 2 * shortSide).
   *
   * @param shortSide target short side in pixels; the crops then cover a
   *   larger part of each photo than at full resolution.
   */
  static async fromFiles(paths: string[], shortSide: number): Promise<ImageCropData> {
    const images: RgbFloatImage[] = [];
    for (const path of paths) {
      images.push(shrinkToShortSide(await decodeImageFloat(path), shortSide));
    }
    return new ImageCropData(images);
  }

  /**
   * Draws `[batchSize, cropSize, cropSize, 3]` in [-1, 1].
   *
   * @throws RangeError when `cropSize` exceeds the smaller side of an image.
   */
  sampleBatch(batchSize: number, cropSize: number, rng: Rng): tf.Tensor4D {
    const smallest = Math.min(...this.images.map((im) => Math.min(im.width, im.height)));
    if (!Number.isInteger(cropSize) || cropSize < 1 || cropSize > smallest) {
      throw new RangeError(
        `crop size ${cropSize} is invalid: it must be a positive integer no larger than the smallest ` +
          `image side (${smallest} px)`,
      );
    }
    const out = new Float32Array(batchSize * cropSize * cropSize * 3);
    const rowLength = cropSize * 3;
    for (let b = 0; b < batchSize; b++) {
      const image = this.images[rng.int(this.images.length)];
      const top = rng.int(image.height - cropSize + 1);
      const left = rng.int(image.width - cropSize + 1);
      for (let y = 0; y < cropSize; y++) {
        const source = ((top + y) * image.width + left) * 3;
        const target = (b * cropSize + y) * rowLength;
        for (let i = 0; i < rowLength; i++) out[target + i] = image.data[source + i] * 2 - 1;
      }
    }
    return tf.tensor4d(out, [batchSize, cropSize, cropSize, 3]);
  }

  /**
   * Returns the centre `size x size` crop of every image, `[N, size, size, 3]` in
   * [-1, 1], for evaluation on held-out images.
   *
   * @throws RangeError when `size` exceeds the smaller side of an image.
   */
  centerCrops(size: number): tf.Tensor4D {
    const out = new Float32Array(this.images.length * size * size * 3);
    this.images.forEach((image, n) => {
      if (!Number.isInteger(size) || size < 1 || size > Math.min(image.width, image.height)) {
        throw new RangeError(
          `centre crop ${size} is invalid for image ${n} of ${image.width}x${image.height} px`,
        );
      }
      const top = Math.floor((image.height - size) / 2);
      const left = Math.floor((image.width - size) / 2);
      for (let y = 0; y < size; y++) {
        const source = ((top + y) * image.width + left) * 3;
        const target = (n * size + y) * size * 3;
        for (let i = 0; i < size * 3; i++) out[target + i] = image.data[source + i] * 2 - 1;
      }
    });
    return tf.tensor4d(out, [this.images.length, size, size, 3]);
  }
}

/**
 * Shrinks an image by the largest integer factor `k` that keeps its short side
 * at least `shortSide`, averaging each `k x k` block. With `k = 1` the image is
 * returned unchanged.
 */
export function shrinkToShortSide(image: RgbFloatImage, shortSide: number): RgbFloatImage {
  if (!Number.isInteger(shortSide) || shortSide < 1) {
    throw new RangeError(`shortSide must be a positive integer, got ${shortSide}`);
  }
  const k = Math.max(1, Math.floor(Math.min(image.width, image.height) / shortSide));
  if (k === 1) return image;
  const width = Math.floor(image.width / k);
  const height = Math.floor(image.height / k);
  const data = new Float32Array(width * height * 3);
  const scale = 1 / (k * k);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < 3; c++) {
        let sum = 0;
        for (let dy = 0; dy < k; dy++) {
          const row = (y * k + dy) * image.width;
          for (let dx = 0; dx < k; dx++) sum += image.data[(row + x * k + dx) * 3 + c];
        }
        data[(y * width + x) * 3 + c] = sum * scale;
      }
    }
  }
  return { width, height, data };
}
