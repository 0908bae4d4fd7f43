/**
 * Conv input gradient as one matrix product and a scatter-add (col2im), for
 * convs whose output is much smaller than their input, such as the 4x4
 * 'valid' layers at the end of a PatchGAN discriminator. There the
 * phase-conv method of `Conv2DBackpropInput` would correlate mostly zero
 * padding (4x the forward FLOPs for a 6x6 input and a 3x3 output), while this
 * one costs the forward FLOPs plus one addition per patch element.
 */
import * as tf from "@tensorflow/tfjs-core";
import { asWasmBackend, toTensor } from "./wasm_memory.ts";

/**
 * Returns the gradient of a conv's input `[B, H, W, C_in]` from `dy`
 * (`[B, outHeight, outWidth, C_out]`) and the filter `[kh, kw, C_in, C_out]`,
 * with the geometry (strides, padding) of `info`.
 */
export function inputGradientByCol2Im(
  backend: unknown,
  dy: tf.Tensor4D,
  filter: tf.Tensor4D,
  info: tf.backend_util.Conv2DInfo,
): tf.Tensor4D {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels } = info;
  const { strideHeight: sh, strideWidth: sw, filterHeight: kh, filterWidth: kw } = info;
  const { top, left } = info.padInfo;

  // Patch gradients [N, kh*kw*C_in]: row n holds, for each filter tap, the
  // gradient of the input values that output position n read.
  const rows = tf.reshape(dy, [batchSize * outHeight * outWidth, outChannels]);
  const weights = tf.reshape(filter, [kh * kw * inChannels, outChannels]);
  const patches = tf.matMul(rows, weights, false, true);

  const wasm = asWasmBackend(backend);
  const out = wasm.makeOutput([batchSize, inHeight, inWidth, inChannels], "float32");
  const src = wasm.typedArrayFromHeap(patches);
  const dst = wasm.typedArrayFromHeap(out);
  dst.fill(0);
  let from = 0;
  for (let b = 0; b < batchSize; b++) {
    for (let ho = 0; ho < outHeight; ho++) {
      for (let wo = 0; wo < outWidth; wo++) {
        for (let i = 0; i < kh; i++) {
          const y = ho * sh + i - top;
          for (let j = 0; j < kw; j++, from += inChannels) {
            const x = wo * sw + j - left;
            if (y < 0 || y >= inHeight || x < 0 || x >= inWidth) continue;
            const to = ((b * inHeight + y) * inWidth + x) * inChannels;
            for (let c = 0; c < inChannels; c++) dst[to + c] += src[from + c];
          }
        }
      }
    }
  }
  return toTensor<tf.Rank.R4>(out);
}
