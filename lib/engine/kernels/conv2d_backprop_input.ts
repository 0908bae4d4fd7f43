/**
 * `Conv2DBackpropInput` for the wasm backend: the input gradient of
 * `tf.conv2d` and the forward pass of `tf.conv2dTranspose`. The stock kernel
 * of tfjs-backend-wasm 4.22 ran at 0.9-1.5 GFLOP/s in bench/engine.ts. This
 * one maps the work onto the backend's fast forward conv.
 *
 * Method, per spatial axis with stride s, kernel size k and leading padding
 * `pad`: the input position `r = s*a + p` (phase `p`) receives gradient only
 * from the taps `i = i0 + s*m` with `i0 = (p + pad) mod s`, and
 * `dx[s*a + p] = sum_m dy[a + c_p - m] * w[i0 + s*m]` with
 * `c_p = (p + pad - i0) / s`. Each phase is thus a stride-1 'valid' conv of
 * the suitably padded `dy` with a sub-filter flipped by 180 degrees and with
 * input and output channels swapped. The phases are then interleaved by a
 * depth-to-space rearrangement. Stride 1 is the one-phase case. Convs whose
 * output is much smaller than their input take the col2im path of col2im.ts.
 */
import * as tf from "@tensorflow/tfjs-core";
import { backpropConvInfo, checkFloat32Inputs, type ConvStridePadding } from "./_conv_backprop.ts";
import { inputGradientByCol2Im } from "./col2im.ts";
import { padOrCrop } from "./pad_or_crop.ts";
import { asWasmBackend, type KernelArgs, toTensor } from "./wasm_memory.ts";

/**
 * Ratio of input positions to output positions times the stride area, above
 * which the input gradient is a matmul and a scatter-add (col2im) instead of
 * phase convs.
 */
export const COL2IM_MIN_RATIO = 2;

/** Returns the `Conv2DBackpropInput` kernel. */
export function conv2dBackpropInputKernel(): tf.KernelConfig {
  return {
    kernelName: tf.Conv2DBackpropInput,
    backendName: "wasm",
    kernelFunc: (args) => {
      const { inputs, attrs } = args as unknown as KernelArgs;
      const inputAttrs = attrs as unknown as tf.Conv2DBackpropInputAttrs;
      const { inputShape, dataFormat } = inputAttrs;
      let dy = inputs.dy as tf.Tensor4D;
      const filter = inputs.filter as tf.Tensor4D;
      checkFloat32Inputs(tf.Conv2DBackpropInput, ["dy", "filter"], [dy, filter]);
      return tf.tidy(() => {
        let shape = inputShape as [number, number, number, number];
        if (dataFormat === "NCHW") {
          dy = tf.transpose(dy, [0, 2, 3, 1]);
          shape = [shape[0], shape[2], shape[3], shape[1]];
        }
        const dx = inputGradient(args.backend, dy, filter, shape, inputAttrs);
        return dataFormat === "NCHW" ? tf.transpose(dx, [0, 3, 1, 2]) : dx;
      });
    },
  };
}

/** The taps of one stride phase along one axis. */
interface AxisPhase {
  /** Filter indices, in the order the flipped sub-filter uses them. */
  taps: number[];
  /** `dy` padding before and after (negative crops), for a 'valid' conv over `outLength` positions. */
  before: number;
  after: number;
}

/** Returns the taps and the `dy` padding of phase `p` along one axis. */
function axisPhase(
  p: number,
  s: number,
  k: number,
  pad: number,
  dyLength: number,
  outLength: number,
): AxisPhase {
  const i0 = (p + pad) % s;
  const count = i0 < k ? Math.ceil((k - i0) / s) : 0;
  const shift = (p + pad - i0) / s;
  const taps: number[] = [];
  for (let m = count - 1; m >= 0; m--) taps.push(i0 + s * m);
  return { taps, before: count - 1 - shift, after: outLength + shift - dyLength };
}

