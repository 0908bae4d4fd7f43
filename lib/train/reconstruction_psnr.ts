/** Reconstruction PSNR of a WeTok tokenizer, for quick checks of training progress. */
import { tf } from "../engine/mod.ts";
import { meanTensorPsnr } from "../metrics/tensor_psnr.ts";
import type { WetokTokenizer } from "./wetok_networks.ts";

/**
 * Returns the mean 8-bit PSNR, in dB, between `images` (`[N, H, W, 3]` in
 * [-1, 1]) and their deterministic reconstructions: encode, quantize, decode
 * without noise, clamp to [-1, 1]. Both are truncated to 8 bits as in the
 * official WeTok evaluation (arXiv 2508.05599). The tokenizer's current
 * weights are used, so wrap the call in `Ema.withAveragedWeights` for the average.
 */
export async function reconstructionPsnr(
  tokenizer: WetokTokenizer,
  images: tf.Tensor4D,
): Promise<number> {
  const output = tf.tidy(() => {
    const codes = tokenizer.quantize(tokenizer.encode(images)).codes;
    return tf.clipByValue(tokenizer.decode(codes, null), -1, 1);
  });
  try {
    return await meanTensorPsnr(images, output);
  } finally {
    output.dispose();
  }
}
