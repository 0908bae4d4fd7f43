/**
 * Image decoding and PNG writing through sharp (libvips).
 *
 * Every decoded image is interleaved RGB, whatever the file holds: grey, grey
 * with alpha, palette, CMYK (converted with libvips' built-in profiles), 8 or 16
 * bits per sample, and any EXIF orientation (applied, so the pixels come out
 * upright). Failures name the file and the reason.
 */
import sharp, { type Sharp } from "sharp";
import { atomicWrite } from "../io/atomic_write.ts";

/** Interleaved 8-bit RGB pixels, row-major, `data.length = width * height * 3`. */
export interface RgbImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/** Interleaved RGB pixels as float32 in [0, 1], row-major. */
export interface RgbFloatImage {
  width: number;
  height: number;
  data: Float32Array;
}

/** Handling of an alpha channel. */
export type AlphaMode =
  /** Discard alpha and keep the colour under it, as PIL's `convert("RGB")` does. */
  | "drop"
  /** Composite over a white background. */
  | "white"
  /** Composite over a black background. */
  | "black";

/** Options of {@link decodeImage} and {@link decodeImageFloat}. */
export interface DecodeOptions {
  /**
   * Largest accepted width x height, in pixels (default 268,402,689 = 16383^2,
   * sharp's own default). Larger images are rejected before decoding.
   */
  maxPixels?: number;
  /** Handling of alpha (default "drop", like the `convert("RGB")` of the official data code). */
  alpha?: AlphaMode;
  /** Name used in error messages when the input is a byte array (default "<bytes>"). */
  name?: string;
}

/** Default pixel limit of {@link DecodeOptions.maxPixels}. */
export const DEFAULT_MAX_PIXELS = 16383 * 16383;

/** An image that could not be read or decoded; `file` names it. */
export class ImageDecodeError extends Error {
  /** Path or name of the offending input. */
  readonly file: string;

  constructor(file: string, reason: string, options?: ErrorOptions) {
    super(`cannot decode image ${file}: ${reason}`, options);
    this.name = "ImageDecodeError";
    this.file = file;
  }
}

/** Facts about a decoded file that the pixels alone do not show. */
export interface ImageInfo {
  /** Container format reported by libvips, such as "jpeg", "png" or "webp". */
  format: string;
  /** Bits per sample of the source (8 or 16 for the formats this project uses). */
  bitsPerSample: number;
  /** Colour space of the source, such as "srgb", "b-w", "cmyk" or "grey16". */
  space: string;
  /** Whether the source has an alpha channel (palette transparency included). */
  hasAlpha: boolean;
  /** EXIF orientation tag of the source (1 = upright), applied during decoding. */
  orientation: number;
}

/**
 * Decodes a file path or an encoded byte array to upright 8-bit RGB.
 *
 * 16-bit sources are rounded to 8 bits by libvips; use {@link decodeImageFloat}
 * to keep their precision.
 *
 * @throws ImageDecodeError naming the file when it is missing, empty, corrupt,
 *   truncated, of an unsupported format, or over `maxPixels`.
 */
export async function decodeImage(
  source: string | Uint8Array,
  options: DecodeOptions = {},
): Promise<RgbImage & { info: ImageInfo }> {
  const { bytes, name } = await readSource(source, options.name);
  const info = await probe(bytes, name, options);
  const pipeline = prepare(bytes, name, info, options).toColourspace("srgb");
  const { data, info: out } = await run(
    name,
    () => pipeline.raw().toBuffer({ resolveWithObject: true }),
  );
  checkChannels(name, out.channels);
  return { width: out.width, height: out.height, data: new Uint8Array(data), info };
}

/**
 * Decodes to upright RGB float32 in [0, 1], keeping 16-bit precision when the
 * source has it (value / 65535), else value / 255.
 *
 * @throws ImageDecodeError as {@link decodeImage}.
 */
export async function decodeImageFloat(
  source: string | Uint8Array,
  options: DecodeOptions = {},
): Promise<RgbFloatImage & { info: ImageInfo }> {
  const { bytes, name } = await readSource(source, options.name);
  const info = await probe(bytes, name, options);
  if (info.bitsPerSample <= 8) {
    const image = await decodeImage(bytes, { ...options, name });
    const data = new Float32Array(image.data.length);
    for (let i = 0; i < data.length; i++) data[i] = image.data[i] / 255;
    return { width: image.width, height: image.height, data, info };
  }
  const pipeline = prepare(bytes, name, info, options).toColourspace("rgb16");
  const { data, info: out } = await run(
    name,
    () => pipeline.raw({ depth: "ushort" }).toBuffer({ resolveWithObject: true }),
  );
  checkChannels(name, out.channels);
  const words = new Uint16Array(data.buffer, data.byteOffset, data.length / 2);
  const floats = new Float32Array(words.length);
  for (let i = 0; i < words.length; i++) floats[i] = words[i] / 65535;
  return { width: out.width, height: out.height, data: floats, info };
}

