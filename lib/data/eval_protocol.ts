/**
 * The evaluation protocol of the official WeTok code (arXiv 2508.05599,
 * released evaluation scripts): resize the short side to S, centre-crop S x S,
 * scale to [-1, 1]. The official pipeline resizes with albumentations'
 * `SmallestMaxSize`, i.e. OpenCV's `INTER_LINEAR` (bilinear, no antialiasing).
 *
 * Also the original-resolution protocol: pad with zeros in [-1, 1] to a
 * multiple of the downsampling factor, reconstruct, crop back.
 */
import sharp from "sharp";
import { tf } from "../engine/mod.ts";
import { decodeImage, type RgbImage } from "./image_io.ts";
import { imagesToTensor } from "./batch.ts";
import { cropImage } from "./crops.ts";

/**
 * Resampling for the short-side resize:
 * - "bilinear": OpenCV's `INTER_LINEAR` arithmetic (half-pixel centres, no
 *   antialiasing), as in the official pipeline. Computed in float64 and
 *   rounded, so values can differ by 1 from OpenCV's 11-bit fixed-point result;
 * - "lanczos3": libvips' antialiased Lanczos-3 through sharp, which aliases less
 *   when shrinking a lot but is not the official protocol.
 */
export type ResizeKernel = "bilinear" | "lanczos3";

/** Options of {@link evalTransform}. */
export interface EvalTransformOptions {
  /** Resampling (default "bilinear", the official pipeline's). */
  kernel?: ResizeKernel;
}

/**
 * Returns the short-side-resized, centre-cropped `size x size` image.
 * The long side becomes `round(long * size / short)`, as albumentations computes it.
 *
 * @param size output side S in pixels (the paper evaluates at 256).
 */
export async function evalTransform(
  image: RgbImage,
  size: number,
  options: EvalTransformOptions = {},
): Promise<RgbImage> {
  if (!Number.isInteger(size) || size < 1) {
    throw new RangeError(`eval size must be a positive integer, got ${size}`);
  }
  const scale = size / Math.min(image.width, image.height);
  // NOTE: albumentations rounds with Python's round (halves to even); Math.round differs only at exact halves.
  const width = image.width <= image.height ? size : Math.round(image.width * scale);
  const height = image.height < image.width ? size : Math.round(image.height * scale);
  const kernel = options.kernel ?? "bilinear";
  let resized: RgbImage;
  if (width === image.width && height === image.height) resized = image;
  else if (kernel === "bilinear") resized = resizeBilinear(image, width, height);
  else if (kernel === "lanczos3") resized = await resizeLanczos3(image, width, height);
  else throw new RangeError(`invalid resize kernel "${kernel}": use "bilinear" or "lanczos3"`);
  return centreCrop(resized, size, size);
}

/**
 * Reads image files through the evaluation protocol: decode, short side to
 * `size`, centre crop, and stack as `[N, size, size, 3]` float32 in [-1, 1].
 *
 * @throws ImageDecodeError naming the first file that cannot be decoded.
 */
export async function loadEvalBatch(
  files: readonly string[],
  size: number,
  options: EvalTransformOptions = {},
): Promise<tf.Tensor4D> {
  const images: RgbImage[] = [];
  for (const file of files) {
    images.push(await evalTransform(await decodeImage(file), size, options));
  }
  return imagesToTensor(images);
}

/** Returns the centred `width x height` window (top-left offset floor((W - w) / 2), as albumentations). */
export function centreCrop(image: RgbImage, width: number, height: number): RgbImage {
  const x0 = Math.floor((image.width - width) / 2);
  const y0 = Math.floor((image.height - height) / 2);
  return cropImage(image, x0, y0, width, height);
}

/**
 * Resizes with OpenCV `INTER_LINEAR` geometry: source coordinate
 * `(dst + 0.5) * src / dst - 0.5`, clamped to the border, bilinear weights.
 */
export function resizeBilinear(image: RgbImage, width: number, height: number): RgbImage {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new RangeError(`resize target must be positive integers, got ${width}x${height}`);
  }
  const xs = axisTaps(image.width, width);
  const ys = axisTaps(image.height, height);
  const src = image.data;
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    const r0 = ys.index[y] * image.width;
    const r1 = ys.next[y] * image.width;
    const fy = ys.fraction[y];
    for (let x = 0; x < width; x++) {
      const c0 = xs.index[x];
      const c1 = xs.next[x];
      const fx = xs.fraction[x];
      for (let ch = 0; ch < 3; ch++) {
        const top = src[(r0 + c0) * 3 + ch] * (1 - fx) + src[(r0 + c1) * 3 + ch] * fx;
        const bottom = src[(r1 + c0) * 3 + ch] * (1 - fx) + src[(r1 + c1) * 3 + ch] * fx;
        data[(y * width + x) * 3 + ch] = Math.round(top * (1 - fy) + bottom * fy);
      }
    }
  }
  return { width, height, data };
}

function axisTaps(source: number, target: number) {
  const index = new Int32Array(target);
  const next = new Int32Array(target);
  const fraction = new Float64Array(target);
  const scale = source / target;
  for (let i = 0; i < target; i++) {
    let f = (i + 0.5) * scale - 0.5;
    let s = Math.floor(f);
    f -= s;
    if (s < 0) {
      s = 0;
      f = 0;
    }
    if (s >= source - 1) {
      s = source - 1;
      f = 0;
    }
    index[i] = s;
    next[i] = Math.min(s + 1, source - 1);
    fraction[i] = f;
  }
  return { index, next, fraction };
}

async function resizeLanczos3(image: RgbImage, width: number, height: number): Promise<RgbImage> {
  const out = await sharp(image.data, {
    raw: { width: image.width, height: image.height, channels: 3 },
  })
    .resize(width, height, { kernel: "lanczos3", fit: "fill" })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { width: out.info.width, height: out.info.height, data: new Uint8Array(out.data) };
}

/** Position and size of the original image inside a padded batch. */
export interface CropRegion {
  top: number;
  left: number;
  height: number;
  width: number;
}

/**
 * Pads a `[B, H, W, C]` batch in [-1, 1] with zeros (mid grey) up to the next
 * multiple of `multiple` on each axis, splitting the padding as the official
 * original-resolution evaluation does: `floor(pad / 2)` before, the rest after.
 * The official script aligns to 16.
 */
export function padToMultiple(
  batch: tf.Tensor4D,
  multiple: number,
): { padded: tf.Tensor4D; region: CropRegion } {
  if (!Number.isInteger(multiple) || multiple < 1) {
    throw new RangeError(`pad multiple must be a positive integer, got ${multiple}`);
  }
  const [, height, width] = batch.shape;
  const padH = (multiple - (height % multiple)) % multiple;
  const padW = (multiple - (width % multiple)) % multiple;
  const top = padH >> 1;
  const left = padW >> 1;
  const padded = tf.pad(batch, [[0, 0], [top, padH - top], [left, padW - left], [0, 0]], 0);
  return { padded, region: { top, left, height, width } };
}

/** Crops a padded batch (or its reconstruction) back to the region {@link padToMultiple} returned. */
export function cropToRegion(batch: tf.Tensor4D, region: CropRegion): tf.Tensor4D {
  return tf.slice(batch, [0, region.top, region.left, 0], [-1, region.height, region.width, -1]);
}
