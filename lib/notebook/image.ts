/**
 * Images shown inline in a notebook: tensors to 8-bit RGB, and grids of
 * labelled rows (originals beside reconstructions) as one PNG.
 */
import { tf } from "../engine/mod.ts";
import { encodePng, type RgbImage } from "../data/image_io.ts";
import { escapeHtml } from "../report/mod.ts";
import { base64, type Displayable, displayable } from "./display.ts";

/** Options of {@link tensorToRgbImages}. */
export interface PixelRangeOptions {
  /**
   * Values mapped to black and to white (default `[-1, 1]`, the tokenizer's
   * input range). Values outside are clamped; the rest are rounded to the
   * nearest 8-bit level.
   */
  range?: [number, number];
}

/**
 * Converts NHWC images to 8-bit RGB, one per batch entry. A 3-D tensor is one
 * image; one channel is shown as grey.
 * @param images `[B, H, W, C]` or `[H, W, C]` with `C` = 1 or 3.
 * @throws Error when the rank, the channel count or the range is invalid.
 */
export async function tensorToRgbImages(
  images: tf.Tensor,
  options: PixelRangeOptions = {},
): Promise<RgbImage[]> {
  const [low, high] = options.range ?? [-1, 1];
  if (!(Number.isFinite(low) && Number.isFinite(high) && high > low)) {
    throw new Error(
      `invalid pixel range [${low}, ${high}]; give [black, white] with black < white`,
    );
  }

  if (images.rank !== 3 && images.rank !== 4) {
    throw new Error(
      `expected NHWC images of rank 4 (or one HWC image of rank 3), got shape [${images.shape}]`,
    );
  }
  const shape = images.rank === 3 ? [1, ...images.shape] : images.shape;
  const [batch, height, width, channels] = shape;
  if (channels !== 1 && channels !== 3) {
    throw new Error(
      `expected 1 or 3 channels, got shape [${images.shape}]; select the RGB channels`,
    );
  }

  const values = await images.data();
  const scale = 255 / (high - low);
  const pixels = height * width;
  const result: RgbImage[] = [];
  for (let b = 0; b < batch; b++) {
    const data = new Uint8Array(pixels * 3);
    for (let p = 0; p < pixels; p++) {
      for (let c = 0; c < 3; c++) {
        const source = (b * pixels + p) * channels + (channels === 1 ? 0 : c);
        const level = Math.round((values[source] - low) * scale);
        data[p * 3 + c] = Math.min(255, Math.max(0, level));
      }
    }
    result.push({ width, height, data });
  }
  return result;
}

/** Enlarges an image by an integer factor with nearest-neighbour sampling (crisp pixels). */
export function upscaleNearest(image: RgbImage, factor: number): RgbImage {
  if (!Number.isInteger(factor) || factor < 1) {
    throw new Error(`invalid upscale factor ${factor}; use a positive integer`);
  }
  if (factor === 1) return image;
  const width = image.width * factor;
  const height = image.height * factor;
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    const sourceRow = Math.floor(y / factor) * image.width;
    for (let x = 0; x < width; x++) {
      const source = (sourceRow + Math.floor(x / factor)) * 3;
      const target = (y * width + x) * 3;
      data[target] = image.data[source];
      data[target + 1] = image.data[source + 1];
      data[target + 2] = image.data[source + 2];
    }
  }
  return { width, height, data };
}

/** One labelled row of an {@link imageGrid}. */
export interface ImageRow {
  /** Row label, such as "original" or "reconstruction, noise seed 3". */
  label: string;
  /** The row's images: an NHWC tensor or 8-bit RGB images. */
  images: tf.Tensor | RgbImage[];
}

/** Options of {@link imageGrid}. */
export interface ImageGridOptions extends PixelRangeOptions {
  /**
   * Integer enlargement with nearest-neighbour sampling. The default is the
   * smallest factor that makes the widest image at least 128 pixels wide.
   */
  upscale?: number;
  /** Gap between images, in pixels after enlargement (default 4). */
  gap?: number;
  /** Column headings, one per column (default none). */
  columnLabels?: string[];
}