/**
 * Writes an 8-bit RGB image as a PNG file through the atomic-write helper.
 *
 * @throws RangeError when `data.length` does not match `width * height * 3`.
 */
export async function writePng(path: string, image: RgbImage): Promise<void> {
  await atomicWrite(path, await encodePng(image));
}

/** Encodes an 8-bit RGB image as PNG bytes (lossless). */
export async function encodePng(image: RgbImage): Promise<Uint8Array> {
  const { width, height, data } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new RangeError(`PNG size must be positive integers, got ${width}x${height}`);
  }
  if (data.length !== width * height * 3) {
    throw new RangeError(
      `PNG data must contain width*height*3 = ${width * height * 3} bytes, got ${data.length}`,
    );
  }
  const png = await sharp(data, { raw: { width, height, channels: 3 } }).png().toBuffer();
  return new Uint8Array(png);
}

async function readSource(
  source: string | Uint8Array,
  name: string | undefined,
): Promise<{ bytes: Uint8Array; name: string }> {
  if (typeof source !== "string") {
    const label = name ?? "<bytes>";
    if (source.length === 0) throw new ImageDecodeError(label, "the input is empty (0 bytes)");
    return { bytes: source, name: label };
  }
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(source);
  } catch (err) {
    const reason = err instanceof Deno.errors.NotFound
      ? "file not found; check the path"
      : `file cannot be read (${(err as Error).message})`;
    throw new ImageDecodeError(source, reason, { cause: err });
  }
  if (bytes.length === 0) throw new ImageDecodeError(source, "the file is empty (0 bytes)");
  return { bytes, name: source };
}

async function probe(bytes: Uint8Array, name: string, options: DecodeOptions): Promise<ImageInfo> {
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;
  if (!Number.isFinite(maxPixels) || maxPixels < 1) {
    throw new RangeError(`maxPixels must be a positive number, got ${maxPixels}`);
  }
  const meta = await run(name, () => sharp(bytes).metadata());
  if (!meta.width || !meta.height) {
    throw new ImageDecodeError(name, "the header has no image size");
  }
  if (meta.width * meta.height > maxPixels) {
    throw new ImageDecodeError(
      name,
      `${meta.width}x${meta.height} = ${meta.width * meta.height} pixels is over the limit of ` +
        `${maxPixels}; raise maxPixels or downscale the file`,
    );
  }
  return {
    format: meta.format ?? "unknown",
    bitsPerSample: meta.bitsPerSample ?? (meta.depth === "ushort" ? 16 : 8),
    space: meta.space ?? "unknown",
    hasAlpha: meta.hasAlpha ?? false,
    orientation: meta.orientation ?? 1,
  };
}

function prepare(
  bytes: Uint8Array,
  name: string,
  info: ImageInfo,
  options: DecodeOptions,
): Sharp {
  // failOn "truncated" rejects incomplete files instead of returning partly grey pixels.
  let pipeline = sharp(bytes, {
    failOn: "truncated",
    limitInputPixels: options.maxPixels ?? DEFAULT_MAX_PIXELS,
  }).rotate();
  const alpha = options.alpha ?? "drop";
  if (info.hasAlpha) {
    if (alpha === "drop") pipeline = pipeline.removeAlpha();
    else if (alpha === "white") pipeline = pipeline.flatten({ background: "#ffffff" });
    else if (alpha === "black") pipeline = pipeline.flatten({ background: "#000000" });
    else {throw new RangeError(
        `invalid alpha mode "${alpha}" for ${name}: use drop, white or black`,
      );}
  }
  return pipeline;
}

async function run<T>(name: string, action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (err) {
    if (err instanceof ImageDecodeError) throw err;
    throw new ImageDecodeError(
      name,
      `${(err as Error).message} (corrupt, truncated or not an image)`,
      {
        cause: err,
      },
    );
  }
}

function checkChannels(name: string, channels: number): void {
  if (channels !== 3) {
    throw new ImageDecodeError(name, `decoder returned ${channels} channels where 3 were expected`);
  }
}
