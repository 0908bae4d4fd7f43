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

  // Patch gradients, transposed: [kh*kw*C_in, N] = filter [kh*kw*C_in, C_out] x dy^T [C_out, N].
  // Entry (tap*C_in + c, n) is the gradient of the input value that filter tap `tap`,
  // channel c read for output position n. The explicit transpose is of dy, which is
  // small for these convs, and the product then needs no transpose flag.
  const positions = batchSize * outHeight * outWidth;
  const dyT = tf.transpose(tf.reshape(dy, [positions, outChannels]));
  const weights = tf.reshape(filter, [kh * kw * inChannels, outChannels]);
  const patches = tf.matMul(weights, dyT);

  const wasm = asWasmBackend(backend);
  const out = wasm.makeOutput([batchSize, inHeight, inWidth, inChannels], "float32");
  const src = wasm.typedArrayFromHeap(patches);
  const dst = wasm.typedArrayFromHeap(out);
  dst.fill(0);
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      const tapRow = (i * kw + j) * inChannels;
      let n = 0;
      for (let b = 0; b < batchSize; b++) {
        for (let ho = 0; ho < outHeight; ho++) {
          const y = ho * sh + i - top;
          for (let wo = 0; wo < outWidth; wo++, n++) {
            const x = wo * sw + j - left;
            if (y < 0 || y >= inHeight || x < 0 || x >= inWidth) continue;
            const to = ((b * inHeight + y) * inWidth + x) * inChannels;
            for (let c = 0; c < inChannels; c++) dst[to + c] += src[(tapRow + c) * positions + n];
          }
        }
      }
    }
  }
  return toTensor<tf.Rank.R4>(out);
}