/**
 * Lays out rows of images as one grid and returns it for inline display: a
 * PNG of the whole grid (white gaps), an HTML table with the row labels, and
 * a plain-text summary.
 * @throws Error when there are no rows, a row is empty, or a label count does not match.
 */
export async function imageGrid(
  rows: ImageRow[],
  options: ImageGridOptions = {},
): Promise<Displayable> {
  if (rows.length === 0) throw new Error("imageGrid: no rows; give at least one row of images");
  const converted: RgbImage[][] = [];
  for (const row of rows) {
    const images = Array.isArray(row.images)
      ? row.images
      : await tensorToRgbImages(row.images, options);
    if (images.length === 0) throw new Error(`imageGrid: row "${row.label}" has no images`);
    converted.push(images);
  }
  const columns = Math.max(...converted.map((images) => images.length));
  if (options.columnLabels && options.columnLabels.length !== columns) {
    throw new Error(
      `imageGrid: ${options.columnLabels.length} column labels for ${columns} columns; give one per column`,
    );
  }
  const widest = Math.max(...converted.flat().map((image) => image.width));
  const upscale = options.upscale ?? Math.max(1, Math.ceil(128 / widest));
  const gap = options.gap ?? 4;
  if (!Number.isInteger(gap) || gap < 0) {
    throw new Error(`imageGrid: invalid gap ${gap}; use an integer >= 0`);
  }
  const cells = converted.map((images) => images.map((image) => upscaleNearest(image, upscale)));

  const grid = await encodePng(composeGrid(cells, gap));
  const htmlRows: string[] = [];
  if (options.columnLabels) {
    const headings = options.columnLabels.map((label) => `<th>${escapeHtml(label)}</th>`).join("");
    htmlRows.push(`<tr><th></th>${headings}</tr>`);
  }
  for (let r = 0; r < rows.length; r++) {
    const images: string[] = [];
    for (const image of cells[r]) {
      const png = base64(await encodePng(image));
      images.push(
        `<td><img src="data:image/png;base64,${png}" width="${image.width}" height="${image.height}"></td>`,
      );
    }
    htmlRows.push(
      `<tr><th style="text-align:right">${escapeHtml(rows[r].label)}</th>${images.join("")}</tr>`,
    );
  }
  const sizes = converted.map((images) => `${images[0].width}x${images[0].height}`);
  const plain = rows
    .map((row, r) => `${row.label}: ${converted[r].length} image(s) of ${sizes[r]} pixels`)
    .join("\n");
  return displayable({
    "image/png": base64(grid),
    "text/html": `<table>${htmlRows.join("\n")}</table>`,
    "text/plain": plain,
  });
}

/** Places images row by row on a white canvas, `gap` pixels apart. */
function composeGrid(rows: RgbImage[][], gap: number): RgbImage {
  const columns = Math.max(...rows.map((row) => row.length));
  const columnWidths = new Array(columns).fill(0);
  for (const row of rows) {
    row.forEach((image, c) => columnWidths[c] = Math.max(columnWidths[c], image.width));
  }
  const rowHeights = rows.map((row) => Math.max(...row.map((image) => image.height)));
  const width = columnWidths.reduce((sum, w) => sum + w, 0) + gap * (columns - 1);
  const height = rowHeights.reduce((sum, h) => sum + h, 0) + gap * (rows.length - 1);
  const data = new Uint8Array(width * height * 3).fill(255);
  let top = 0;
  rows.forEach((row, r) => {
    let left = 0;
    row.forEach((image, c) => {
      for (let y = 0; y < image.height; y++) {
        const source = image.data.subarray(y * image.width * 3, (y + 1) * image.width * 3);
        data.set(source, ((top + y) * width + left) * 3);
      }
      left += columnWidths[c] + gap;
    });
    top += rowHeights[r] + gap;
  });
  return { width, height, data };
}
