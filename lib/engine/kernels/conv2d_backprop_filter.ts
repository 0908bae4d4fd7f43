/**
 * `Conv2DBackpropFilter` for the wasm backend, which tfjs-backend-wasm 4.22
 * does not register: the filter gradient of `tf.conv2d`, of fused conv and of
 * `tf.conv2dTranspose`.
 *
 * Method: the input is padded to what the forward conv reads (plus one spare
 * row per stride phase) and split by stride phase into a channel-major layout
 * `[sh, sw, C_in, B, ph, pw]` (two transposes of rank 3). The patch matrix of
 * filter tap `(i, j)` and channel `c` is then one contiguous run of that
 * layout per image, if each output row is taken `pw` wide instead of
 * `outWidth`: the extra columns read the next row's first values, and `dy` is
 * padded with zero columns to the same width so that they add nothing. When
 * that widening would add over a quarter to the work (small outputs), each
 * output row is copied on its own instead. For a chunk of at most 4,096
 * output positions (fewer for wide layers), a JavaScript copy builds the
 * transposed patch matrix `[kh*kw*C_in, n]`. One plain matrix product with the
 * matching rows of the padded `dy` (`[n, C_out]`) then gives that chunk's
 * share of the filter gradient, already in the filter's `[kh, kw, C_in, C_out]`
 * order.
 *
 * NOTE: an Inf or NaN in `x` next to a row end also reaches the filter
 * gradient through the zero-weighted extra columns (0 * Inf = NaN).
 */
import * as tf from "@tensorflow/tfjs-core";
import { backpropConvInfo, checkFloat32Inputs, type ConvStridePadding } from "./_conv_backprop.ts";
import { padOrCrop } from "./pad_or_crop.ts";
import { asWasmBackend, type KernelArgs, toTensor } from "./wasm_memory.ts";

/** Output positions (columns of the patch matrix) per matrix product, at most. */
export const FILTER_GRAD_CHUNK_ROWS = 4096;

/**
 * Values of the patch matrix per matrix product, at most (16 MiB of float32),
 * so that wide layers (3x3 with 512 channels) take smaller chunks.
 */
export const FILTER_GRAD_CHUNK_VALUES = 4 * 1024 * 1024;

/** Largest factor by which copying whole phase rows may widen the patch matrix. */
export const MAX_ROW_WIDENING = 1.25;

/** Returns the `Conv2DBackpropFilter` kernel. */
export function conv2dBackpropFilterKernel(): tf.KernelConfig {
  return {
    kernelName: tf.Conv2DBackpropFilter,
    backendName: "wasm",
    kernelFunc: (args) => {
      const { inputs, attrs, backend } = args as unknown as KernelArgs;
      const filterAttrs = attrs as unknown as tf.Conv2DBackpropFilterAttrs;
      const { dataFormat, filterShape } = filterAttrs;
      let x = inputs.x as tf.Tensor4D;
      let dy = inputs.dy as tf.Tensor4D;
      checkFloat32Inputs(tf.Conv2DBackpropFilter, ["x", "dy"], [x, dy]);
      return tf.tidy(() => {
        if (dataFormat === "NCHW") {
          x = tf.transpose(x, [0, 2, 3, 1]);
          dy = tf.transpose(dy, [0, 2, 3, 1]);
        }
        return filterGradient(backend, x, dy, filterShape, filterAttrs);
      });
    },
  };
}

