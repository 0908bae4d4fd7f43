/**
 * Seeded random crops for training: every draw comes from the given `Rng`, so
 * a seed fixes which photo, which position and which flip each crop gets.
 */
import { type Rng, tf } from "../engine/mod.ts";
import type { RgbImage } from "./image_io.ts";
import { imagesToTensor } from "./batch.ts";

/**
 * Returns a `size x size` window of `image` at a uniformly drawn top-left corner.
 *
 * @throws RangeError naming the image size when it is smaller than `size`.
 */
export function randomCrop(image: RgbImage, size: number, rng: Rng): RgbImage {
  checkSize(size);
  if (image.width < size || image.height < size) {
    throw new RangeError(`cannot crop ${size}x${size} from a ${image.width}x${image.height} image`);
  }
  const x0 = rng.int(image.width - size + 1);
  const y0 = rng.int(image.height - size + 1);
  return cropImage(image, x0, y0, size, size);
}

/** Returns the `width x height` window of `image` whose top-left pixel is (x0, y0). */
export function cropImage(
  image: RgbImage,
  x0: number,
  y0: number,
  width: number,
  height: number,
): RgbImage {
  if (x0 < 0 || y0 < 0 || x0 + width > image.width || y0 + height > image.height) {
    throw new RangeError(
      `crop ${width}x${height} at (${x0}, ${y0}) does not fit a ${image.width}x${image.height} image`,
    );
  }
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    const start = ((y0 + y) * image.width + x0) * 3;
    data.set(image.data.subarray(start, start + width * 3), y * width * 3);
  }
  return { width, height, data };
}

/** Returns the image mirrored left to right. */
export function flipHorizontal(image: RgbImage): RgbImage {
  const { width, height } = image;
  const data = new Uint8Array(image.data.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const src = (y * width + x) * 3;
      const dst = (y * width + (width - 1 - x)) * 3;
      data[dst] = image.data[src];
      data[dst + 1] = image.data[src + 1];
      data[dst + 2] = image.data[src + 2];
    }
  }
  return { width, height, data };
}

/** Options of {@link randomCropBatch}. */
export interface CropBatchOptions {
  /** Mirror each crop with probability 1/2, as the official training data pipeline does (default false). */
  flip?: boolean;
}

/**
 * Draws `batchSize` crops: for each, a photo uniformly at random, then a
 * position, then (with `flip`) a coin for mirroring. Returns `[B, size, size, 3]`
 * float32 in [-1, 1].
 *
 * @throws RangeError when no photo is given or a drawn photo is too small.
 */
export function randomCropBatch(
  images: readonly RgbImage[],
  size: number,
  batchSize: number,
  rng: Rng,
  options: CropBatchOptions = {},
): tf.Tensor4D {
  if (images.length === 0) throw new RangeError("randomCropBatch needs at least one image");
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
  }
  const crops: RgbImage[] = [];
  for (let i = 0; i < batchSize; i++) {
    const crop = randomCrop(images[rng.int(images.length)], size, rng);
    crops.push(options.flip && rng.int(2) === 1 ? flipHorizontal(crop) : crop);
  }
  return imagesToTensor(crops);
}

function checkSize(size: number): void {
  if (!Number.isInteger(size) || size < 1) {
    throw new RangeError(`crop size must be a positive integer, got ${size}`);
  }
}