function inputGradient(
  backend: unknown,
  dy: tf.Tensor4D,
  filter: tf.Tensor4D,
  inputShape: [number, number, number, number],
  attrs: ConvStridePadding,
): tf.Tensor4D {
  const info = backpropConvInfo(tf.Conv2DBackpropInput, inputShape, filter.shape, dy.shape, attrs);
  const [batch, height, width, cIn] = inputShape;
  const {
    strideHeight: sh,
    strideWidth: sw,
    filterHeight: kh,
    filterWidth: kw,
    outHeight,
    outWidth,
  } = info;

  // The phase convs compute H*W positions with about kh*kw/(sh*sw) taps each, the
  // forward conv outHeight*outWidth positions with kh*kw taps. When the phase convs
  // would do over twice the forward's work, a matmul and a scatter-add are cheaper.
  if (height * width > COL2IM_MIN_RATIO * outHeight * outWidth * sh * sw) {
    return inputGradientByCol2Im(backend, dy, filter, info);
  }

  // Every phase computes ceil(H/s) x ceil(W/s) positions, and the surplus is cropped at the end.
  const phaseHeight = Math.ceil(height / sh);
  const phaseWidth = Math.ceil(width / sw);
  const parts: tf.Tensor4D[] = [];
  for (let p = 0; p < sh; p++) {
    const rows = axisPhase(p, sh, kh, info.padInfo.top, outHeight, phaseHeight);
    for (let q = 0; q < sw; q++) {
      const cols = axisPhase(q, sw, kw, info.padInfo.left, outWidth, phaseWidth);
      if (rows.taps.length === 0 || cols.taps.length === 0) {
        parts.push(tf.zeros([batch, phaseHeight, phaseWidth, cIn]));
        continue;
      }
      const sub = toTensor<tf.Rank.R4>(subFilter(backend, filter, rows.taps, cols.taps));
      const dyPadded = padOrCrop(dy, rows.before, rows.after, cols.before, cols.after);
      parts.push(tf.conv2d(dyPadded, sub, 1, "valid"));
    }
  }
  if (sh === 1 && sw === 1) return parts[0];

  // The channels are ordered (p, q, c), so [B*ph, pw, sh, sw*C] -> [B*ph, sh, pw, sw*C]
  // interleaves the phases' rows and columns.
  const stacked = tf.reshape(tf.concat(parts, 3), [batch * phaseHeight, phaseWidth, sh, sw * cIn]);
  const full = tf.reshape(tf.transpose(stacked, [0, 2, 1, 3]), [
    batch,
    phaseHeight * sh,
    phaseWidth * sw,
    cIn,
  ]) as tf.Tensor4D;
  if (phaseHeight * sh === height && phaseWidth * sw === width) return full;
  return tf.slice(full, [0, 0, 0, 0], [batch, height, width, cIn]);
}

/**
 * Copies the filter taps `rowTaps x colTaps` of `[kh, kw, C_in, C_out]` into a
 * new `[rowTaps, colTaps, C_out, C_in]` filter (channels swapped), in one pass
 * over at most `kh*kw*C_in*C_out` values instead of two gathers and a transpose.
 */
function subFilter(
  backend: unknown,
  filter: tf.Tensor4D,
  rowTaps: number[],
  colTaps: number[],
): tf.TensorInfo {
  const wasm = asWasmBackend(backend);
  const [, kw, cIn, cOut] = filter.shape;
  const out = wasm.makeOutput([rowTaps.length, colTaps.length, cOut, cIn], "float32");
  const src = wasm.typedArrayFromHeap(filter);
  const dst = wasm.typedArrayFromHeap(out);
  let o = 0;
  for (const i of rowTaps) {
    for (const j of colTaps) {
      const tap = (i * kw + j) * cIn * cOut;
      for (let co = 0; co < cOut; co++) {
        for (let ci = 0; ci < cIn; ci++) dst[o++] = src[tap + ci * cOut + co];
      }
    }
  }
  return out;
}