function filterGradient(
  backend: unknown,
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  filterShape: [number, number, number, number],
  attrs: ConvStridePadding,
): tf.Tensor4D {
  const info = backpropConvInfo(tf.Conv2DBackpropFilter, x.shape, filterShape, dy.shape, attrs);
  const [batch, height, width, cIn] = x.shape;
  const { strideHeight: sh, strideWidth: sw, filterHeight: kh, filterWidth: kw } = info;
  const { outHeight, outWidth, outChannels: cOut } = info;
  const { top, left } = info.padInfo;

  // Rows and columns read by the forward conv, in whole stride phases, plus
  // one spare phase row for the run of the last output row to spill into.
  const phaseHeight = Math.ceil(((outHeight - 1) * sh + kh) / sh) + 1;
  const phaseWidth = Math.ceil(((outWidth - 1) * sw + kw) / sw);
  const xp = padOrCrop(
    x,
    top,
    phaseHeight * sh - height - top,
    left,
    phaseWidth * sw - width - left,
  );
  const phases = phaseSplit(xp, sh, sw, phaseHeight, phaseWidth);

  const rowLength = phaseWidth <= MAX_ROW_WIDENING * outWidth ? phaseWidth : outWidth;
  const dyRows = tf.reshape(
    rowLength > outWidth ? tf.pad(dy, [[0, 0], [0, 0], [0, rowLength - outWidth], [0, 0]]) : dy,
    [batch * outHeight * rowLength, cOut],
  );
  const positionsPerChunk = Math.min(
    FILTER_GRAD_CHUNK_ROWS,
    Math.floor(FILTER_GRAD_CHUNK_VALUES / (kh * kw * cIn)),
  );
  const rowsPerChunk = Math.max(1, Math.floor(positionsPerChunk / rowLength));
  const totalRows = batch * outHeight;
  const geometry = {
    sh,
    sw,
    kh,
    kw,
    cIn,
    batch,
    phaseHeight,
    phaseWidth,
    outHeight,
    outWidth,
    rowLength,
  };
  let sum: tf.Tensor | null = null;
  for (let r0 = 0; r0 < totalRows; r0 += rowsPerChunk) {
    const rows = Math.min(rowsPerChunk, totalRows - r0);
    const patches = toTensor<tf.Rank.R2>(transposedPatches(backend, phases, geometry, r0, rows));
    const dyChunk = tf.slice(dyRows, [r0 * rowLength, 0], [rows * rowLength, cOut]);
    const part = tf.matMul(patches, dyChunk);
    sum = sum === null ? part : tf.add(sum, part);
  }
  return tf.reshape(sum!, [kh, kw, cIn, cOut]);
}

/** Reorders padded `[B, Hp, Wp, C]` (Hp = ph*sh, Wp = pw*sw) into `[sh, sw, C, B, ph, pw]`. */
function phaseSplit(xp: tf.Tensor4D, sh: number, sw: number, ph: number, pw: number): tf.Tensor {
  const [b, , , c] = xp.shape;
  if (sh === 1 && sw === 1) return tf.transpose(tf.reshape(xp, [b * ph * pw, c]));
  // [B*ph, sh, pw*sw*C] -> [sh, B*ph, pw*sw*C], then [sh, B*ph*pw, sw*C] -> [sh, sw*C, B*ph*pw].
  const rowPhases = tf.transpose(tf.reshape(xp, [b * ph, sh, pw * sw * c]), [1, 0, 2]);
  return tf.transpose(tf.reshape(rowPhases, [sh, b * ph * pw, sw * c]), [0, 2, 1]);
}

interface PatchGeometry {
  sh: number;
  sw: number;
  kh: number;
  kw: number;
  cIn: number;
  batch: number;
  phaseHeight: number;
  phaseWidth: number;
  outHeight: number;
  outWidth: number;
  /** Columns per output row in the patch matrix: `phaseWidth` (whole phase rows) or `outWidth`. */
  rowLength: number;
}

/**
 * Builds the patch matrix `[kh*kw*C_in, rows*rowLength]` for output rows
 * `r0 .. r0+rows-1` (counted over batch and height), each row `rowLength`
 * wide: entry `((i*kw + j)*C_in + c, p)` is the input value that filter tap
 * `(i, j)`, channel `c` multiplies at output position `p`.
 */
function transposedPatches(
  backend: unknown,
  phases: tf.Tensor,
  g: PatchGeometry,
  r0: number,
  rows: number,
): tf.TensorInfo {
  const wasm = asWasmBackend(backend);
  const { rowLength, phaseWidth } = g;
  const wide = rowLength === phaseWidth;
  const out = wasm.makeOutput([g.kh * g.kw * g.cIn, rows * rowLength], "float32");
  const src = wasm.typedArrayFromHeap(phases);
  const dst = wasm.typedArrayFromHeap(out);
  const imageSize = g.phaseHeight * g.phaseWidth;
  const planeSize = g.batch * imageSize;
  let o = 0;
  for (let i = 0; i < g.kh; i++) {
    const p = i % g.sh;
    const a = (i - p) / g.sh;
    for (let j = 0; j < g.kw; j++) {
      const q = j % g.sw;
      const bq = (j - q) / g.sw;
      for (let c = 0; c < g.cIn; c++) {
        const plane = ((p * g.sw + q) * g.cIn + c) * planeSize;
        // Whole phase rows: one contiguous run per image that the chunk touches.
        // Otherwise one copy of outWidth values per output row.
        let r = r0;
        while (r < r0 + rows) {
          const b = Math.floor(r / g.outHeight);
          const h = r - b * g.outHeight;
          const run = wide ? Math.min(g.outHeight - h, r0 + rows - r) : 1;
          const length = wide ? run * phaseWidth : g.outWidth;
          const start = plane + b * imageSize + (a + h) * phaseWidth + bq;
          dst.set(src.subarray(start, start + length), o);
          o += length;
          r += run;
        }
      }
    }
  }
  return out;
}
